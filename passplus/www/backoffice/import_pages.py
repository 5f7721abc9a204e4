"""What the job pages of the two CSV imports share (the pupil import, pupil_import.py, and the
organisations' switch-over, organisation_import.py): the context of a job's page (progress,
report by line, the import and retry buttons offered) and the message after a retry. Each page
adds what is its own (the organisations whose bank details differ, for the switch-over)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.imports import ImportMode, ImportRun, ImportStatus

ERRORS_PER_PAGE = 50
REFRESH_SECONDS = 3


def import_job_context(request: AuthenticatedHttpRequest, job: ImportRun) -> dict[str, Any]:
    """The context of templates/includes/import_*.html and line_errors.html for `job`."""
    return {
        "job": job,
        "page": Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page")),
        "hidden_errors": job.error_lines - len(job.errors),
        # Seconds between two updates of the progress, in place (static/js/progress.js).
        "refresh_seconds": REFRESH_SECONDS,
        # What the live region says, only when it changes: every quarter, not every line.
        "progress_quarter": job.progress_percent // 25 * 25,
        "can_import_all": job.status == ImportStatus.VALID,
        "can_import_valid": job.status == ImportStatus.INVALID
        and not job.file_error
        and job.valid_lines > 0,
        "modes": ImportMode,
        "can_retry": job.status == ImportStatus.FAILED,
    }


def retried_message(step: str) -> str:
    """The confirmation once a failed job's `step` ("import" or "check") started again."""
    started = "Import relancé" if step == "import" else "Vérification relancée"
    return f"{started} : cette page se met à jour toute seule."
