"""Back office: the audit log, every `AuditEvent`, filtered by actor, object, action and date.

Filters travel in the URL (shareable, bookmarkable); a wrong value is shown on the form and
filters on nothing. Object pages show their own history with `audit.presentation.history`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from passplus.accounts.access import staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.audit.labels import ACTION_LABELS
from passplus.audit.models import AuditEvent
from passplus.audit.presentation import event_row, object_types

PAGE_SIZE = 50


def _local_midnight(day: dt.date, days: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=days), dt.time.min))


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        label="Auteur (e-mail ou « système »)",
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    action = forms.ChoiceField(label="Action", required=False)
    object_type = forms.ChoiceField(label="Type d'objet", required=False)
    object_id = forms.CharField(
        label="Identifiant de l'objet",
        max_length=64,
        required=False,
        help_text="Le numéro affiché dans la colonne « Objet ».",
    )
    since = forms.DateField(
        label="Depuis le",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide (JJ/MM/AAAA)."},
    )
    until = forms.DateField(
        label="Jusqu'au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide (JJ/MM/AAAA)."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        by_label = sorted(ACTION_LABELS.items(), key=lambda item: item[1])
        action.choices = [("", "Toutes les actions"), *by_label]  # type: ignore[attr-defined]
        action.error_messages["invalid_choice"] = "Cette action est inconnue."
        object_type = self.fields["object_type"]
        object_type.choices = [("", "Tous les types"), *object_types()]  # type: ignore[attr-defined]
        object_type.error_messages["invalid_choice"] = "Ce type d'objet est inconnu."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "Cette date doit suivre la date de début.")
        return cleaned

    def apply(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if not self.is_valid():
            return events.none()
        data = self.cleaned_data
        if actor := data["actor"].strip():
            events = events.filter(actor_label__icontains=actor)
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if object_id := data["object_id"].strip():
            events = events.filter(object_id=object_id)
        # Ranges on the indexed timestamp, from local midnight to local midnight.
        if data["since"]:
            events = events.filter(created_at__gte=_local_midnight(data["since"]))
        if data["until"]:
            events = events.filter(created_at__lt=_local_midnight(data["until"], days=1))
        return events


@staff_required
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    events = form.apply(AuditEvent.objects.order_by("-created_at", "-id"))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": [event_row(event) for event in page.object_list],
        },
    )
