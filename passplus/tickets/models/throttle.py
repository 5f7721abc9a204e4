"""Guessing protection for ticket look-ups: failed look-ups are counted per organisation, per
user and per client IP in the database (shared by every worker process); past the limit, look-ups
are blocked for a while. Blocks are rows: staff see and lift them.

The organisation and the user are the main limit (PASSPLUS_LOOKUP_MAX_FAILURES); the address is
only a brake against one person spreading guesses across many accounts, with a threshold high
enough that a few clubs behind one shared address never reach it in normal use
(PASSPLUS_LOOKUP_MAX_FAILURES_PER_ADDRESS, issue 33 §1). Each failure is also recorded with its
organisation and user (LookupFailure) so that staff see whose failures caused a block.

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
    USER = "user", "Utilisateur"
    IP = "ip", "Adresse IP"


def scope_limit(scope: str) -> int:
    """The failures a counter of this scope allows in one window."""
    if scope == ThrottleScope.IP:
        return int(settings.PASSPLUS_LOOKUP_MAX_FAILURES_PER_ADDRESS)
    return int(settings.PASSPLUS_LOOKUP_MAX_FAILURES)


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
        """Lift this block, and for an organisation the blocks of its users that started with
        it (one mistake blocks both counters): each lift is audited."""
        lifted = [self]
        if self.scope == ThrottleScope.ORGANISATION and self.organisation_id is not None:
            lifted += list(
                LookupThrottle.objects.blocking().filter(
                    scope=ThrottleScope.USER, organisation_id=self.organisation_id
                )
            )
        with transaction.atomic():
            for row in lifted:
                LookupThrottle.objects.filter(pk=row.pk).update(
                    blocked_until=None, failures=0, lifted_at=timezone.now(), lifted_by=actor
                )
                record(actor=actor, action="lookup_throttle.lift", obj=row)


class LookupFailure(models.Model):
    """One failed look-up counted by a counter in its current window: who made it. The rows of
    a counter are deleted when its window starts again, so those of a block are the failures
    that caused it."""

    throttle = models.ForeignKey(
        LookupThrottle, on_delete=models.CASCADE, related_name="failure_rows"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        app_label = "tickets"
        verbose_name = "saisie sans résultat"
        verbose_name_plural = "saisies sans résultat"

    def __str__(self) -> str:
        return f"{self.throttle} {self.at:%d/%m/%Y %H:%M}"


Key = tuple[str, str, "Organisation | None"]


def _keys(organisation: Organisation, ip: str | None, user: User | None = None) -> list[Key]:
    """The counters a look-up of `organisation` by `user` from `ip` goes through, in the order
    their rows are locked (scope, then key: the same order for every request, so none waits for
    another that waits for it)."""
    keys: list[Key] = [(ThrottleScope.ORGANISATION, str(organisation.pk), organisation)]
    if user is not None:
        keys.append((ThrottleScope.USER, str(user.pk), organisation))
    if ip:
        keys.append((ThrottleScope.IP, ip, None))
    return sorted(keys, key=lambda item: (item[0], item[1]))


def _rows(keys: list[Key]) -> models.Q:
    condition = models.Q()
    for scope, key, _owner in keys:
        condition |= models.Q(scope=scope, key=key)
    return condition


def blocked_until(
    organisation: Organisation, ip: str | None, user: User | None = None
) -> dt.datetime | None:
    """When the current block of this organisation, user or IP ends (None when not blocked)."""
    refusal = _block_refusal(
        list(LookupThrottle.objects.blocking().filter(_rows(_keys(organisation, ip, user))))
    )
    return refusal.until if refusal else None


def _block_refusal(rows: list[LookupThrottle]) -> LookupRefused | None:
    """The refusal the blocks among `rows` give: until the last ends; by the address when
    only the address is blocked (another account's failures: the message says so)."""
    now = timezone.now()
    blocking = [row for row in rows if row.blocked_until and row.blocked_until > now]
    if not blocking:
        return None
    until = max(row.blocked_until for row in blocking if row.blocked_until)
    return LookupRefused(until, by_address=all(row.scope == ThrottleScope.IP for row in blocking))


class LookupRefused(Exception):
    """The look-up may not run: a block is on until `until`, or (`until` None) the attempts
    counted in the window, failures and look-ups still running, already reach the limit."""

    def __init__(self, until: dt.datetime | None, *, by_address: bool = False) -> None:
        super().__init__(until)
        self.until = until
        self.by_address = by_address


@dataclass(frozen=True)
class Failure:
    """A failed look-up: when the block it started ends (None: no block started), and how many
    look-ups remain before the nearest counter blocks."""

    until: dt.datetime | None
    remaining: int


@dataclass(frozen=True)
class Attempt:
    """A look-up counted before it runs: `found()` gives the attempt back, `failed()` keeps it,
    records who made it and starts the block of every counter at its limit."""

    keys: list[Key]
    organisation: Organisation | None = None
    user: User | None = None

    def found(self) -> None:
        for scope, key, _owner in self.keys:
            LookupThrottle.objects.filter(scope=scope, key=key, failures__gt=0).update(
                failures=models.F("failures") - 1
            )

    def failed(self) -> Failure:
        now = timezone.now()
        until = now + dt.timedelta(minutes=settings.PASSPLUS_LOOKUP_BLOCK_MINUTES)
        rows = list(LookupThrottle.objects.filter(_rows(self.keys)).values_list("pk", flat=True))
        # Older rows belong to no open window and no current block: who failed is not kept.
        LookupFailure.objects.filter(at__lt=now - _kept_for()).delete()
        LookupFailure.objects.bulk_create(
            LookupFailure(throttle_id=pk, organisation=self.organisation, user=self.user, at=now)
            for pk in rows
        )
        started = False
        for scope, key, _owner in self.keys:
            # One conditional UPDATE: of two failures ending at once, one starts the block.
            started |= bool(
                LookupThrottle.objects.filter(
                    scope=scope, key=key, failures__gte=scope_limit(scope)
                )
                .exclude(blocked_until__gt=now)
                .update(
                    blocked_until=until,
                    blocks=models.F("blocks") + 1,
                    failures=0,
                    window_started_at=now,
                )
            )
        if started:
            return Failure(until=until, remaining=0)
        counts = LookupThrottle.objects.filter(_rows(self.keys)).values_list("scope", "failures")
        remaining = min((scope_limit(scope) - failures for scope, failures in counts), default=0)
        return Failure(until=None, remaining=max(remaining, 0))


def _kept_for() -> dt.timedelta:
    """How long a failure can count: its window, then the block it may start."""
    minutes = settings.PASSPLUS_LOOKUP_WINDOW_MINUTES + settings.PASSPLUS_LOOKUP_BLOCK_MINUTES
    return dt.timedelta(minutes=minutes)


def attempt_reserve(
    organisation: Organisation, ip: str | None, user: User | None = None
) -> Attempt:
    """Count a look-up as a failure before it runs, for the organisation, the user and the IP,
    in one transaction under their rows' locks; refuse it (LookupRefused, nothing written) when
    any is blocked or its count is already at its limit. So a burst of simultaneous look-ups
    never runs more than the limit of any counter, whatever the number of processes."""
    keys = _keys(organisation, ip, user)
    # A cheap refusal of a blocked flood, without locks.
    refusal = _block_refusal(list(LookupThrottle.objects.blocking().filter(_rows(keys))))
    if refusal is not None:
        raise refusal
    window = dt.timedelta(minutes=settings.PASSPLUS_LOOKUP_WINDOW_MINUTES)
    with transaction.atomic():
        rows = _locked_rows(keys)
        now = timezone.now()
        refusal = _block_refusal(rows)
        if refusal is not None:
            raise refusal
        restarted = []
        for row in rows:
            if row.failures == 0 or row.window_started_at + window <= now:
                row.window_started_at, row.failures = now, 0
                restarted.append(row.pk)
            if row.failures >= scope_limit(row.scope):
                raise LookupRefused(None)
            row.failures += 1
        if restarted:  # a new window: the failures recorded in the last one are forgotten
            LookupFailure.objects.filter(throttle_id__in=restarted).delete()
        LookupThrottle.objects.bulk_update(rows, ["window_started_at", "failures"])
    return Attempt(keys, organisation, user)


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
