"""Crawling a role's pages as a person would: from a start page, following every same-site
link (HTML pages and downloads), a few times per route."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from django.urls import Resolver404, resolve

from tests.helpers.accounts import VerifiedClient

# Followed at most this many times per view and set of query parameters: the pages of 30
# organisations differ in their data, not in their links.
PER_ROUTE = 2
NOT_FOLLOWED = ("/compte/deconnexion/", "/django-admin/", "/static/", "/media/")


def crawl(
    client: VerifiedClient,
    start: str,
    on_page: Callable[[str, BeautifulSoup], None] | None = None,
    on_file: Callable[[str], None] | None = None,
    on_source: Callable[[str, bytes], None] | None = None,
) -> tuple[int, list[str]]:
    """(pages visited, "status url ← found on" of every link that did not answer 200);
    `on_page(url, html)` is called for each HTML page, `on_source(url, bytes)` with the page as
    the server sent it, `on_file(url)` for each download."""
    queue: deque[tuple[str, str]] = deque([(start, "")])
    seen: set[str] = set()
    per_route: dict[tuple[str, tuple[str, ...]], int] = {}
    broken: list[str] = []
    while queue:
        url, found_on = queue.popleft()
        parts = urlsplit(url)
        if url in seen or parts.path.startswith(NOT_FOLLOWED):
            continue
        seen.add(url)
        try:
            route = resolve(parts.path).view_name
        except Resolver404:
            broken.append(f"no route: {url} <- {found_on}")
            continue
        query_keys = tuple(sorted(key.split("=")[0] for key in parts.query.split("&") if key))
        visits = per_route.get((route, query_keys), 0)
        if visits >= PER_ROUTE:
            continue
        per_route[(route, query_keys)] = visits + 1
        response = client.get(url, follow=True)  # /compte/ sends each role to its space
        if response.status_code != 200:
            broken.append(f"{response.status_code} {url} <- {found_on}")
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            if on_file is not None:
                on_file(url)
            continue
        html = BeautifulSoup(response.content, "html.parser")
        if response.redirect_chain:  # the page shown is the one redirected to
            url = urljoin(url, response.redirect_chain[-1][0])
        if on_page is not None:
            on_page(url, html)
        if on_source is not None:
            on_source(url, response.content)
        for link in html.select("a[href]"):
            target = urlsplit(urljoin(url, link["href"]))
            if target.netloc not in ("", "testserver") or target.scheme not in ("", "http"):
                continue  # another site, mailto:, tel:
            queue.append((target.path + (f"?{target.query}" if target.query else ""), url))
    return len(per_route), broken
