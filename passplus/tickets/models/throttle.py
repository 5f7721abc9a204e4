"""Guessing protection for ticket look-ups: failed look-ups are counted per organisation and
per client IP in the database (shared by every worker process); past the limit, look-ups are
blocked for a while. Blocks are rows: staff see and lift them.

Each look-up is counted as a failure BEFORE it runs, atomically under the rows' locks, and is
refused when the count is already at the limit; a look-up that finds its ticket gives its
attempt back (issue 30 §1). Checking the count first and counting the failure after the look-up
let a burst of simultaneous requests all pass the check: more look-ups ran than the limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from passplus.audit.models import record

if TYPE_CHECKING:
    from passplus.accounts.models import User
    from passplus.organisations.models import Organisation


class ThrottleScope(models.TextChoices):
    ORGANISATION = "organisation", "Organisme"
    IP = "ip", "Adresse IP"


class LookupThrottleQuerySet(models.QuerySet["LookupThrottle"]):
    def blocking(self, now: dt.datetime | None = None) -> LookupThrottleQuerySet:
        return self.filter(blocked_until__gt=now or timezone.now())


class LookupThrottle(models.Model):
    """Failed ticket look-ups of one organisation or one IP in the current window."""

    scope = models.CharField("portée", max_length=20, choices=ThrottleScope.choices)
    key = models.CharField("clé", max_length=64)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    window_started_at = models.DateTimeField("début de la période", default=timezone.now)
    failures = models.PositiveIntegerField("échecs dans la période", default=0)
    blocked_until = models.DateTimeField("bloqué jusqu'au", null=True, blank=True)
    blocks = models.PositiveIntegerField("nombre de blocages", default=0)
    lifted_at = models.DateTimeField("débloqué le", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = LookupThrottleQuerySet.as_manager()

    class Meta:
        app_label = "tickets"
        verbose_name = "blocage de saisie"
        verbose_name_plural = "blocages de saisie"
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="lookup_throttle_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}"

    def lift(self, *, actor: User) -> None:
        with transaction.atomic():
            LookupThrottle.objects.filter(pk=self.pk).update(
                blocked_until=None, failures=0, lifted_at=timezone.now(), lifted_by=actor
            )
            record(actor=actor, action="lookup_throttle.lift", obj=self)


Key = tuple[str, str, "Organisation | None"]


def _keys(organisation: Organisation, ip: str | None) -> list[Key]:
    """The counters a look-up of `organisation` from `ip` goes through, in the order their rows
    are locked (scope, then key: the same order for every request, so none waits for another
    that waits for it)."""
    keys: list[Key] = [(ThrottleScope.ORGANISATION, str(organisation.pk), organisation)]
    if ip:
        keys.append((ThrottleScope.IP, ip, None))
    return sorted(keys, key=lambda item: (item[0], item[1]))


def _rows(keys: list[Key]) -> models.Q:
    condition = models.Q()
    for scope, key, _owner in keys:
        condition |= models.Q(scope=scope, key=key)
    return condition


def blocked_until(organisation: Organisation, ip: str | None) -> dt.datetime | None:
    """When the current block of this organisation or this IP ends (None when not blocked)."""
    ends = [
        row.blocked_until
        for row in LookupThrottle.objects.blocking().filter(_rows(_keys(organisation, ip)))
        if row.blocked_until
    ]
    return max(ends) if ends else None


class LookupRefused(Exception):
    """The look-up may not run: a block is on until `until`, or (`until` None) the attempts
    counted in the window, failures and look-ups still running, already reach the limit."""

    def __init__(self, until: dt.datetime | None) -> None:
        super().__init__(until)
        self.until = until


@dataclass(frozen=True)
class Attempt:
    """A look-up counted before it runs: `found()` gives the attempt back, `failed()` keeps it
    and starts the block when the count is at the limit."""

    keys: list[Key]

    def found(self) -> None:
        for scope, key, _owner in self.keys:
            LookupThrottle.objects.filter(scope=scope, key=key, failures__gt=0).update(
                failures=models.F("failures") - 1
            )

    def failed(self) -> dt.datetime | None:
        """Start the block of every counter at the limit; when the block started now ends."""
        now = timezone.now()
        until = now + dt.timedelta(minutes=settings.PASSPLUS_LOOKUP_BLOCK_MINUTES)
        started = False
        for scope, key, _owner in self.keys:
            # One conditional UPDATE: of two failures ending at once, one starts the block.
            started |= bool(
                LookupThrottle.objects.filter(
                    scope=scope, key=key, failures__gte=settings.PASSPLUS_LOOKUP_MAX_FAILURES
                )
                .exclude(blocked_until__gt=now)
                .update(
                    blocked_until=until,
                    blocks=models.F("blocks") + 1,
                    failures=0,
                    window_started_at=now,
                )
            )
        return until if started else None


def attempt_reserve(organisation: Organisation, ip: str | None) -> Attempt:
    """Count a look-up as a failure before it runs, for the organisation and for the IP, in
    one transaction under their rows' locks; refuse it (LookupRefused, nothing written) when
    either is blocked or its count is already at the limit. So a burst of simultaneous
    look-ups never runs more than the limit, whatever the number of processes."""
    until = blocked_until(organisation, ip)  # cheap refusal of a blocked flood, without locks
    if until is not None:
        raise LookupRefused(until)
    keys = _keys(organisation, ip)
    limit = settings.PASSPLUS_LOOKUP_MAX_FAILURES
    window = dt.timedelta(minutes=settings.PASSPLUS_LOOKUP_WINDOW_MINUTES)
    with transaction.atomic():
        rows = _locked_rows(keys)
        now = timezone.now()
        ends = [row.blocked_until for row in rows if row.blocked_until and row.blocked_until > now]
        if ends:
            raise LookupRefused(max(ends))
        for row in rows:
            if row.failures == 0 or row.window_started_at + window <= now:
                row.window_started_at, row.failures = now, 0
            if row.failures >= limit:
                raise LookupRefused(None)
            row.failures += 1
        LookupThrottle.objects.bulk_update(rows, ["window_started_at", "failures"])
    return Attempt(keys)


def _locked_rows(keys: list[Key]) -> list[LookupThrottle]:
    """The rows of `keys`, created if missing, locked in the order of `keys`."""
    locked = LookupThrottle.objects.select_for_update().filter(_rows(keys)).order_by("scope", "key")
    rows = list(locked)
    if len(rows) < len(keys):
        missing = [
            LookupThrottle(scope=scope, key=key, organisation=owner) for scope, key, owner in keys
        ]
        # ignore_conflicts: a row created by a concurrent request in the meantime is kept.
        LookupThrottle.objects.bulk_create(missing, ignore_conflicts=True)
        rows = list(locked.all())
    return rows
