"""The RGAA 4.1 grid of the sample (accessibility_grid.toml) and the conformity rate computed
from it, for the accessibility statement and `manage.py accessibility_rate` (never typed).

RGAA's global rate: a criterion is conforming when it is "C" on at least one page of the sample
and "C" or "NA" on all the others; not conforming when it is "NC" or "NV" (not verified counts
as failing) on at least one; not applicable when it is "NA" everywhere. The rate is the
conforming criteria over the applicable ones.

Issue 32: a verdict resting on automated tests alone cannot judge an error state, a time limit
or a group of fields. Every row says whether a person checked it (`checked_by_person`) and with
which of the audit's methods (`person_method`, keys of `[audit.methods]`); a criterion counts
as conforming only when a person checked it. The `[audit]` table says who audited, when, how,
and what was not tried: the statement publishes it."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

GRID = Path(__file__).with_name("accessibility_grid.toml")
STATUSES = {"C", "NC", "NA", "NV"}
CRITERIA_PER_THEME = {
    1: 9,
    2: 2,
    3: 3,
    4: 13,
    5: 8,
    6: 2,
    7: 5,
    8: 10,
    9: 4,
    10: 14,
    11: 13,
    12: 11,
    13: 12,
}


class GridError(ValueError):
    """The grid file is not a complete, valid RGAA 4.1 grid."""


@dataclass(frozen=True)
class Audit:
    """Who checked the grid by hand, when, with what, and what they did not try."""

    who: str  # French, as the statement prints it
    date: str  # "2026-12"
    page_states: int
    methods: dict[str, str]  # key -> its French description
    not_tried: list[str]

    @property
    def month_label(self) -> str:
        """ "décembre 2026" (the audit is dated by its month)."""
        year, month = self.date.split("-")
        return f"{MONTHS[int(month) - 1]} {year}"


MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    statuses: dict[str, str]  # page key -> status
    how: str
    fix: str = ""
    checked_by_person: bool = False
    person_method: tuple[str, ...] = ()  # keys of the audit's methods

    @property
    def applicable(self) -> bool:
        return any(status != "NA" for status in self.statuses.values())

    @property
    def passes_checks(self) -> bool:
        """Every page "C" or "NA", whoever checked it."""
        return self.applicable and all(s in ("C", "NA") for s in self.statuses.values())

    @property
    def conforming(self) -> bool:
        return self.passes_checks and self.checked_by_person

    @property
    def automated_only(self) -> bool:
        """Passing its automated checks, but no person checked it: counted as failing."""
        return self.passes_checks and not self.checked_by_person

    @property
    def failing_pages(self) -> list[str]:
        if self.automated_only:
            return [page for page, status in self.statuses.items() if status == "C"]
        return [page for page, status in self.statuses.items() if status in ("NC", "NV")]

    @property
    def not_verified(self) -> bool:
        return "NV" in self.statuses.values()


@dataclass(frozen=True)
class Grid:
    """Its figures are computed once (the footer of every page shows the level)."""

    date: dt.date
    sample: dict[str, str]  # page key -> its label
    audit: Audit
    criteria: list[Criterion] = field(default_factory=list)

    @cached_property
    def applicable(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if criterion.applicable]

    @cached_property
    def conforming(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if criterion.conforming]

    @cached_property
    def failing(self) -> list[Criterion]:
        return [c for c in self.criteria if c.applicable and not c.conforming]

    @cached_property
    def rate(self) -> Decimal:
        """The percentage of applicable criteria that conform, rounded down to 0.1."""
        if not self.applicable:
            return Decimal(0)
        rate = Decimal(100 * len(self.conforming)) / Decimal(len(self.applicable))
        return rate.quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    @cached_property
    def rate_label(self) -> str:
        """The rate as French writes it: "73,2 %"."""
        return f"{self.rate}\u00a0%".replace(".", ",")

    @cached_property
    def level(self) -> str:
        """The wording the law requires: totalement / partiellement / non conforme."""
        if self.applicable and not self.failing:
            return "totalement conforme"
        return "partiellement conforme" if self.rate >= 50 else "non conforme"

    @cached_property
    def summary(self) -> str:
        """The footer's words: the level, then the rate in brackets."""
        return f"{self.level} ({self.rate_label})"


def _audit(data: dict[str, Any]) -> Audit:
    try:
        return Audit(
            who=str(data["who"]),
            date=str(data["date"]),
            page_states=int(data["page_states"]),
            methods={str(key): str(value) for key, value in data["methods"].items()},
            not_tried=[str(reader) for reader in data["not_tried"]],
        )
    except (KeyError, AttributeError, ValueError) as error:
        raise GridError(f"la table [audit] est incomplète ({error})") from error


def _person_check(row: dict[str, Any], audit: Audit) -> tuple[bool, tuple[str, ...]]:
    """The row's `checked_by_person` and `person_method`, refused when missing or unknown."""
    ident = row["id"]
    if "checked_by_person" not in row:
        raise GridError(f"{ident}: checked_by_person manquant (une personne l'a-t-elle vérifié ?)")
    checked = row["checked_by_person"]
    if not isinstance(checked, bool):
        raise GridError(f"{ident}: checked_by_person doit être un booléen (true ou false)")
    methods = tuple(row.get("person_method", ()))
    if checked and not methods:
        raise GridError(f"{ident}: vérifié par une personne, mais sans méthode (person_method)")
    unknown = sorted(set(methods) - set(audit.methods))
    if unknown:
        raise GridError(f"{ident}: méthode inconnue {unknown} (voir [audit.methods])")
    return checked, methods


def parse_grid(text: str) -> Grid:
    data = tomllib.loads(text)
    sample: dict[str, str] = dict(data["sample"])
    audit = _audit(data.get("audit", {}))
    criteria = []
    for row in data["criterion"]:
        default = row["status"]
        overrides = dict(row.get("pages", {}))
        unknown = set(overrides) - set(sample)
        if unknown:
            raise GridError(f"{row['id']}: pages hors échantillon {sorted(unknown)}")
        statuses = {page: overrides.get(page, default) for page in sample}
        if not set(statuses.values()) <= STATUSES:
            raise GridError(f"{row['id']}: statut inconnu {set(statuses.values()) - STATUSES}")
        checked, methods = _person_check(row, audit)
        criterion = Criterion(
            row["id"], row["title"], statuses, row["how"], row.get("fix", ""), checked, methods
        )
        if criterion.failing_pages and not criterion.passes_checks and not criterion.fix:
            raise GridError(f"{row['id']}: une non-conformité sans correction prévue")
        criteria.append(criterion)
    expected = [
        f"{theme}.{n}" for theme, count in CRITERIA_PER_THEME.items() for n in range(1, count + 1)
    ]
    if [criterion.id for criterion in criteria] != expected:
        raise GridError("la grille doit donner les 106 critères du RGAA 4.1, dans l'ordre")
    return Grid(date=data["date"], sample=sample, audit=audit, criteria=criteria)


@lru_cache(maxsize=1)
def current_grid() -> Grid:
    return parse_grid(GRID.read_text(encoding="utf-8"))
