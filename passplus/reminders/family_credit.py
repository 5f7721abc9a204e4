"""Families with credit not yet turned into tickets, one month and one week before the school
year's generation deadline (past it, the credit is lost)."""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, OuterRef
from django.db.models.lookups import GreaterThan
from django.urls import reverse

from passplus.campaigns.models import SchoolYear
from passplus.core.enums import WalletDomain
from passplus.core.money import format_cents
from passplus.pupils.models import Family, Wallet
from passplus.reminders.delivery import send_once
from passplus.reminders.models import ReminderKind, ReminderSent

# (occasion label, days before the deadline), nearest first: when the job did not run during
# the first window, only the nearer one is sent.
WINDOWS = (("J-7", 7), ("J-30", 30))
FAMILIES_PER_QUERY = 500


def due_window(year: SchoolYear, today: dt.date) -> str | None:
    """The window `today` falls in ("J-7", "J-30"), or None: never before the year starts nor
    after its generation deadline (the deadline day itself still counts)."""
    if not year.starts_on <= today <= year.generation_deadline:
        return None
    days_left = (year.generation_deadline - today).days
    for label, days in WINDOWS:
        if days_left <= days:
            return label
    return None


def occasion_of(year: SchoolYear, window: str) -> str:
    return f"campagne {year.pk} {window}"


def family_credit_remind(*, today: dt.date) -> int:
    """Remind every family with unused credit in a year whose window is open; returns how many
    e-mails were queued. Anonymised families and pupils, and families without an address, are
    left out; a family already reminded for this year and window is not reminded again."""
    sent = 0
    years = SchoolYear.objects.filter(starts_on__lte=today, generation_deadline__gte=today)
    for year in years:
        window = due_window(year, today)
        if window is not None:
            sent += _remind_year(year, occasion_of(year, window), today)
    return sent


def _remind_year(year: SchoolYear, occasion: str, today: dt.date) -> int:
    already = ReminderSent.objects.of(ReminderKind.FAMILY_CREDIT, occasion).filter(
        target_id=OuterRef("pupil__family_id")
    )
    rows = list(
        Wallet.objects.filter(
            school_year=year,
            pupil__anonymised_at__isnull=True,
            pupil__family__anonymised_at__isnull=True,
        )
        .exclude(pupil__family__email="")
        .with_balance()
        .filter(GreaterThan(F("remaining"), 0))
        .exclude(Exists(already))
        .order_by("pupil__family_id", "pupil__first_name", "pupil_id", "domain")
        .values("pupil__family_id", "pupil_id", "pupil__first_name", "domain", left=F("remaining"))
    )
    by_family: dict[int, list[dict[str, Any]]] = {
        family_id: [dict(row) for row in wallets]
        for family_id, wallets in groupby(rows, key=lambda row: row["pupil__family_id"])
    }
    sent = 0
    ids = list(by_family)
    for start in range(0, len(ids), FAMILIES_PER_QUERY):
        families = Family.objects.in_bulk(ids[start : start + FAMILIES_PER_QUERY])
        for family_id, family in families.items():
            sent += send_once(
                kind=ReminderKind.FAMILY_CREDIT,
                target=family,
                occasion=occasion,
                to=[family.email],
                template="family_credit",
                context=_context(family, year, by_family[family_id], today),
            )
    return sent


def _context(
    family: Family, year: SchoolYear, wallets: list[dict[str, Any]], today: dt.date
) -> dict[str, Any]:
    """One line per pupil: "Léa : 60,00 €", or per domain when the year splits them."""
    lines = []
    for _pupil, group in groupby(wallets, key=lambda row: row["pupil_id"]):
        rows = list(group)
        if year.split_domains:
            amounts = ", ".join(
                f"{format_cents(row['left'])} ({WalletDomain(row['domain']).label.lower()})"
                for row in rows
            )
        else:
            amounts = format_cents(sum(row["left"] for row in rows))
        lines.append(f"{rows[0]['pupil__first_name']} : {amounts}")
    return {
        "family": family,
        "year": year,
        "pupils": lines,
        "days_left": (year.generation_deadline - today).days,
        "link": settings.SITE_URL + reverse("family:home"),
    }
