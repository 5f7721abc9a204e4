"""A wrong schedule stops `manage.py check` (and every command) with a clear message, instead
of a scheduler that silently never runs a job."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from passplus.scheduling.jobs import JOBS


def check_schedules(**_kwargs: Any) -> list[CheckMessage]:

    errors: list[CheckMessage] = []
    for job in JOBS:
        expression = settings.PASSPLUS_SCHEDULES.get(job.name)
        try:
            job.trigger()
        except (ValueError, TypeError, AttributeError) as error:
            errors.append(
                Error(
                    f"Planification invalide pour « {job.label} » : {expression!r} ({error}).",
                    hint=(
                        f"PASSPLUS_SCHEDULE_{job.name.upper()} attend une expression cron à "
                        "cinq champs, par exemple « 0 9 * * * »."
                    ),
                    id="scheduling.E001",
                )
            )
    return errors
