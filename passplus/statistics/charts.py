"""The dashboards' charts: each one a series from statistics.figures, drawn as an SVG bar chart,
given again as a table (the accessible alternative) and as a CSV file (French Excel: `;`,
decimal comma, UTF-8 with BOM). Table, chart and CSV come from the same rows, so they agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from passplus.core.exports import cell, euros_cell
from passplus.core.french import counted, format_number
from passplus.core.money import format_cents
from passplus.statistics import figures
from passplus.statistics.svg import Bar, bar_chart

TEXT, DATE, COUNT, CENTS, PERCENT = "text", "date", "count", "cents", "percent"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    csv_header: str = ""  # when the CSV needs the unit in the header ("Montant (€)")

    @property
    def numeric(self) -> bool:
        return self.kind in (COUNT, CENTS, PERCENT)


def _tenths(value: int) -> str:
    return f"{value // 10},{value % 10}"


def display(value: Any, kind: str) -> str:
    """A value as the page shows it."""
    if kind == COUNT:
        return format_number(int(value))
    if kind == CENTS:
        return format_cents(int(value))
    if kind == PERCENT:
        return f"{_tenths(int(value))}\u00a0%"
    if kind == DATE:
        return f"{value:%d/%m/%Y}"
    return str(value)


def csv_value(value: Any, kind: str) -> str:
    """A value as French Excel reads it (numbers without units, text neutralised)."""
    if kind == COUNT:
        return str(int(value))
    if kind == CENTS:
        return euros_cell(int(value))
    if kind == PERCENT:
        return _tenths(int(value))
    return cell(value)


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    explanation: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    bar_column: int
    bar_labels: list[str] = field(default_factory=list)  # default: the first column
    scale_max: int | None = None
    compact: bool = False
    unit: str = ""  # what a bar measures, for the SVG description

    @property
    def svg(self) -> SafeString:
        kind = self.columns[self.bar_column].kind
        labels = self.bar_labels or [str(row[0]) for row in self.rows]
        return bar_chart(
            chart_id=f"graphique-{self.slug}",
            title=self.title,
            description=(
                "Diagramme en barres horizontales, "
                f"{counted(len(self.rows), 'barre')} : {self.unit}. "
                "Les valeurs exactes figurent dans le tableau de données qui suit."
            ),
            bars=[
                Bar(label, int(row[self.bar_column]), display(row[self.bar_column], kind))
                for label, row in zip(labels, self.rows, strict=True)
            ],
            scale_max=self.scale_max,
            compact=self.compact,
        )

    @property
    def table_rows(self) -> list[list[tuple[str, bool]]]:
        """Each cell as (text, numeric)."""
        return [
            [
                (display(value, column.kind), column.numeric)
                for value, column in zip(row, self.columns, strict=True)
            ]
            for row in self.rows
        ]

    @property
    def csv_header(self) -> list[str]:
        return [column.csv_header or column.header for column in self.columns]

    @property
    def csv_rows(self) -> list[list[str]]:
        return [
            [csv_value(value, column.kind) for value, column in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]


ENTRIES = Column("Saisies", COUNT)
AMOUNT = Column("Montant", CENTS, "Montant (€)")


def weekly_chart(scope: figures.Scope) -> Chart:
    weeks = figures.entries_per_week(scope)
    return Chart(
        slug="saisies-par-semaine",
        title="Saisies par semaine",
        explanation="Tickets saisis par les organismes (hors saisies annulées), par semaine "
        "de saisie (du lundi au dimanche).",
        columns=(Column("Semaine"), Column("Lundi", DATE), ENTRIES, AMOUNT),
        rows=[
            (
                f"{week.monday.isocalendar().year}-S{week.iso_week:02d}",
                week.monday,
                week.entries,
                week.cents,
            )
            for week in weeks
        ],
        bar_column=2,
        bar_labels=[f"S{week.iso_week:02d} · {week.monday:%d/%m}" for week in weeks],
        compact=True,
        unit="nombre de saisies par semaine",
    )


def commune_chart(scope: figures.Scope) -> Chart:
    return Chart(
        slug="montants-par-commune",
        title="Montants saisis par commune",
        explanation="Montant des tickets saisis (hors saisies annulées), selon la commune de "
        "l'organisme qui les a saisis.",
        columns=(Column("Commune"), Column("Code INSEE"), ENTRIES, AMOUNT),
        rows=[
            (row["commune"], row["insee"], row["entries"], row["cents"])
            for row in figures.amounts_by_commune(scope)
        ],
        bar_column=3,
        unit="montant saisi par commune",
    )


def domain_chart(scope: figures.Scope) -> Chart:
    return Chart(
        slug="montants-par-domaine",
        title="Montants saisis par domaine",
        explanation="Montant des tickets saisis (hors saisies annulées), selon le domaine de "
        "l'activité, à défaut du crédit ou de l'organisme.",
        columns=(Column("Domaine"), ENTRIES, AMOUNT),
        rows=[
            (row["domain"], row["entries"], row["cents"])
            for row in figures.amounts_by_domain(scope)
        ],
        bar_column=2,
        unit="montant saisi par domaine",
    )


def college_chart(scope: figures.Scope) -> Chart:
    return Chart(
        slug="recours-par-college",
        title="Taux de recours par collège",
        explanation="Part des collégiens de l'année scolaire dont au moins un ticket a été saisi "
        "par un organisme (hors saisies annulées).",
        columns=(
            Column("Collège"),
            Column("Collégiens", COUNT),
            Column("Ayant utilisé un ticket", COUNT),
            Column("Taux de recours", PERCENT, "Taux de recours (%)"),
        ),
        rows=[
            (row["college"], row["pupils"], row["users"], row["rate_tenths"])
            for row in figures.uptake_by_college(scope.year)
        ],
        bar_column=3,
        scale_max=1000,
        unit="taux de recours par collège, sur 100 %",
    )


# slug -> (builder, needs the whole territory: pupils have no commune)
CHARTS: dict[str, tuple[Callable[[figures.Scope], Chart], bool]] = {
    "saisies-par-semaine": (weekly_chart, False),
    "montants-par-commune": (commune_chart, False),
    "montants-par-domaine": (domain_chart, False),
    "recours-par-college": (college_chart, True),
}


def chart_slugs(scope: figures.Scope) -> list[str]:
    return [
        slug
        for slug, (_builder, territory_only) in CHARTS.items()
        if scope.whole_territory or not territory_only
    ]


def build_chart(scope: figures.Scope, slug: str) -> Chart | None:
    """The chart `slug` for `scope`, or None if it does not exist for that scope."""
    if slug not in chart_slugs(scope):
        return None
    builder, _territory_only = CHARTS[slug]
    return builder(scope)


def build_charts(scope: figures.Scope) -> list[Chart]:
    return [builder(scope) for slug, (builder, _) in CHARTS.items() if slug in chart_slugs(scope)]


__all__ = ["Chart", "build_chart", "build_charts"]
