"""The dashboards' figures for one school year, optionally limited to some communes.

Every figure is computed by the database (aggregate / annotate with GROUP BY): a page costs
the same handful of queries whether the year has ten tickets or a hundred thousand. Python only
fills the empty weeks of the weekly series and formats.

Scope: a school year and, for a commune correspondent, the communes they follow. Pupils have
no commune, so the pupil-wide figures (pupils, credit, tickets, uptake by collège) exist only
for the whole territory; the commune scope applies to what partners entered (redemptions) and
to the partners themselves, through the organisation's commune.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncWeek

from passplus.campaigns.models import SchoolYear
from passplus.core.enums import Domain
from passplus.core.reporting import status_summary
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation
from passplus.pupils.models import Wallet
from passplus.territory.models import Commune
from passplus.tickets.models import Redemption, RedemptionStatus, Ticket, TicketStatus

R = RedemptionStatus
# Redemptions that count: every state but "cancelled" (a cancelled entry was a mistake).
LIVE_STATUSES = [value for value in R.values if value != R.CANCELLED]
UNKNOWN_DOMAIN = "unknown"
DOMAIN_LABELS = {**dict(Domain.choices), UNKNOWN_DOMAIN: "Non précisé"}

# The domain a redemption paid for: its activity's when the partner chose one, else the
# ticket's credit when the year splits sport / culture, else the partner's only domain.
REDEMPTION_DOMAIN = Case(
    When(activity__isnull=False, then=F("activity__domain")),
    When(ticket__wallet__domain__in=Domain.values, then=F("ticket__wallet__domain")),
    When(
        organisation__offers_sport=True,
        organisation__offers_culture=False,
        then=Value(Domain.SPORT.value),
    ),
    When(
        organisation__offers_sport=False,
        organisation__offers_culture=True,
        then=Value(Domain.CULTURE.value),
    ),
    default=Value(UNKNOWN_DOMAIN),
    output_field=CharField(),
)


@dataclass(frozen=True)
class Scope:
    """What a dashboard covers: a school year, and the communes of a correspondent (None for
    the whole territory)."""

    year: SchoolYear
    communes: QuerySet[Commune] | None = None

    @property
    def whole_territory(self) -> bool:
        return self.communes is None

    def redemptions(self) -> QuerySet[Redemption]:
        """Redemptions of the year's tickets (all states), by partners of the scope."""
        queryset = Redemption.objects.filter(ticket__wallet__school_year=self.year)
        if self.communes is not None:
            queryset = queryset.filter(organisation__commune__in=self.communes)
        return queryset

    def live_redemptions(self) -> QuerySet[Redemption]:
        return self.redemptions().filter(status__in=LIVE_STATUSES)

    def organisations(self) -> QuerySet[Organisation]:
        queryset = Organisation.objects.all()
        if self.communes is not None:
            queryset = queryset.filter(commune__in=self.communes)
        return queryset


# Headline figures -------------------------------------------------------------------------


def pupil_figures(year: SchoolYear) -> dict[str, int]:
    """Pupils credited for the year, scholarship holders among them, credit granted (cents)."""
    figures = Wallet.objects.filter(school_year=year).aggregate(
        pupils=Count("pupil", distinct=True),
        scholarship=Count("pupil", distinct=True, filter=Q(pupil__is_scholarship=True)),
        granted_cents=Coalesce(Sum("granted_cents"), 0),
    )
    return {key: int(value) for key, value in figures.items()}


def ticket_summary(year: SchoolYear) -> list[dict[str, Any]]:
    """The year's tickets by state (count and amount), every state listed."""
    return status_summary(
        Ticket.objects.filter(wallet__school_year=year),
        TicketStatus.choices,
        amount_field="amount_cents",
    )


def redemption_summary(scope: Scope) -> list[dict[str, Any]]:
    """Redemptions of the scope by state (count and amount), every state listed."""
    return status_summary(scope.redemptions(), R.choices, amount_field="amount_cents")


def money_figures(scope: Scope) -> dict[str, int]:
    """What partners entered, in cents: paid (reimbursed), in a run awaiting the bank
    (in payment), and still to put in a run (entered, or rejected by the bank and waiting for
    new bank details); `to_pay` is the sum of the last two; counts of live redemptions."""

    def cents(*statuses: str) -> Coalesce:
        return Coalesce(Sum("amount_cents", filter=Q(status__in=statuses)), 0)

    figures = scope.redemptions().aggregate(
        entries=Count("id", filter=Q(status__in=LIVE_STATUSES)),
        entered_cents=cents(*LIVE_STATUSES),
        paid_cents=cents(R.REIMBURSED),
        in_payment_cents=cents(R.IN_PAYMENT),
        awaiting_cents=cents(R.ENTERED, R.REJECTED),
    )
    result = {key: int(value) for key, value in figures.items()}
    result["to_pay_cents"] = result["in_payment_cents"] + result["awaiting_cents"]
    return result


def organisation_figures(scope: Scope) -> dict[str, int]:
    """Partners of the scope: affiliated now, and active (one live redemption or more on the
    year's tickets)."""
    active = Q(
        redemptions__ticket__wallet__school_year=scope.year,
        redemptions__status__in=LIVE_STATUSES,
    )
    figures = scope.organisations().aggregate(
        affiliated=Count("id", distinct=True, filter=Q(status=OrganisationStatus.AFFILIATED)),
        active=Count("id", distinct=True, filter=active),
    )
    return {key: int(value) for key, value in figures.items()}


def organisation_summary(communes: QuerySet[Commune] | None = None) -> list[dict[str, Any]]:
    """Partners by state, of the communes given (else of the whole territory)."""
    queryset = Organisation.objects.all()
    if communes is not None:
        queryset = queryset.filter(commune__in=communes)
    return status_summary(queryset, OrganisationStatus.choices)


# Chart series -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekFigure:
    monday: dt.date
    entries: int
    cents: int

    @property
    def iso_week(self) -> int:
        return self.monday.isocalendar().week


def entries_per_week(scope: Scope) -> list[WeekFigure]:
    """Live redemptions by ISO week of entry (Europe/Paris), from the first week with an
    entry to the last, weeks without any entry included as zeros."""
    rows = (
        scope.live_redemptions()
        .annotate(
            week=TruncWeek(
                "entered_at", tzinfo=ZoneInfo(settings.TIME_ZONE), output_field=DateField()
            )
        )
        .values("week")
        .annotate(entries=Count("id"), cents=Sum("amount_cents"))
        .order_by("week")
    )
    found: dict[dt.date, Any] = {row["week"]: row for row in rows}
    if not found:
        return []
    weeks, monday, last = [], min(found), max(found)
    while monday <= last:
        row = found.get(monday, {})
        weeks.append(WeekFigure(monday, int(row.get("entries", 0)), int(row.get("cents") or 0)))
        monday += dt.timedelta(days=7)
    return weeks


def amounts_by_commune(scope: Scope) -> list[dict[str, Any]]:
    """Live redemptions grouped by the partner's commune: name, INSEE code, count, cents."""
    rows: Any = (
        scope.live_redemptions()
        .values(
            commune=F("organisation__commune__name"), insee=F("organisation__commune__insee_code")
        )
        .annotate(entries=Count("id"), cents=Sum("amount_cents"))
        .order_by("commune", "insee")
    )
    return list(rows)


def amounts_by_domain(scope: Scope) -> list[dict[str, Any]]:
    """Live redemptions grouped by domain: label, count, cents. Sport and culture are always
    listed (zeros included) once there is an entry; "not known" only when it has some."""
    rows = {
        row["domain"]: row
        for row in scope.live_redemptions()
        .annotate(domain=REDEMPTION_DOMAIN)
        .values("domain")
        .annotate(entries=Count("id"), cents=Sum("amount_cents"))
        .order_by()
    }
    if not rows:
        return []
    figures = []
    for value, label in DOMAIN_LABELS.items():
        row = rows.get(value)
        if row is None and value == UNKNOWN_DOMAIN:
            continue  # "not known" only when some redemption has no known domain
        figures.append(
            {
                "domain": label,
                "entries": row["entries"] if row else 0,
                "cents": row["cents"] if row else 0,
            }
        )
    return figures


def uptake_by_college(year: SchoolYear) -> list[dict[str, Any]]:
    """For each collège: pupils credited for the year, those with at least one ticket of the
    year under a live redemption, and that share in tenths of a percent (rounded half up)."""
    used = Q(tickets__redemptions__status__in=LIVE_STATUSES)
    rows: Any = (
        Wallet.objects.filter(school_year=year)
        .values(college=F("pupil__college"))
        .annotate(
            pupils=Count("pupil", distinct=True),
            users=Count("pupil", distinct=True, filter=used),
        )
        .annotate(
            rate_tenths=(F("users") * 2000 + F("pupils")) / (F("pupils") * 2),
        )
        .order_by("college")
        .values("college", "pupils", "users", "rate_tenths")
    )
    return list(rows)
