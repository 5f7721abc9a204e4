"""Nobody reaches another's objects by changing an id: on the demo data, every page and form
of one partner, family or correspondent whose path holds an id is requested by another user of
the same role, who must get 403 or 404 and change nothing."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from passplus.accounts.models import Role, User
from passplus.audit.models import AuditEvent
from tests.helpers.accounts import VerifiedClient
from tests.helpers.crawl import crawl

SPACE_OF = {
    Role.ORGANISATION: "/espace-affilie/",
    Role.FAMILY: "/espace-famille/",
    Role.CORRESPONDENT: "/espace-correspondant/",
}
HOLDS_AN_ID = re.compile(r"/\d+/")


def other_user(owner: User) -> User:
    """A user of the same role who shares nothing with `owner`."""
    others = User.objects.filter(role=owner.role, is_active=True).exclude(pk=owner.pk)
    if owner.role == Role.ORGANISATION:
        others = others.exclude(organisation=owner.organisation)
    if owner.role == Role.CORRESPONDENT:
        others = others.exclude(communes__in=owner.communes.all())
    other = others.order_by("pk").first()
    assert other is not None
    return other


@pytest.mark.parametrize("role", list(SPACE_OF))
def test_another_user_of_the_same_role_gets_403_or_404(shared_demo: str, role: str) -> None:
    owner = User.objects.filter(role=role, is_active=True).order_by("pk").first()
    client = VerifiedClient()
    client.force_login(owner)
    pages: set[str] = set()
    forms: set[str] = set()

    def collect(url: str, html: BeautifulSoup) -> None:
        for link in html.select("a[href]"):  # pages and downloads (PDF, CSV…) alike
            target = urlsplit(urljoin(url, str(link["href"]))).path
            if target.startswith(SPACE_OF[role]) and HOLDS_AN_ID.search(target):
                pages.add(target)
        for form in html.select("form[method=post]"):
            target = urlsplit(urljoin(url, str(form.get("action") or url))).path
            if target.startswith(SPACE_OF[role]) and HOLDS_AN_ID.search(target):
                forms.add(target)

    crawl(client, SPACE_OF[role], on_page=collect)
    assert pages | forms, "the crawl found none of the owner's objects"

    intruder = VerifiedClient()
    intruder.force_login(other_user(owner))
    events = AuditEvent.objects.count()
    exposed = [
        f"GET {url}: {status}"
        for url in sorted(pages)
        if (status := intruder.get(url).status_code) not in (403, 404)
    ]
    exposed += [
        f"POST {url}: {status}"
        for url in sorted(forms)
        if (status := intruder.post(url, {"reason": "x", "motif": "x"}).status_code)
        not in (403, 404)
    ]
    assert exposed == []
    assert AuditEvent.objects.count() == events  # nothing was changed on the owner's objects
