"""Audit events as the back office shows them: French action and object names, the state
change in words, and a link to the object's own page where it has one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.urls import reverse

from passplus.audit.labels import action_label
from passplus.audit.models import AuditEvent

# Object types with a back-office page of their own, and the URL name of that page.
OBJECT_PAGES = {
    "organisations.organisation": "backoffice:organisation",
    "tickets.ticket": "backoffice:ticket",
    "pupils.pupil": "backoffice:pupil",
    "pupils.family": "backoffice:family",
    "payments.paymentrun": "backoffice:payment_run",
}


@dataclass(frozen=True)
class EventRow:
    """One line of a journal, in French."""

    event: AuditEvent
    label: str
    subject: str
    change: str
    url: str


@cache
def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """ "Organisme", "Ticket"…: the model's verbose name, or the code of an unknown type."""
    model = _model(object_type)
    return str(model._meta.verbose_name).capitalize() if model else object_type


@cache
def _status_labels(object_type: str) -> dict[str, str]:
    model = _model(object_type)
    if model is None:
        return {}
    try:
        field = model._meta.get_field("status")
    except FieldDoesNotExist:
        return {}
    return {str(value): str(label) for value, label in getattr(field, "choices", None) or []}


def object_types() -> list[tuple[str, str]]:
    """(code, French label) of every type of object the journal holds, for a filter."""
    codes = AuditEvent.objects.order_by().values_list("object_type", flat=True).distinct()
    return sorted(((code, object_type_label(code)) for code in codes), key=lambda c: c[1])


def object_url(object_type: str, object_id: str) -> str:
    name = OBJECT_PAGES.get(object_type)
    return reverse(name, args=[object_id]) if name and object_id.isdigit() else ""


def event_row(event: AuditEvent) -> EventRow:
    labels = _status_labels(event.object_type)
    before, after = event.before.get("status"), event.after.get("status")
    change = ""
    if before and after:
        change = f"{labels.get(before, before)} → {labels.get(after, after)}"
    return EventRow(
        event=event,
        label=action_label(event.action),
        subject=f"{object_type_label(event.object_type)} n°{event.object_id}",
        change=change,
        url=object_url(event.object_type, event.object_id),
    )


# How many events an object page shows (templates say "(100 derniers)" when cut).
HISTORY_LIMIT = 100


def history(objects: Iterable[models.Model], limit: int = HISTORY_LIMIT) -> list[EventRow]:
    """The latest events (at most `limit`) about any of `objects`, latest first."""
    about = Q(pk__in=[])
    for obj in objects:
        about |= Q(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    events = AuditEvent.objects.filter(about).select_related(None).order_by("-created_at", "-id")
    return [event_row(event) for event in events[:limit]]
