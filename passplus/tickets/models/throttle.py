"""Guessing protection for ticket look-ups: failed look-ups are counted per organisation and
per client IP in the database (shared by every worker process, atomic under a row lock); past
the limit, look-ups are blocked for a while. Blocks are rows: staff see and lift them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, models, transaction
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


def _keys(organisation: Organisation, ip: str | None) -> list[tuple[str, str, Organisation | None]]:
    keys: list[tuple[str, str, Organisation | None]] = [
        (ThrottleScope.ORGANISATION, str(organisation.pk), organisation)
    ]
    if ip:
        keys.append((ThrottleScope.IP, ip, None))
    return keys


def blocked_until(organisation: Organisation, ip: str | None) -> dt.datetime | None:
    """When the current block of this organisation or this IP ends (None when not blocked)."""
    now = timezone.now()
    ends = [
        row.blocked_until
        for row in LookupThrottle.objects.blocking(now).filter(
            models.Q(scope=ThrottleScope.ORGANISATION, key=str(organisation.pk))
            | models.Q(scope=ThrottleScope.IP, key=ip or "")
        )
        if row.blocked_until
    ]
    return max(ends) if ends else None


def record_failure(organisation: Organisation, ip: str | None) -> None:
    """Count one failed look-up for the organisation and the IP; block past the limit."""
    limit = settings.PASSPLUS_LOOKUP_MAX_FAILURES
    window = dt.timedelta(minutes=settings.PASSPLUS_LOOKUP_WINDOW_MINUTES)
    block = dt.timedelta(minutes=settings.PASSPLUS_LOOKUP_BLOCK_MINUTES)
    for scope, key, owner in _keys(organisation, ip):
        with transaction.atomic():
            row = _locked_row(scope, key, owner)
            now = timezone.now()
            if row.window_started_at + window <= now:
                row.window_started_at, row.failures = now, 0
            row.failures += 1
            if row.failures >= limit:
                row.blocked_until = now + block
                row.blocks += 1
                row.window_started_at, row.failures = now, 0
            row.save()


def _locked_row(scope: str, key: str, owner: Organisation | None) -> LookupThrottle:
    try:
        with transaction.atomic():
            LookupThrottle.objects.get_or_create(
                scope=scope, key=key, defaults={"organisation": owner}
            )
    except IntegrityError:  # created by a concurrent request in the meantime
        pass
    return LookupThrottle.objects.select_for_update().get(scope=scope, key=key)
