"""A finance user asks for a run now, from the pages: the run of the last past cut-off if the
scheduler has not built it yet, otherwise an exceptional run (reason required) of the entries up
to this minute. Checked here at once (a clear refusal), built by a worker (progress shown).

Two finance users clicking together: each request first locks the `PreparationRequest` row, so
the checks and the queued build of the first are committed before the second checks; the second
is told who asked first, and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.core.errors import DomainError
from passplus.payments.build import build_in_progress, due_cut_offs, payable_before
from passplus.payments.models import PaymentRun, is_finance
from passplus.payments.progress import PreparationRequest
from passplus.payments.tasks import payment_run_prepare_task

if TYPE_CHECKING:
    from passplus.accounts.models import User

NOT_FINANCE = "Seule l'équipe finance peut préparer une campagne."
REASON_REQUIRED = (
    "Indiquez le motif de la campagne exceptionnelle (par exemple « clôture de l'exercice »)."
)
NOTHING_TO_PAY = "Aucune saisie n'est à payer pour le moment : aucune campagne n'a été préparée."
ALREADY_PREPARING = (
    "Une campagne est déjà en préparation : elle apparaîtra dans la liste dans un instant."
)
ALREADY_ASKED = (
    "Une campagne est déjà en préparation, demandée par {name} le {when:%d/%m/%Y à %H:%M} : "
    "elle apparaîtra dans la liste dans un instant."
)
SAME_MINUTE = "Une campagne vient d'être préparée : réessayez dans une minute."
REASON_MAX_LENGTH = 300


@dataclass(frozen=True)
class Preparation:
    cut_off: dt.datetime
    exceptional_reason: str = ""


def preparation_plan(*, now: dt.datetime, reason: str) -> Preparation:
    """Which run "Préparer la campagne maintenant" builds, or why none (DomainError)."""
    due = due_cut_offs(now)
    if due:
        # The latest past cut-off takes every older waiting entry too.
        return Preparation(cut_off=due[-1])
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError(REASON_REQUIRED)
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(f"Le motif ne doit pas dépasser {REASON_MAX_LENGTH} caractères.")
    # The click's instant: in the past when the worker builds, so no entry can slip in during
    # the build. One run per minute: the transfers' references carry the cut-off to the minute.
    cut_off = now
    minute = now.replace(second=0, microsecond=0)
    if PaymentRun.objects.filter(
        cut_off__gte=minute, cut_off__lt=minute + dt.timedelta(minutes=1)
    ).exists():
        raise DomainError(SAME_MINUTE)
    if not payable_before(cut_off).exists():
        raise DomainError(NOTHING_TO_PAY)
    return Preparation(cut_off=cut_off, exceptional_reason=reason)


def preparations_waiting() -> list[dict[str, Any]]:
    """Asked for and not yet picked up by a worker (shown on the runs page)."""

    return [
        dict(row["kwargs"])
        for row in DBTaskResult.objects.ready()
        .filter(task_path=payment_run_prepare_task.module_path)
        .values_list("args_kwargs", flat=True)
    ]


def _already_preparing(last: PreparationRequest) -> DomainError:
    """The refusal while a run is on its way: naming who asked for it and when, when it is the
    last one asked for from the pages (not the scheduler's)."""
    on_its_way = {build.cut_off for build in build_in_progress()} | {
        dt.datetime.fromisoformat(waiting["cut_off"]) for waiting in preparations_waiting()
    }
    if last.asked_by is None or last.asked_at is None or last.cut_off not in on_its_way:
        return DomainError(ALREADY_PREPARING)
    when = timezone.localtime(last.asked_at)
    return DomainError(ALREADY_ASKED.format(name=last.asked_by.full_name, when=when))


def payment_run_prepare(*, actor: User, now: dt.datetime, reason: str = "") -> Preparation:
    """Check and enqueue the build; the worker builds it with the actor as its builder, so
    that another finance user approves it (four eyes). Refused with DomainError while another
    run is being prepared (the request row is locked first: see the module's docstring)."""

    if not is_finance(actor):
        raise DomainError(NOT_FINANCE)
    with transaction.atomic():
        last = PreparationRequest.locked()
        if build_in_progress() or preparations_waiting():
            raise _already_preparing(last)
        plan = preparation_plan(now=now, reason=reason)
        last.asked_by, last.asked_at, last.cut_off = actor, now, plan.cut_off
        last.save(update_fields=["asked_by", "asked_at", "cut_off"])
        payment_run_prepare_task.enqueue(
            cut_off=plan.cut_off.isoformat(),
            actor_id=actor.pk,
            exceptional_reason=plan.exceptional_reason,
        )
    return plan
