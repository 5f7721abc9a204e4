"""The payment calendar: cut-offs at 00:00 (Europe/Paris) on the configured days of each month
(default the 1st and the 16th), so that each run covers half a month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.conf import settings


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def cut_off_on(day: dt.date) -> dt.datetime:
    """The cut-off instant of a calendar day: its midnight, local time (aware)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=_zone())


def cut_offs_after(start: dt.datetime) -> Iterator[dt.datetime]:
    """Every cut-off strictly after `start`, in order (endless)."""
    days = sorted(set(settings.PASSPLUS_CUTOFF_DAYS))
    local = start.astimezone(_zone())
    year, month = local.year, local.month
    while True:
        for day in days:
            cut_off = cut_off_on(dt.date(year, month, day))
            if cut_off > start:
                yield cut_off
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def cut_offs_between(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Cut-offs after `start` and at or before `end`."""
    found = []
    for cut_off in cut_offs_after(start):
        if cut_off > end:
            break
        found.append(cut_off)
    return found


def next_cut_off(now: dt.datetime) -> dt.datetime:
    return next(cut_offs_after(now))


def expected_payment_day(cut_off: dt.datetime) -> dt.date:
    """The day a run's transfer is expected on the account: PASSPLUS_PAYMENT_DELAY_DAYS after
    its cut-off (an estimate told to partners; the run's own steps decide the real day)."""
    return cut_off.astimezone(_zone()).date() + dt.timedelta(
        days=settings.PASSPLUS_PAYMENT_DELAY_DAYS
    )


def last_day_included(cut_off: dt.datetime) -> dt.date:
    """The last calendar day whose entries a run pays: the day before its cut-off (00:00)."""
    return cut_off.astimezone(_zone()).date() - dt.timedelta(days=1)
