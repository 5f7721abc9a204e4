"""Every page's source is valid HTML (RGAA 8.2; issue 22): on the demo data, the pages each
role is shown (crawled from its home page, as in test_demo_links), the public pages and a refused
form are checked by the Nu HTML Checker, the W3C's validator that RGAA names (npm package
`vnu-jar`, pinned in package.json; it needs Java 17 or later).

No error is accepted: the tables shown as cards on phones are written a second time as lists
(docs/decisions.md), not given explicit ARIA roles, which the checker refuses."""

from __future__ import annotations

from pathlib import Path

from passplus.accounts.models import Role, User
from tests.helpers.accounts import VerifiedClient
from tests.helpers.crawl import crawl
from tests.helpers.html_validity import needs_the_checker, validation_errors

pytestmark = needs_the_checker


def test_the_checker_finds_an_invalid_page(tmp_path: Path) -> None:
    """The check can fail: a block inside a paragraph and a duplicate id are reported."""
    page = (
        b'<!DOCTYPE html><html lang="fr"><head><title>T</title></head><body>'
        b'<p id="a">x<div>y</div></p><span id="a"></span>'
        b'<div aria-labelledby="a">z</div></body></html>'
    )
    errors = validation_errors({"/cassee/": page}, tmp_path)
    assert any("Duplicate ID “a”" in error for error in errors)
    assert any("“aria-labelledby” attribute must not be specified" in error for error in errors)
    assert all(error.startswith("/cassee/ ") for error in errors)


def test_every_page_of_the_demo_is_valid_html(shared_demo: str, tmp_path: Path) -> None:
    pages: dict[str, bytes] = {}

    def keep(url: str, source: bytes) -> None:
        pages[url] = source

    anonymous = VerifiedClient()
    crawl(anonymous, "/", on_source=keep)
    refused = anonymous.post("/compte/connexion/", {"username": "", "password": ""})
    assert refused.status_code == 200
    pages["/compte/connexion/ (refusé)"] = refused.content
    for role in Role.values:
        client = VerifiedClient()
        client.force_login(User.objects.filter(role=role, is_active=True).order_by("pk").first())
        crawl(client, client.get("/compte/")["Location"], on_source=keep)

    assert len(pages) >= 60  # the crawls did walk every space
    errors = validation_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)
