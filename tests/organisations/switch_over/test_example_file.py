"""docs/switch-over.md ships an example file: it must pass the check as the page says, and its
header must name every documented column."""

from __future__ import annotations

import re

import pytest

from passplus.organisations.switch_over.checking import check_file
from passplus.organisations.switch_over.lines import COLUMNS
from tests.helpers.paths import ROOT

EXAMPLE = ROOT / "docs" / "switch-over-example.csv"
GUIDE = ROOT / "docs" / "switch-over.md"


@pytest.mark.django_db
def test_the_example_file_passes_the_check() -> None:
    result = check_file(EXAMPLE.read_bytes(), archive=None)

    assert result.errors == []
    assert result.total == 3
    assert [line.legal_name for line in result.valid] == [
        "Football Club de Nanterre",
        "Conservatoire municipal de Bagneux",
        "Escalade Verticale SARL",
    ]


def test_the_guide_documents_every_column_and_only_those() -> None:
    documented = re.findall(r"^\| `([^`]+)` \|", GUIDE.read_text(), flags=re.MULTILINE)
    assert documented == [header for header, _aliases in COLUMNS.values()]
    assert EXAMPLE.read_text().splitlines()[0].split(";") == documented
