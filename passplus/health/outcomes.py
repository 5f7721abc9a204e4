"""What one health check says: a status, a French message, the measured value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from passplus.core.french import counted


class Status(models.TextChoices):
    """Ordered from best to worst: a report is as bad as its worst check."""

    OK = "ok", "Correct"
    WARNING = "warning", "À surveiller"
    ERROR = "error", "En erreur"

    @property
    def severity(self) -> int:
        return list(Status).index(self)


@dataclass(frozen=True)
class Outcome:
    """One check's answer. `value` is a number a monitoring tool can graph (in the unit the
    check declares), or None when there is nothing to measure; never a secret or personal data.
    """

    status: Status
    message: str
    value: float | int | None = None
    # What the message counts, one French line each (the tasks stuck or waiting, with their age).
    details: tuple[str, ...] = ()


def ok(message: str, value: float | int | None = None) -> Outcome:
    return Outcome(Status.OK, message, value)


def warning(message: str, value: float | int | None = None) -> Outcome:
    return Outcome(Status.WARNING, message, value)


def error(message: str, value: float | int | None = None) -> Outcome:
    return Outcome(Status.ERROR, message, value)


def moment(value: dt.datetime) -> str:
    """'le 03/12/2026 à 14:05', Paris time."""
    local = timezone.localtime(value)
    return f"le {local:%d/%m/%Y} à {local:%H:%M}"


def duration(value: dt.timedelta) -> str:
    """A duration as a person says it: '40 s', '12 min', '3 h 20 min', '4 jours'."""
    seconds = max(0, int(value.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        hours, rest = divmod(seconds, 3600)
        return f"{hours} h {rest // 60:02d} min" if rest >= 60 else f"{hours} h"
    return counted(seconds // 86400, "jour")
