"""Helpers of the dashboard tests: dated redemptions, and the page, its SVG charts and its CSV
files read back."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup

from tests.helpers.factories import RedemptionFactory, WalletFactory

PARIS = ZoneInfo("Europe/Paris")
SVG = "{http://www.w3.org/2000/svg}"
ELUARD, MOULIN = "Collège Paul Éluard", "Collège Jean Moulin"


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def redemption(organisation: Any, cents: int, entered_at: dt.datetime, **extra: Any) -> Any:
    wallet = extra.pop("wallet", None) or WalletFactory()
    return RedemptionFactory(
        organisation=organisation,
        ticket__wallet=wallet,
        ticket__amount_cents=cents,
        entered_at=entered_at,
        **extra,
    )


# Reading the page -------------------------------------------------------------------------


def table(soup: BeautifulSoup, table_id: str) -> dict[str, list[str]]:
    """{row header: [cells]} of a table."""
    element = soup.find(id=table_id)
    assert element is not None, f"no #{table_id}"
    if element.name != "table":
        element = element.find_parent("table")
    return {
        row.th.get_text(" ", strip=True): [td.get_text(" ", strip=True) for td in row("td")]
        for row in element.select("tbody tr")
    }


def figure(soup: BeautifulSoup, figure_id: str) -> str:
    element = soup.find(id=figure_id)
    assert element is not None, f"no #{figure_id}"
    return element.get_text(strip=True)


def svgs(html: str) -> dict[str, ET.Element]:
    """Each chart's SVG, parsed as XML (it must be well-formed), by id."""
    found = re.findall(r"<svg.*?</svg>", html, re.S)
    parsed = [ET.fromstring(markup) for markup in found]  # noqa: S314 - our own page
    return {element.get("id", ""): element for element in parsed}


def csv_text(response: Any) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return content.removeprefix("\ufeff")


def euros(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")
