"""`/.well-known/security.txt` (RFC 9116) and the legal notices' "Signaler une faille de sécurité"
section: whom to tell about a vulnerability, read from the settings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.www.public.security_txt import expires_at
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db

URL = "/.well-known/security.txt"
# RFC 9116 §2.5: the fields it defines (an unknown one is allowed, but none of ours is unknown).
FIELDS = {
    "Acknowledgments", "Canonical", "Contact", "Encryption", "Expires", "Hiring", "Policy",
    "Preferred-Languages",
}  # fmt: skip


def fields_of(client: Client) -> dict[str, list[str]]:
    response = client.get(URL)
    assert response.status_code == 200
    fields: dict[str, list[str]] = defaultdict(list)
    for line in response.content.decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            name, separator, value = line.partition(": ")
            assert separator and value.strip() == value and value, line
            fields[name].append(value)
    return fields


def test_it_is_served_to_anyone_as_plain_utf8_text_cacheable_for_a_day(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=86400"}
    assert not response.cookies  # no session, no CSRF token: nothing personal to cache
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405


def test_every_field_is_present_once_and_valid(client: Client, settings: Any) -> None:
    settings.SITE_URL = "https://pass.example.fr"
    fields = fields_of(client)
    now = timezone.now()

    assert set(fields) <= FIELDS
    for name in ("Expires", "Preferred-Languages", "Policy", "Canonical"):
        assert len(fields[name]) == 1, name  # RFC 9116: Expires and the languages at most once
    assert fields["Contact"] == [f"mailto:{settings.PASSPLUS_CONTACT_EMAIL}"]  # by default
    for contact in fields["Contact"]:
        assert urlsplit(contact).scheme in {"mailto", "https", "tel"}
    expires = dt.datetime.fromisoformat(fields["Expires"][0])
    assert fields["Expires"][0].endswith("Z")  # RFC 3339 with its time zone
    assert now < expires < now + dt.timedelta(days=365)  # in the future, less than a year
    assert fields["Preferred-Languages"] == ["fr, en"]
    assert fields["Policy"] == ["https://pass.example.fr/mentions-legales/#securite"]
    assert fields["Canonical"] == [f"https://pass.example.fr{URL}"]


def test_the_policy_it_names_is_a_page_of_the_site_with_that_section(
    client: Client, settings: Any
) -> None:
    policy = urlsplit(fields_of(client)["Policy"][0])
    page = parse_html(client.get(policy.path))

    section = page.select_one(f"main h2#{policy.fragment}")
    assert section is not None
    assert section.get_text(strip=True) == "Signaler une faille de sécurité"
    contacts = [str(a["href"]) for a in page.select("#securite ~ ul a")]
    assert contacts == settings.PASSPLUS_SECURITY_CONTACT


def test_the_fields_come_from_the_settings(client: Client, settings: Any) -> None:
    settings.PASSPLUS_SECURITY_CONTACT = ["mailto:cert@cd92.example.fr", "tel:+33-1-23-45-67-89"]
    settings.PASSPLUS_SECURITY_POLICY_URL = "https://forge.example.fr/passplus/SECURITY.md"
    settings.PASSPLUS_SECURITY_TXT_EXPIRES_DAYS = 7
    settings.SITE_URL = "https://pass.cd92.example.fr"
    fields = fields_of(client)

    assert fields["Contact"] == ["mailto:cert@cd92.example.fr", "tel:+33-1-23-45-67-89"]
    assert fields["Policy"] == ["https://forge.example.fr/passplus/SECURITY.md"]
    assert fields["Canonical"] == [f"https://pass.cd92.example.fr{URL}"]
    expires = dt.datetime.fromisoformat(fields["Expires"][0])
    assert timezone.now() + dt.timedelta(days=6) < expires <= timezone.now() + dt.timedelta(days=7)
    notices = parse_html(client.get(reverse("public:legal_notices")))
    assert [a.get_text(strip=True) for a in notices.select("#securite ~ ul a")] == [
        "cert@cd92.example.fr",
        "+33-1-23-45-67-89",
    ]


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2026, 12, 5, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 5, 23, 59, 59, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 6, 0, 30, tzinfo=ZoneInfo("Europe/Paris")),  # 5 December in UTC
    ],
)
@pytest.mark.parametrize("days", [1, 180, 364])
def test_expires_is_midnight_utc_after_now_and_within_the_days(now: dt.datetime, days: int) -> None:
    expires = expires_at(now, days)

    assert expires.tzinfo == dt.UTC and expires.time() == dt.time(0, 0)
    assert now < expires <= now + dt.timedelta(days=days)
    assert expires_at(now.replace(hour=0, minute=0, second=0), days) == expires  # all day long


def test_the_legacy_address_redirects_permanently_to_the_well_known_one(client: Client) -> None:
    response = client.get("/security.txt")

    assert response.status_code == 301
    assert response["Location"] == URL


def test_the_legal_notices_link_the_source_code_and_name_the_licence(
    client: Client, settings: Any
) -> None:
    settings.PASSPLUS_SOURCE_URL = "https://forge.example.fr/cd92/passplus"
    page = parse_html(client.get(reverse("public:legal_notices")))

    assert page.select_one("main a[href='https://forge.example.fr/cd92/passplus']") is not None
    assert "AGPL-3.0-or-later" in page.select_one("main").get_text(" ")
