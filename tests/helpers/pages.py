"""Reading pages as HTML (parsed, never grepped)."""

from __future__ import annotations

import csv
import io

from bs4 import BeautifulSoup
from django.http import HttpResponse


def parse_html(response: HttpResponse | str) -> BeautifulSoup:
    content = response if isinstance(response, str) else response.content.decode()
    return BeautifulSoup(content, "html.parser")


def text_of(soup: BeautifulSoup, selector: str) -> str:
    """The whitespace-normalised text of the first element matching `selector`."""
    element = soup.select_one(selector)
    assert element is not None, f"no element matches {selector!r}"
    return " ".join(element.get_text(" ").split())


def read_csv(response: object) -> list[list[str]]:
    """The rows of a streamed French-Excel CSV download (UTF-8 with its BOM, `;`)."""
    raw = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert raw.startswith("\ufeff".encode())  # BOM: Excel reads the accents
    text = raw.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))
