"""Workflows around tickets that span apps (organisations, pupils, audit)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.core.metrics import ticket_lookup_count
from passplus.tickets.models import Redemption, RedemptionStatus, Ticket, TicketStatus
from passplus.tickets.models.throttle import LookupRefused, attempt_reserve
from passplus.tickets.numbers import normalise_ticket_number

if TYPE_CHECKING:
    from passplus.accounts.models import User
    from passplus.organisations.models import Activity, Organisation
    from passplus.tickets.models import Assignment


def redemption_enter(
    *,
    ticket: Ticket,
    organisation: Organisation,
    actor: User,
    activity: Activity | None = None,
    today: dt.date | None = None,
    assignment: Assignment | None = None,
) -> Redemption:
    """An organisation claims a ticket: one transaction, ticket locked, every rule checked.

    The partial unique constraint on live redemptions is the last line of defence against
    two desks entering the same ticket at once.

    `assignment`: only from `assignment_confirm` (tickets.assignments), which holds that pending
    assignment's row lock: the ticket must be the one assigned to this very organisation, and
    is entered without a look-up. Without it, an assigned ticket is refused with the answer of
    a wrong number.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update()
            .select_related("wallet__school_year")
            .get(pk=ticket.pk)
        )
        organisation.refresh_from_db(fields=["status"])  # suspended since it was loaded?
        assigned = assignment is not None
        if assignment is not None and (
            assignment.ticket_id != locked.pk or assignment.organisation_id != organisation.pk
        ):
            raise DomainError(NOT_FOUND_MESSAGE)
        _check_can_redeem(locked, organisation, activity, today, assigned=assigned)
        try:
            with transaction.atomic():
                redemption = Redemption.objects.create(
                    ticket=locked,
                    organisation=organisation,
                    activity=activity,
                    amount_cents=locked.amount_cents,
                    entered_by=actor,
                )
        except IntegrityError as exc:
            raise DomainError("Ce ticket a déjà été saisi.") from exc
        locked.use(actor=actor, assigned=assigned)
        record(
            actor=actor,
            action="redemption.enter",
            obj=redemption,
            after={
                "status": RedemptionStatus.ENTERED,
                "ticket": locked.number,
                "amount_cents": locked.amount_cents,
            },
        )
        for name in ("status", "status_changed_at", "status_reason"):
            setattr(ticket, name, getattr(locked, name))
        return redemption


def _used_message(ticket: Ticket, organisation: Organisation) -> str:
    """By you: say when; by another organisation: say it is used, never by whom."""
    live = ticket.redemptions.live().filter(organisation_id=organisation.pk).first()
    if live is not None:
        when = timezone.localtime(live.entered_at)
        return f"Vous avez déjà saisi ce ticket le {when:%d/%m/%Y à %H:%M}."
    return "Ce ticket a déjà été utilisé."


def redemption_refusal(
    *,
    ticket: Ticket,
    organisation: Organisation,
    activity: Activity | None = None,
    today: dt.date | None = None,
) -> str | None:
    """Why this organisation cannot enter this ticket now (None when it can)."""
    try:
        _check_can_redeem(ticket, organisation, activity, today or timezone.localdate())
    except DomainError as error:
        return str(error)
    return None


def ticket_lookup(
    *,
    number: str,
    birth_date: dt.date,
    organisation: Organisation,
    ip: str | None,
    user: User | None = None,
) -> Ticket:
    """The ticket with this number whose pupil has this birth date.

    A wrong number and a wrong birth date give the same answer, and count as a failure for the
    organisation, the user and the IP; at a counter's limit, its look-ups are refused for a
    while. From the 3rd failure the answer says how many tries remain and what to check. The
    attempt is counted before the look-up runs (`attempt_reserve`), so a refusal always means
    the look-up did not run, and a burst never runs more look-ups than the limit; a ticket
    found gives its attempt back. Each look-up is counted by outcome
    (passplus_ticket_lookups_total): the failure that starts a block is "not_found", the
    look-ups refused "blocked".
    """
    try:
        attempt = attempt_reserve(organisation, ip, user)
    except LookupRefused as refused:
        ticket_lookup_count("blocked")
        if refused.until is None:
            raise DomainError(AT_LIMIT_MESSAGE) from None
        prefix = BLOCKED_BY_ADDRESS_PREFIX if refused.by_address else BLOCKED_PREFIX
        raise DomainError(f"{prefix} {_block_message(refused.until)}") from None
    try:
        ticket = find_ticket(number=number, birth_date=birth_date)
    except BaseException:
        attempt.found()  # the look-up did not run to the end: it is no failure
        raise
    if ticket is not None:
        attempt.found()
        ticket_lookup_count("found")
        return ticket
    ticket_lookup_count("not_found")
    failure = attempt.failed()
    if failure.until is not None:
        raise DomainError(f"{NOT_FOUND_MESSAGE} {NOW_BLOCKED} {_block_message(failure.until)}")
    if failure.remaining <= settings.PASSPLUS_LOOKUP_MAX_FAILURES - WARN_FROM_FAILURE:
        raise DomainError(f"{NOT_FOUND_MESSAGE} {_remaining_message(failure.remaining)}")
    raise DomainError(NOT_FOUND_MESSAGE)


def _block_message(until: dt.datetime) -> str:
    return BLOCK_MESSAGE.format(
        until=timezone.localtime(until),
        phone=settings.PASSPLUS_SUPPORT_PHONE,
        hours=settings.PASSPLUS_SUPPORT_HOURS,
    )


def _remaining_message(remaining: int) -> str:
    tries = "essai" if remaining == 1 else "essais"
    return REMAINING_MESSAGE.format(
        remaining=remaining, tries=tries, minutes=settings.PASSPLUS_LOOKUP_BLOCK_MINUTES
    )


def find_ticket(*, number: str, birth_date: dt.date) -> Ticket | None:
    """The look-up itself, unguarded: only ticket_lookup calls it, once it may. A ticket
    assigned online is never found by its number (not even by the organisation it is
    assigned to, which confirms it from its list): the same answer as a wrong number."""
    return (
        Ticket.objects.select_related("wallet__pupil", "wallet__school_year")
        .filter(number=normalise_ticket_number(number), wallet__pupil__birth_date=birth_date)
        .exclude(status=TicketStatus.ASSIGNED)
        .first()
    )


NOT_FOUND_MESSAGE = (
    "Aucun ticket ne correspond à ce numéro et à cette date de naissance : vérifiez les deux."
)
# From this failure on (of the organisation's or the user's limit), the answer counts down.
WARN_FROM_FAILURE = 3
REMAINING_MESSAGE = (
    "Il vous reste {remaining} {tries} avant une pause de {minutes} minutes. Vérifiez que la "
    "date de naissance est celle de l'enfant (pas celle du parent) et que le numéro est celui "
    "imprimé sur le ticket (12 chiffres)."
)
# Every answer given without running the look-up starts with "Trop de saisies sans résultat".
BLOCKED_PREFIX = "Trop de saisies sans résultat :"
# Blocked by the address brake alone: the failures were not this account's.
BLOCKED_BY_ADDRESS_PREFIX = (
    "Trop de saisies sans résultat depuis votre réseau, partagé avec d'autres comptes "
    "(vos propres saisies ne sont pas en cause) :"
)
BLOCK_MESSAGE = (
    "la recherche de tickets est bloquée jusqu'à {until:%H:%M} ; la saisie reprendra "
    "d'elle-même à {until:%H:%M}. Vérifiez les tickets reçus. Pour débloquer plus tôt, "
    "appelez le département au {phone} ({hours})."
)
BLOCKED_MESSAGE = f"{BLOCKED_PREFIX} {BLOCK_MESSAGE}"
AT_LIMIT_MESSAGE = (
    "Trop de saisies sans résultat : d'autres recherches sont en cours pour votre organisme "
    "ou depuis votre adresse, celle-ci n'a pas été faite. Réessayez dans une minute."
)
# The failure that starts the block ran its look-up: it says so, then announces the block.
NOW_BLOCKED = "C'était la dernière saisie possible :"


def _check_can_redeem(
    ticket: Ticket,
    organisation: Organisation,
    activity: Activity | None,
    today: dt.date,
    *,
    assigned: bool = False,
) -> None:
    if not organisation.may_redeem:
        raise DomainError(
            "Votre organisme n'est pas affilié actuellement : la saisie de tickets est impossible."
        )
    if (ticket.status == TicketStatus.ASSIGNED) != assigned:
        if assigned:  # its assignment was answered meanwhile (checked under its lock first)
            raise DomainError("Ce ticket n'est plus affecté à votre organisme.")
        raise DomainError(NOT_FOUND_MESSAGE)  # typed or kept from before: never said assigned
    if ticket.status == TicketStatus.USED:
        raise DomainError(_used_message(ticket, organisation))
    if ticket.status == TicketStatus.VOID:
        raise DomainError("Ce ticket a été annulé.")
    if ticket.status == TicketStatus.EXPIRED:
        raise DomainError("Ce ticket a expiré.")
    year = ticket.wallet.school_year
    if not year.accepts_redemption(today):
        raise DomainError(
            f"La saisie des tickets de l'année scolaire {year.label} est close depuis le "
            f"{year.redemption_deadline:%d/%m/%Y}."
        )
    if activity is not None and activity.organisation_id != organisation.pk:
        raise DomainError("Cette activité n'appartient pas à votre organisme.")
    offered = [activity.domain] if activity is not None else organisation.domains
    if not set(offered) & set(ticket.domains):
        raise DomainError("Ce ticket ne peut pas servir pour les activités de votre organisme.")


def ticket_void_by_staff(*, ticket: Ticket, actor: User, reason: str) -> None:
    """The back office voids a ticket (fraud, pupil gone…) while it is not in a payment run.

    An unused ticket is voided (its amount returns to the wallet); a ticket entered by an
    organisation but not yet in a run has its entry cancelled first (the organisation sees the
    entry cancelled with the reason). In a run, reimbursed or rejected: refused.
    """
    if not reason.strip():
        raise DomainError("Indiquez le motif de l'annulation.")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        live = locked.redemptions.live().first()
        if refusal := locked.staff_void_refusal(live):
            raise DomainError(refusal)
        if live is not None:
            live.cancel(actor=actor, reason=reason)
            locked.refresh_from_db()
        locked.void(actor=actor, reason=reason)
    ticket.refresh_from_db()
