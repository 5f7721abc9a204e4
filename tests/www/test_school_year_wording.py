"""Issue 33 §4: outside the back office a school year is an « année scolaire », never a
« campagne » (the word stays for payment runs: « campagne de remboursement »)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PAGES = sorted([*(TEMPLATES / "public").rglob("*.html"), *(TEMPLATES / "family").rglob("*.html")])
CAMPAGNE = re.compile(r"campagnes?(?! de remboursement)", re.IGNORECASE)


def test_the_public_and_family_templates_are_found() -> None:
    assert {path.name for path in PAGES} >= {"home.html", "rules.html", "ticket.html"}


@pytest.mark.parametrize("path", PAGES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_a_school_year_is_called_annee_scolaire(path: Path) -> None:
    assert CAMPAGNE.findall(path.read_text(encoding="utf-8")) == []
