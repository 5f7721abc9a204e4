"""Every page each role is shown reflows at 320 px (RGAA 10.11, WCAG 1.4.10; issue 22): on the
demo data, a role's pages are crawled in Chromium 320 px wide from its home page, following its
same-site links (one page per route), and none may scroll sideways."""

from __future__ import annotations

import re
from collections import deque
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve

from passplus.accounts.models import Role, User
from passplus.demo.build import DEMO_PASSWORD
from tests.helpers.browser import horizontal_overflow, log_in, log_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOT_FOLLOWED = ("/compte/deconnexion/", "/django-admin/", "/static/", "/media/")
STAFF = {Role.GESTIONNAIRE, Role.FINANCE, Role.ADMIN}


def same_site_links(page: Any, base_url: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(urljoin(page.url, href))
        if f"{parts.scheme}://{parts.netloc}" == base_url and not parts.path.startswith(
            NOT_FOLLOWED
        ):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@pytest.mark.parametrize("role", Role.values)
def test_every_page_a_role_is_shown_reflows_at_320_pixels(
    demo: None, live_server: Any, page: Any, role: str
) -> None:
    user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
    assert user is not None
    page.set_viewport_size({"width": 320, "height": 640})
    if role in STAFF:
        log_in_staff(page, live_server.url, user.email, DEMO_PASSWORD, lambda _: None)
    else:
        log_in(page, live_server.url, user.email, DEMO_PASSWORD, landing=re.compile(r"/espace-"))

    queue: deque[str] = deque([urlsplit(page.url).path])
    routes: set[str] = set()
    wide: list[str] = []
    while queue:
        path = queue.popleft()
        try:
            route = resolve(urlsplit(path).path).view_name
        except Resolver404:
            continue
        if route in routes:
            continue
        routes.add(route)
        response = page.request.get(live_server.url + path)  # a download is not opened
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        page.goto(live_server.url + path)
        if (overflow := horizontal_overflow(page)) > 0:
            wide.append(f"{path}: {overflow} px")
        queue.extend(same_site_links(page, live_server.url))

    assert wide == []
    assert len(routes) >= 8  # the crawl did walk the role's pages
