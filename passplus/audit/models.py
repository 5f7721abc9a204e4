from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from passplus.audit.context import current_ip

if TYPE_CHECKING:
    from passplus.accounts.models import User


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_object(self, obj: models.Model) -> AuditEventQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class AuditEvent(models.Model):
    """Who did what to which record, when, from where. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        verbose_name="auteur",
    )
    actor_label = models.CharField("auteur (libellé)", max_length=254, blank=True)
    action = models.CharField("action", max_length=80, db_index=True)
    object_type = models.CharField("type d'objet", max_length=80)
    object_id = models.CharField("identifiant", max_length=64)
    before = models.JSONField("avant", default=dict, blank=True)
    after = models.JSONField("après", default=dict, blank=True)
    reason = models.TextField("motif", blank=True)
    ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    created_at = models.DateTimeField("date", auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "événement du journal"
        verbose_name_plural = "journal"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'système'} {self.action}"


def _event(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
) -> AuditEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        actor=user,
        actor_label=getattr(user, "email", "") if user else "système",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before or {},
        after=after or {},
        reason=reason,
        ip=current_ip.get(),
    )


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction of the change it describes."""
    event = _event(actor=actor, action=action, obj=obj, before=before, after=after, reason=reason)
    event.save(force_insert=True)
    return event


def record_many(
    *,
    actor: User | None,
    action: str,
    objects: list[models.Model],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> list[AuditEvent]:
    """The same event for each of `objects`, written in one INSERT (a bulk change; as for
    `record`, call it inside the change's transaction)."""
    return AuditEvent.objects.bulk_create(
        _event(actor=actor, action=action, obj=obj, before=before, after=after, reason=reason)
        for obj in objects
    )


def record_each(
    *,
    actor: User | None,
    action: str,
    changes: Iterable[tuple[models.Model, dict[str, Any] | None, dict[str, Any] | None]],
    reason: str = "",
) -> list[AuditEvent]:
    """One event per (object, before, after), each with its own values, written in one INSERT
    by batches (an import: each organisation audited with its own line; as for `record`, call
    it inside the change's transaction)."""
    return AuditEvent.objects.bulk_create(
        (
            _event(actor=actor, action=action, obj=obj, before=before, after=after, reason=reason)
            for obj, before, after in changes
        ),
        batch_size=1000,
    )
