"""Workflows around tickets that span apps (organisations, pupils, audit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.tickets.models import Redemption, RedemptionStatus, Ticket, TicketStatus


def redemption_enter(
    *,
    ticket: Ticket,
    organisation: Any,
    actor: Any,
    activity: Any = None,
    today: dt.date | None = None,
) -> Redemption:
    """An organisation claims a ticket: one transaction, ticket locked, every rule checked.

    The partial unique constraint on live redemptions is the last line of defence against
    two desks entering the same ticket at once.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update()
            .select_related("wallet__school_year")
            .get(pk=ticket.pk)
        )
        organisation.refresh_from_db(fields=["status"])  # suspended since it was loaded?
        _check_can_redeem(locked, organisation, activity, today)
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
        locked.use(actor=actor)
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
        ticket.refresh_from_db()
        return redemption


def _check_can_redeem(ticket: Ticket, organisation: Any, activity: Any, today: dt.date) -> None:
    if not organisation.may_redeem:
        raise DomainError(
            "Votre organisme n'est pas affilié actuellement : la saisie de tickets est impossible."
        )
    if ticket.status == TicketStatus.USED:
        raise DomainError("Ce ticket a déjà été utilisé.")
    if ticket.status == TicketStatus.VOID:
        raise DomainError("Ce ticket a été annulé.")
    if ticket.status == TicketStatus.EXPIRED:
        raise DomainError("Ce ticket a expiré.")
    year = ticket.wallet.school_year
    if not year.accepts_redemption(today):
        raise DomainError(
            f"La saisie des tickets de la campagne {year.label} est close depuis le "
            f"{year.redemption_deadline:%d/%m/%Y}."
        )
    if activity is not None and activity.organisation_id != organisation.pk:
        raise DomainError("Cette activité n'appartient pas à votre organisme.")
    offered = [activity.domain] if activity is not None else organisation.domains
    if not set(offered) & set(ticket.domains):
        raise DomainError("Ce ticket ne peut pas servir pour les activités de votre organisme.")
