"""Assignments (issue 35; docs/design.md §4): a family assigns part of a wallet's credit online
to one organisation, which confirms the child's enrolment or refuses.

Each service is one transaction, audited, keyword-only, and raises a French DomainError when
the rules or the state refuse it. Every transition of an existing assignment locks its row
first (then the ticket's, as `redemption_enter` does): two answers at once, an answer against
a withdrawal or the expiry job, are served one after the other and the second is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from passplus.accounts.models import Role
from passplus.audit.models import record
from passplus.core.enums import Domain, WalletDomain
from passplus.core.errors import DomainError
from passplus.tickets.assignment_emails import family_notify, organisation_expired_notify
from passplus.tickets.models import Assignment, AssignmentStatus, Ticket
from passplus.tickets.services import redemption_enter

if TYPE_CHECKING:
    from passplus.accounts.models import User
    from passplus.organisations.models import Activity, Organisation
    from passplus.pupils.models import Wallet
    from passplus.tickets.models import Redemption

A = AssignmentStatus

NOT_YOUR_WALLET = "Ce crédit n'est pas celui d'un de vos enfants."
NOT_YOUR_ORGANISATION = "Ce ticket affecté ne concerne pas votre organisme."
NOT_YOUR_ASSIGNMENT = "Ce ticket affecté n'est pas celui d'un de vos enfants."
NOT_AFFILIATED = "Cet organisme n'est pas affilié actuellement : il ne peut pas recevoir de crédit."
NO_USER = (
    "Cet organisme n'a pas encore de compte sur la plateforme : il ne pourrait pas confirmer "
    "l'inscription. Imprimez un ticket à la place."
)
OTHER_ACTIVITY = "Cette activité n'appartient pas à cet organisme."
OTHER_DOMAIN = "Ce crédit ne peut pas servir pour les activités de cet organisme."
REASON_REQUIRED = "Indiquez le motif du refus : la famille le lira."
PAST_DELAY = "Le délai pour répondre à ce ticket affecté est passé."
NOT_DUE = "Ce ticket affecté attend encore la réponse de l'organisme."
EXPIRY_REASON = "sans réponse de l'organisme dans le délai"
WITHDRAW_REASON = "retiré par la famille"

# Said when the assignment is no longer pending (the stored state, read under the lock).
ALREADY: dict[str, str] = {
    A.CONFIRMED: "Ce ticket affecté a déjà été confirmé.",
    A.REFUSED: "Ce ticket affecté a déjà été refusé par l'organisme.",
    A.WITHDRAWN: "Ce ticket affecté a été retiré par la famille.",
    A.EXPIRED: "Ce ticket affecté a expiré sans réponse.",
}


def assignment_expires_at(*, wallet: Wallet, now: dt.datetime) -> dt.datetime:
    """When an assignment made `now` expires: after PASSPLUS_ASSIGNMENT_DELAY_DAYS, or at the
    end of the school year's entry deadline (local time), whichever comes first."""
    by_delay = now + dt.timedelta(days=settings.PASSPLUS_ASSIGNMENT_DELAY_DAYS)
    deadline = wallet.school_year.redemption_deadline + dt.timedelta(days=1)
    by_deadline = timezone.make_aware(dt.datetime.combine(deadline, dt.time.min))
    return min(by_delay, by_deadline)


def assignment_create(
    *,
    wallet: Wallet,
    organisation: Organisation,
    amount_cents: int,
    actor: User,
    activity: Activity | None = None,
    today: dt.date | None = None,
) -> Assignment:
    """The family `actor` assigns `amount_cents` of `wallet` to `organisation` (optionally for
    one of its activities): the ticket is issued as `Ticket.issue` does (wallet row locked,
    remaining credit and generation deadline checked under the lock), born `assigned`, and the
    pending assignment made with it, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        if wallet.pupil.family.user_id != actor.pk:
            raise DomainError(NOT_YOUR_WALLET)
        organisation.refresh_from_db(fields=["status", "offers_sport", "offers_culture"])
        if not organisation.may_redeem:
            raise DomainError(NOT_AFFILIATED)
        if not organisation.members.filter(role=Role.ORGANISATION, is_active=True).exists():
            raise DomainError(NO_USER)
        domains = wallet_domains(wallet)
        if activity is not None:
            if activity.organisation_id != organisation.pk:
                raise DomainError(OTHER_ACTIVITY)
            if activity.domain not in domains:
                raise DomainError(OTHER_DOMAIN)
        elif not set(organisation.domains) & set(domains):
            raise DomainError(OTHER_DOMAIN)
        ticket = Ticket.issue_assigned(
            wallet=wallet, amount_cents=amount_cents, actor=actor, today=today
        )
        assignment = Assignment.objects.create(
            ticket=ticket,
            organisation=organisation,
            activity=activity,
            parent=actor,
            created_at=now,
            expires_at=assignment_expires_at(wallet=ticket.wallet, now=now),
        )
        record(
            actor=actor,
            action="assignment.create",
            obj=assignment,
            after={
                "status": assignment.status,
                "ticket": ticket.number,
                "organisation": organisation.pk,
                "activity": activity.pk if activity is not None else None,
                "amount_cents": amount_cents,
            },
        )
        return assignment


def wallet_domains(wallet: Wallet) -> list[str]:
    """The domains a wallet's credit can pay for."""
    if wallet.domain == WalletDomain.ALL:
        return [Domain.SPORT, Domain.CULTURE]
    return [wallet.domain]


def assignment_confirm(
    *,
    assignment: Assignment,
    actor: User,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Redemption:
    """A member of the organisation confirms the enrolment, before the assignment's
    `expires_at`: the redemption is entered through `redemption_enter` (its usual checks:
    affiliated, entry deadline, domain), for the activity the parent chose, and the assignment
    is `confirmed`. Returns the redemption. (`today`, `now`: the clock, for tests and the demo.)"""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(assignment)
        _check_member(actor, locked)
        _check_pending(locked)
        if now >= locked.expires_at:
            raise DomainError(PAST_DELAY)
        redemption = redemption_enter(
            ticket=locked.ticket,
            organisation=locked.organisation,
            actor=actor,
            activity=locked.activity,
            today=today,
            assignment=locked,
        )
        locked._move(
            A.CONFIRMED,
            allowed_from=[A.PENDING],
            actor=actor,
            action="assignment.confirm",
            changes={
                "redemption": redemption,
                "answered_at": now,
                "answered_by": actor,
                "status_changed_at": now,
            },
        )
        family_notify(locked, template="confirmed")
    _copy_state(locked, assignment)
    return redemption


def assignment_refuse(*, assignment: Assignment, actor: User, reason: str) -> None:
    """A member of the organisation refuses, with a reason the family reads: the ticket is
    voided and its amount returns to the wallet."""
    reason = reason.strip()
    if not reason:
        raise DomainError(REASON_REQUIRED)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(assignment)
        _check_member(actor, locked)
        _end(
            locked,
            A.REFUSED,
            actor=actor,
            action="assignment.refuse",
            reason=reason,
            changes={"answered_at": now, "answered_by": actor},
        )
        family_notify(locked, template="refused")
    _copy_state(locked, assignment)


def assignment_withdraw(*, assignment: Assignment, actor: User) -> None:
    """The family withdraws a pending assignment: the ticket is voided, the credit returns."""
    with transaction.atomic():
        locked = _locked(assignment)
        if locked.ticket.wallet.pupil.family.user_id != actor.pk:
            raise DomainError(NOT_YOUR_ASSIGNMENT)
        _end(locked, A.WITHDRAWN, actor=actor, action="assignment.withdraw", reason=WITHDRAW_REASON)
    _copy_state(locked, assignment)


def assignment_expire(*, assignment: Assignment, now: dt.datetime | None = None) -> None:
    """The system expires a pending assignment past its `expires_at`: the ticket is voided,
    the credit returns, and both sides are e-mailed (the scheduler's job calls this for
    `Assignment.objects.due_to_expire`, passplus.tickets.assignment_clock)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(assignment)
        _check_pending(locked)
        if now < locked.expires_at:
            raise DomainError(NOT_DUE)
        _end(locked, A.EXPIRED, actor=None, action="assignment.expire", reason=EXPIRY_REASON)
        family_notify(locked, template="expired")
        organisation_expired_notify(locked)
    _copy_state(locked, assignment)


def _locked(assignment: Assignment) -> Assignment:
    """The assignment as stored, its row locked (its own row only: the ticket's is locked
    after, by redemption_enter or the void)."""
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("ticket__wallet__pupil__family", "organisation", "activity")
        .get(pk=assignment.pk)
    )


def _check_member(actor: User, assignment: Assignment) -> None:
    if not (
        actor.is_active
        and actor.role == Role.ORGANISATION
        and actor.organisation_id == assignment.organisation_id
    ):
        raise DomainError(NOT_YOUR_ORGANISATION)


def _check_pending(assignment: Assignment) -> None:
    if assignment.status != A.PENDING:
        raise DomainError(ALREADY.get(assignment.status, NOT_DUE))


def _end(
    assignment: Assignment,
    to: str,
    *,
    actor: User | None,
    action: str,
    reason: str,
    changes: dict[str, object] | None = None,
) -> None:
    """Refused, withdrawn or expired: the assignment moves and its ticket is voided."""
    _check_pending(assignment)
    assignment._move(
        to,
        allowed_from=[A.PENDING],
        actor=actor,
        action=action,
        reason=reason,
        changes={"status_changed_at": timezone.now(), "status_reason": reason, **(changes or {})},
    )
    assignment.ticket.void_assigned(actor=actor, reason=reason)


def _copy_state(source: Assignment, target: Assignment) -> None:
    for name in (
        "status",
        "status_changed_at",
        "status_reason",
        "answered_at",
        "answered_by_id",
        "redemption_id",
    ):
        setattr(target, name, getattr(source, name))
