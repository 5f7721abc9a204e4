"""Payment runs waiting for a finance user's check or approval (issue 33 §4): who may act on
each (the model's rules, PaymentRun.check_refusal / approval_refusal), the list « À traiter »
and « Remboursements » show to one user, and the e-mail sent once when a run becomes ready.

"Once" is the transition itself: a run is built once (a second build of the same cut-off
returns the existing run) and checked once, and each queues its e-mail in its transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from passplus.accounts.models import Role, User
from passplus.notifications.tasks import email_later
from passplus.payments.models import PaymentRun
from passplus.payments.models import PaymentRunStatus as RS

CHECK = "vérifier"
APPROVE = "approuver"


@dataclass(frozen=True)
class AwaitingRun:
    run: PaymentRun
    verb: str  # CHECK or APPROVE


def awaited_verb(run: PaymentRun) -> str | None:
    """What `run` waits for, whoever acts: its check (built by the scheduler, still a draft),
    its approval (checked, or built by a person), or nothing."""
    if run.status == RS.DRAFT:
        return CHECK if run.built_by_system else APPROVE
    if run.status == RS.CHECKED:
        return APPROVE
    return None


def may_act(run: PaymentRun, actor: User) -> bool:
    verb = awaited_verb(run)
    if verb == CHECK:
        return run.check_refusal(actor) is None
    if verb == APPROVE:
        return run.approval_refusal(actor) is None
    return False


def runs_awaiting(actor: User) -> list[AwaitingRun]:
    """The runs `actor` may check or approve now, oldest cut-off first."""
    runs = PaymentRun.objects.filter(status__in=[RS.DRAFT, RS.CHECKED]).order_by("cut_off")
    return [
        AwaitingRun(run=run, verb=verb)
        for run in runs
        if (verb := awaited_verb(run)) is not None and may_act(run, actor)
    ]


def notify_awaiting(run: PaymentRun) -> None:
    """Inside the transaction that made `run` ready for its check or approval: e-mail the
    finance users who may act on it (the builder and the checker never for the approval)."""
    verb = awaited_verb(run)
    if verb is None:
        return
    finance = User.objects.filter(role=Role.FINANCE, is_active=True).order_by("pk")
    recipients = [user.email for user in finance if user.email and may_act(run, user)]
    if not recipients:
        return
    context = {
        "run": run,
        "verb": verb,
        "link": settings.SITE_URL + reverse("backoffice:payment_run", args=[run.pk]),
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
    }
    email_later(
        to=recipients,
        subject=f"{settings.PASSPLUS_SCHEME_NAME} : campagne de remboursement à {verb}",
        body=render_to_string("payments/emails/run_awaiting.txt", context),
        about=f"run-awaiting-{'check' if verb == CHECK else 'approval'}:{run.pk}",
    )
