"""Changes to a campaign (school year), each audited in its transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.forms.models import model_to_dict

from passplus.audit.models import record
from passplus.campaigns.models import SchoolYear

if TYPE_CHECKING:
    from passplus.accounts.models import User


def school_year_snapshot(year: SchoolYear) -> dict[str, Any]:
    """The campaign's fields as the journal shows them (before / after a change)."""
    return {key: str(value) for key, value in model_to_dict(year).items() if key != "id"}


def school_year_save(*, year: SchoolYear, actor: User) -> SchoolYear:
    """Create `year` (no primary key yet) or store its edited values, audited with the values
    before (as stored, read under lock) and after.

    The model's own validation runs first (`full_clean`: a missing date, a label already used,
    a negative amount...): invalid values raise ValidationError and nothing is saved. The rules
    across fields (dates in order, no overlap) are the form's (SchoolYearForm).
    """
    creating = year.pk is None
    year.full_clean()
    with transaction.atomic():
        before = (
            {}
            if creating
            else school_year_snapshot(SchoolYear.objects.select_for_update().get(pk=year.pk))
        )
        year.save()
        record(
            actor=actor,
            action="school_year.create" if creating else "school_year.update",
            obj=year,
            before=before,
            after=school_year_snapshot(year),
        )
    return year
