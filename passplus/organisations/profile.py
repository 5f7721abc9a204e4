"""The organisation's public card and activities, edited by its members in "Mon compte": what
the directory shows. The legal identity and the legal representative are not here (the
representative's mobile confirms bank-detail changes, so it changes through the département)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.organisations.models import Activity, Organisation

if TYPE_CHECKING:
    from passplus.accounts.models import User

PUBLIC_FIELDS = (
    "public_name",
    "street",
    "postcode",
    "city",
    "public_contact_name",
    "public_phone",
    "public_email",
    "website",
    "description",
    "listed_in_directory",
)
ACTIVITY_FIELDS = ("name", "domain", "activity_type", "place", "min_age", "max_age", "description")


@dataclass(frozen=True)
class ActivityChange:
    """One activity to add (`pk` None), change, or delete."""

    pk: int | None
    values: Mapping[str, object] = field(default_factory=dict)
    delete: bool = False


def organisation_profile_update(
    *,
    organisation: Organisation,
    actor: User,
    values: Mapping[str, object],
    activities: Sequence[ActivityChange] = (),
) -> Organisation:
    """Save the public card (`values`: cleaned values of `PUBLIC_FIELDS`) and the activities'
    changes, all or nothing. Refused: another organisation's activity, a domain the
    organisation does not offer, no activity left."""
    unknown = set(values) - set(PUBLIC_FIELDS)
    for change in activities:
        unknown |= set(change.values) - set(ACTIVITY_FIELDS)
    if unknown:
        raise DomainError(f"Champs inconnus : {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = Organisation.objects.select_for_update(no_key=True).get(pk=organisation.pk)
        own = locked.activities.in_bulk([change.pk for change in activities if change.pk])
        if any(change.pk and change.pk not in own for change in activities):
            raise DomainError("Cette activité n'est pas une activité de votre organisme.")
        offered = set(locked.domains)
        if any(
            "domain" in change.values and change.values["domain"] not in offered
            for change in activities
            if not change.delete
        ):
            raise DomainError("Votre organisme ne propose pas d'activité dans ce domaine.")
        changed = sorted(name for name, value in values.items() if getattr(locked, name) != value)
        for name, value in values.items():
            setattr(locked, name, value)
        # The card first, then the activities, whose signal refreshes the directory's search.
        locked.save(update_fields=list(values))
        for change in activities:
            activity = own[change.pk] if change.pk else Activity(organisation=locked)
            if change.delete:
                if activity.pk:
                    activity.delete()
                continue
            for name, value in change.values.items():
                setattr(activity, name, value)
            activity.save()
        if not locked.activities.exists():
            raise DomainError("Gardez au moins une activité : les familles la cherchent.")
        record(
            actor=actor,
            action="organisation.profile_update",
            obj=locked,
            after={"fields": changed, "activities_changed": bool(activities)},
        )
    return locked
