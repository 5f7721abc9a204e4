"""The site map (RGAA 12.1, 12.3, 12.4): linked from the footer of every page, it lists every
public page and the door of each space, and each of its links opens."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db

PUBLIC = [
    "public:home",
    "public:directory",
    "public:help",
    "public:help_families",
    "public:help_partners",
    "public:identification_form",
    "public:rules",
    "public:legal_notices",
    "public:privacy",
    "public:accessibility",
]


def test_the_site_map_links_every_public_page_and_each_space(client: Client) -> None:
    page = parse_html(client.get(reverse("public:site_map")))
    links = {str(a["href"]) for a in page.select("main a[href]")}

    assert {reverse(name) for name in PUBLIC} <= links
    for space in ("family:home", "partner:home", "correspondent:home", "backoffice:home"):
        assert reverse(space) in links
    for href in links:
        response = client.get(href, follow=True)
        assert response.status_code == 200, href  # a space's door leads to the login


def test_a_signed_in_person_is_shown_only_their_own_space(client: Client) -> None:
    from tests.helpers.factories import UserFactory

    client.force_login(UserFactory(organisation_member=True))
    page = parse_html(client.get(reverse("public:site_map")))
    links = {str(a["href"]) for a in page.select("main a[href]")}
    assert reverse("accounts:home") in links
    assert reverse("backoffice:home") not in links and reverse("family:home") not in links


@pytest.mark.parametrize("name", [*PUBLIC, "accounts:login", "public:site_map"])
def test_every_page_links_the_site_map_from_its_footer(client: Client, name: str) -> None:
    page = parse_html(client.get(reverse(name)))
    assert page.select_one(f"footer a[href='{reverse('public:site_map')}']") is not None
