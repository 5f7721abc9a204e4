"""Every link a user is shown leads somewhere: on the demo data, each role's pages are crawled
from its home page, following every same-site link (HTML pages and downloads), and each must
answer 200 (after redirects) — never a 403 for a link the role may not use, a 404 or a 500."""

from __future__ import annotations

import pytest

from passplus.accounts.models import Role, User
from tests.helpers.accounts import VerifiedClient
from tests.helpers.crawl import crawl


@pytest.mark.parametrize("role", Role.values)
def test_every_link_a_role_is_shown_opens(shared_demo: str, role: str) -> None:
    client = VerifiedClient()
    client.force_login(User.objects.filter(role=role, is_active=True).order_by("pk").first())
    home = client.get("/compte/")
    assert home.status_code == 302
    visited, broken = crawl(client, home["Location"])
    assert broken == []
    assert visited >= 20  # views × query parameters reached: the crawl did walk the space
