"""The periodic jobs' bodies: each takes the current time and returns a JSON-able summary.
They call the domain apps; the rules live there."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from passplus.core import db_statistics
from passplus.organisations.switch_over.claims import claim_reminders_send_due
from passplus.payments.build import due_cut_offs, payment_run_build
from passplus.pupils.retention import anonymise_closed_school_years
from passplus.reminders.services import reminders_send_due
from passplus.tickets.assignment_clock import assignments_clock
from passplus.tickets.expiry import tickets_expire_past_deadlines
from passplus.workers.recovery import recover_dead_work


def payment_runs_build_due(now: dt.datetime) -> dict[str, Any]:

    built = [payment_run_build(cut_off=cut_off) for cut_off in due_cut_offs(now)]
    return {"built": len(built), "runs": [run.pk for run in built]}


def tickets_expire(now: dt.datetime) -> dict[str, Any]:

    return dict(tickets_expire_past_deadlines(today=timezone.localdate(now)))


def assignments_process(now: dt.datetime) -> dict[str, Any]:

    return dict(assignments_clock(now=now).as_dict())


def reminders_send(now: dt.datetime) -> dict[str, Any]:

    return dict(reminders_send_due(now=now))


def claim_reminders_send(now: dt.datetime) -> dict[str, Any]:

    return claim_reminders_send_due(now=now).as_dict()


def closed_years_anonymise(now: dt.datetime) -> dict[str, Any]:

    report = anonymise_closed_school_years(wet_run=True, today=timezone.localdate(now))
    return {"years": len(report.years), "closed_before": report.closed_before.isoformat()}


def planner_statistics_refresh(now: dt.datetime) -> dict[str, Any]:
    seconds = db_statistics.planner_statistics_refresh()
    return {"database": connection.vendor, "seconds": round(seconds, 2)}


def sessions_clear(now: dt.datetime) -> dict[str, Any]:
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return {"deleted": deleted}


def task_results_prune(now: dt.datetime) -> dict[str, Any]:
    call_command(
        "prune_db_task_results",
        queue_name="*",
        min_age_days=settings.TASK_RESULT_RETENTION_DAYS,
        failed_min_age_days=settings.TASK_RESULT_FAILED_RETENTION_DAYS,
        verbosity=0,
    )
    return {
        "retention_days": settings.TASK_RESULT_RETENTION_DAYS,
        "failed_retention_days": settings.TASK_RESULT_FAILED_RETENTION_DAYS,
    }


def dead_work_recover(now: dt.datetime) -> dict[str, Any]:

    report = recover_dead_work(now=now)
    return dataclasses.asdict(report)
