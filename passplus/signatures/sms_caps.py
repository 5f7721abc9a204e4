"""Caps on the SMS codes sent, per organisation and per destination number, over a rolling day.

A signature request has its own budget (5 codes, 30 seconds apart), but a new request starts
whenever the representative's mobile changes: without a cap across requests, typing a new number
before each send made the service an SMS pump towards any French mobile. What is counted is the
one-time codes created during the last 24 hours (rows of `OneTimeCode`, so shared by every
process and exact): per organisation, whatever the number, and per number, whatever the
organisation. `check_sms_caps` runs inside the transaction that issued the code, right after
it (so the rules of one request, 30 seconds apart and 5 codes, are told first): a refusal rolls
the code and any new request back.

Two simultaneous sends could both count below the cap; the count is therefore taken under a
lock per organisation and per number held until the transaction ends: PostgreSQL advisory
locks; SQLite needs none, its IMMEDIATE transactions (settings.py) already run one writer at a
time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Count
from django.utils import timezone

from passplus.core.errors import DomainError
from passplus.core.privacy import mask_phone
from passplus.signatures.models import OneTimeCode, SignatureRequest

WINDOW = dt.timedelta(hours=24)


class SmsCap(models.TextChoices):
    ORGANISATION = "organisation", "organisme"
    NUMBER = "number", "numéro"


REFUSALS = {
    SmsCap.NUMBER: "Trop de codes envoyés à ce numéro depuis 24 heures",
    SmsCap.ORGANISATION: "Trop de codes envoyés pour votre organisme depuis 24 heures",
}


def cap_of(scope: SmsCap) -> int:
    if scope == SmsCap.ORGANISATION:
        return int(settings.PASSPLUS_SMS_MAX_PER_ORGANISATION_PER_DAY)
    return int(settings.PASSPLUS_SMS_MAX_PER_NUMBER_PER_DAY)


class SmsCapReached(DomainError):
    """A send refused by a cap; says when a send will be possible again."""

    def __init__(self, scope: SmsCap, available_at: dt.datetime) -> None:
        self.scope = scope
        self.available_at = available_at
        super().__init__(f"{REFUSALS[scope]} : nouvel envoi possible {when(available_at)}.")


def when(moment: dt.datetime) -> str:
    """The moment as "le 03/12/2026 à 14:05", Paris time, rounded up to the minute (so never
    earlier than the real one)."""
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    local = timezone.localtime(moment)
    return f"le {local:%d/%m/%Y} à {local:%H:%M}"


def _sent(scope: SmsCap, key: int | str, since: dt.datetime, *, exclude: int) -> list[dt.datetime]:
    field = "request__organisation_id" if scope == SmsCap.ORGANISATION else "request__phone"
    return list(
        OneTimeCode.objects.filter(created_at__gt=since, **{field: key})
        .exclude(pk=exclude)
        .values_list("created_at", flat=True)
    )


def available_at(sent: list[dt.datetime], cap: int) -> dt.datetime | None:
    """When a new send fits under the cap again (None when it fits now): once enough of the
    sends of the window, oldest first, have left it."""
    if len(sent) < cap:
        return None
    return sorted(sent)[len(sent) - cap] + WINDOW


def _lock(scope: SmsCap, key: int | str) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: the transaction already holds the database's only write lock
    digest = hashlib.sha256(f"passplus.sms_caps:{scope}:{key}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )


def check_sms_caps(*, signature: SignatureRequest) -> None:
    """Refuse (SmsCapReached) the code just issued for `signature` if the codes sent before it
    within 24 hours reach a cap. Must run inside the transaction that issued it, which the
    refusal then rolls back."""
    if not connection.in_atomic_block:
        raise RuntimeError("check_sms_caps must run inside the transaction that issued the code.")
    new_code = signature.codes.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
    if new_code is None:
        raise RuntimeError("check_sms_caps runs after issue_code.")
    since = timezone.now() - WINDOW
    refusal: SmsCapReached | None = None
    # Always the number's lock before the organisation's: no two senders wait for each other.
    for scope, key in (
        (SmsCap.NUMBER, signature.phone),
        (SmsCap.ORGANISATION, signature.organisation_id),
    ):
        _lock(scope, key)
        free_at = available_at(_sent(scope, key, since, exclude=new_code), cap_of(scope))
        if free_at is not None and (refusal is None or free_at > refusal.available_at):
            refusal = SmsCapReached(scope, free_at)
    if refusal is not None:
        raise refusal


@dataclass(frozen=True)
class CappedSender:
    """An organisation or a number at its cap now (for "À traiter")."""

    scope: SmsCap
    label: str
    count: int
    available_at: dt.datetime
    organisation_id: int | None = None
    organisations: tuple[str, ...] = ()

    @property
    def when(self) -> str:
        return when(self.available_at)


def capped_now() -> list[CappedSender]:
    """Organisations and numbers that cannot receive a code now, soonest free first."""
    since = timezone.now() - WINDOW
    recent = OneTimeCode.objects.filter(created_at__gt=since)
    capped: list[CappedSender] = []
    for scope, field in (
        (SmsCap.ORGANISATION, "request__organisation_id"),
        (SmsCap.NUMBER, "request__phone"),
    ):
        cap = cap_of(scope)
        keys = [
            row[field]
            for row in recent.values(field).annotate(sent=Count("pk")).filter(sent__gte=cap)
        ]
        rows = recent.filter(**{f"{field}__in": keys}).values_list(
            field, "created_at", "request__organisation__legal_name"
        )
        sent: dict[Any, list[dt.datetime]] = defaultdict(list)
        names: dict[Any, set[str]] = defaultdict(set)
        for key, moment, name in rows:
            sent[key].append(moment)
            names[key].add(name)
        for key, moments in sent.items():
            free_at = available_at(moments, cap)
            assert free_at is not None
            capped.append(
                CappedSender(
                    scope=scope,
                    label=next(iter(names[key]))
                    if scope == SmsCap.ORGANISATION
                    else mask_phone(key),
                    count=len(moments),
                    available_at=free_at,
                    organisation_id=key if scope == SmsCap.ORGANISATION else None,
                    organisations=tuple(sorted(names[key])),
                )
            )
    return sorted(capped, key=lambda item: (item.available_at, item.scope, item.label))
