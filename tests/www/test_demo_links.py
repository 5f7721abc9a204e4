"""Every link a user is shown leads somewhere: on the demo data, each role's pages are crawled
from its home page, following every same-site link (HTML pages and downloads), and each must
answer 200 (after redirects) — never a 403 for a link the role may not use, a 404 or a 500.
Every link to a download says the file's format and size (issue 22 §10), and no two pages
share a title unless they differ only by their query string (issue 22 §12)."""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup, Doctype
from django.urls import resolve

from passplus.accounts.models import Role, User
from tests.helpers.accounts import VerifiedClient
from tests.helpers.crawl import crawl


@pytest.mark.parametrize("role", Role.values)
def test_every_link_a_role_is_shown_opens(shared_demo: str, role: str) -> None:
    client = VerifiedClient()
    client.force_login(User.objects.filter(role=role, is_active=True).order_by("pk").first())
    home = client.get("/compte/")
    assert home.status_code == 302
    links: dict[str, set[str]] = defaultdict(set)  # route -> "text" of each link to it
    titles: dict[str, set[str]] = defaultdict(set)  # title -> paths of the pages bearing it
    files: set[str] = set()  # routes answering a download
    no_doctype: set[str] = set()
    ambiguous: set[str] = set()  # RGAA 6.1: one name on a page, several places
    cryptic: set[str] = set()  # masked numbers read out as bullets

    def read(url: str, html: BeautifulSoup) -> None:
        if not (html.contents and isinstance(html.contents[0], Doctype)):
            no_doctype.add(url)  # RGAA 8.1
        for text in html.find_all(string=lambda value: "••" in value):
            if not text.find_parent(attrs={"aria-hidden": "true"}):
                cryptic.add(f"{urlsplit(url).path}: {text.strip()[:40]!r}")  # RGAA 13.5
        titles[html.title.get_text(" ", strip=True) if html.title else ""].add(urlsplit(url).path)
        targets_of: dict[str, set[str]] = defaultdict(set)  # a link's name -> where it leads
        for link in html.select("a[href]"):
            target = urlsplit(urljoin(url, str(link["href"])))
            name = " ".join(str(link.get("aria-label") or link.get_text(" ", strip=True)).split())
            targets_of[name].add(target.path + (f"?{target.query}" if target.query else ""))
            if target.netloc in ("", "testserver") and target.path.startswith("/"):
                links[resolve(target.path).view_name].add(name)
        ambiguous.update(
            f"{urlsplit(url).path}: {name!r} -> {sorted(targets)}"
            for name, targets in targets_of.items()
            if len(targets) > 1
        )

    visited, broken = crawl(
        client,
        home["Location"],
        on_page=read,
        on_file=lambda url: files.add(resolve(urlsplit(url).path).view_name),
    )
    assert broken == []
    assert visited >= 20  # views × query parameters reached: the crawl did walk the space
    unsized = {
        f"{route}: {text!r}"
        for route in files
        for text in links[route]
        if not FILE_INFO.search(text)
    }
    assert unsized == set()
    shared = {title: paths for title, paths in titles.items() if len(paths) > 1}
    assert shared == {}
    assert no_doctype == set()
    assert ambiguous == set()
    assert cryptic == set()


# "PDF, 18 Ko", "CSV, environ 120 Ko", "XML, 1,2 Mo".
FILE_INFO = re.compile(r"\b(PDF|CSV|XML|JSON|XLSX|JPEG|PNG), (environ )?\d+(,\d)? (Ko|Mo)\b")
