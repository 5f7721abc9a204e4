"""The accessibility statement publishes a rate computed from the RGAA grid of the sample
(issue 22), never typed: the rate, the legal wording, the sample and each non-conformity with
its planned fix come from passplus/www/public/accessibility_grid.toml."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from passplus.www.public import accessibility_audit
from passplus.www.public.accessibility_audit import GRID, GridError, parse_grid
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

TEXT = GRID.read_text(encoding="utf-8")


def with_statuses(text: str, **changes: str) -> str:
    """The grid with the default status of some criteria changed (ids as 10_11 for 10.11)."""
    for criterion, status in changes.items():
        ident = criterion.replace("_", ".")
        # A failing criterion needs its planned fix: one comes with the status.
        fix = '\nfix = "Corriger."' if status in ("NC", "NV") else ""
        text, count = re.subn(
            rf'(id = "{re.escape(ident)}"\ntitle = "[^"]*"\nstatus = )"[A-Z]+"',
            rf'\1"{status}"{fix}',
            text,
        )
        assert count == 1, ident
    return text


def test_the_real_grid_is_complete_and_its_rate_is_computed() -> None:
    grid = parse_grid(TEXT)
    assert len(grid.criteria) == 106
    assert len(grid.sample) >= 15
    tenths = 1000 * len(grid.conforming) // len(grid.applicable)  # rounded down, as RGAA does
    assert grid.rate == Decimal(tenths) / 10
    assert all(criterion.fix for criterion in grid.failing)


def test_not_verified_counts_as_failing_and_na_everywhere_is_not_applicable() -> None:
    grid = parse_grid(with_statuses(TEXT, **{"3_1": "NV", "2_1": "NA"}))
    criteria = {criterion.id: criterion for criterion in grid.criteria}
    assert criteria["3.1"] in grid.failing and criteria["3.1"].not_verified
    assert criteria["2.1"] not in grid.applicable


def test_every_criterion_passing_reads_totally_conforming() -> None:
    text = re.sub(r'status = "(NV|NC)"', 'status = "C"', TEXT)
    text = re.sub(r'= "(NV|NC)"', '= "C"', text)
    grid = parse_grid(text)
    assert grid.failing == [] and grid.rate == 100
    assert grid.level == "totalement conforme"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace('id = "13.12"', 'id = "13.13"'), "106 critères"),
        (lambda t: t.replace('status = "NA"', 'status = "OK"', 1), "statut inconnu"),
        (lambda t: t.replace("pages = { bo_dashboard", "pages = { tableau", 1), "hors échantillon"),
        (
            # A failing criterion whose planned fix was left out.
            lambda t: with_statuses(t, **{"3_1": "NC"}).replace('\nfix = "Corriger."', "", 1),
            "sans correction prévue",
        ),
    ],
)
def test_an_incomplete_or_wrong_grid_is_refused(change: Any, message: str) -> None:
    with pytest.raises(GridError, match=message):
        parse_grid(change(TEXT))


def test_the_statement_and_the_footer_show_the_computed_rate(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    grid = parse_grid(with_statuses(TEXT, **{"12_1": "C", "3_3": "C"}))
    monkeypatch.setattr(accessibility_audit, "current_grid", lambda: grid)
    monkeypatch.setattr("passplus.www.public.pages.current_grid", lambda: grid)

    page = parse_html(client.get(reverse("public:accessibility")))

    text = text_of(page, "main")
    assert f"{str(grid.rate).replace('.', ',')} %" in text  # "76,0 %", French decimal comma
    assert f"est {grid.level}" in text
    for criterion in grid.failing:
        assert f"Critère {criterion.id} — {criterion.title}" in text
        assert criterion.fix in text
    assert "Critère 12.1 " not in text  # made conforming above
    assert f"Accessibilité : {grid.level}" in text_of(page, "footer")


def test_the_command_prints_the_same_rate() -> None:
    out = io.StringIO()
    call_command("accessibility_rate", stdout=out)
    grid = parse_grid(TEXT)
    assert out.getvalue().startswith(f"Taux de conformité : {grid.rate_label}")
    assert len(out.getvalue().splitlines()) == 1 + len(grid.failing)
