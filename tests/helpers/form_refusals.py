"""Refusing every form a crawl reaches: the POST forms of a role's pages (found by
tests/helpers/crawl.py), sent back empty or filled with nonsense, and what the refusal's
error summary says (RGAA 11.10: plain text, never a label's markup)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from tests.helpers.accounts import VerifiedClient
from tests.helpers.crawl import crawl

NOT_SENT = ("/compte/deconnexion/",)


@dataclass(frozen=True)
class PostForm:
    target: str  # the action, with its query string
    hidden: dict[str, str]  # the hidden fields with their values
    visible: list[str]  # the names of the fields a person fills in (files excepted)

    def data(self, value: str) -> dict[str, str]:
        """What a person sends who types `value` in every field."""
        return {**self.hidden, **dict.fromkeys(self.visible, value)}


def form_fields(form: Tag) -> tuple[dict[str, str], list[str]]:
    """(hidden fields with their values, names of the fields a person fills in)."""
    hidden: dict[str, str] = {}
    visible: list[str] = []
    for field in form.select("input[name], select[name], textarea[name]"):
        name = str(field["name"])
        if name == "csrfmiddlewaretoken":
            continue
        if field.name == "input" and field.get("type") == "hidden":
            hidden[name] = str(field.get("value", ""))
        elif field.name == "input" and field.get("type") == "file":
            continue
        else:
            visible.append(name)
    return hidden, visible


FormKey = tuple[str, tuple[str, ...]]  # the action's path and the names of the fields


def post_forms_of(url: str, html: BeautifulSoup) -> list[tuple[FormKey, PostForm]]:
    """The page's POST forms (keyed by action path and field names: one per kind of form)."""
    found: list[tuple[FormKey, PostForm]] = []
    for form in html.select("form"):
        if str(form.get("method", "get")).lower() != "post":
            continue
        action = urlsplit(urljoin(url, str(form.get("action") or url)))
        target = action.path + (f"?{action.query}" if action.query else "")
        if target.startswith(NOT_SENT):
            continue
        hidden, visible = form_fields(form)
        found.append(((action.path, tuple(sorted(visible))), PostForm(target, hidden, visible)))
    return found


def reachable_forms(client: VerifiedClient, start: str) -> list[PostForm]:
    """Every kind of POST form the crawl from `start` shows the client."""
    forms: dict[FormKey, PostForm] = {}

    def collect(url: str, html: BeautifulSoup) -> None:
        for key, form in post_forms_of(url, html):
            forms.setdefault(key, form)

    crawl(client, start, on_page=collect)
    return list(forms.values())


def summary_markup(page: BeautifulSoup) -> list[str]:
    """The lines of the page's error summary that show markup instead of plain text: a tag
    escaped once in the source ('&lt;a href…', read as '<a href…') or twice ('&amp;lt;a',
    read as '&lt;a')."""
    summary = page.select_one("#resume-erreurs")
    if summary is None:
        return []
    return [
        item.get_text(" ", strip=True)
        for item in summary.select("li")
        if "<" in item.get_text() or "&lt;" in item.get_text()
    ]
