"""The yearly expiry of unused tickets (issue 17 §1), run by the scheduler every night.

Once a school year's generation and entry deadlines are both past, its AVAILABLE tickets can
no longer be used: they become EXPIRED and their amount is lost, as is the credit never turned
into tickets (the scheme's rules). So do its ASSIGNED tickets (an assignment the organisation
never answered and the assignment job did not expire first), their assignments becoming
`expired` with them. Used, void and already expired tickets are left alone.

A year holds tens of thousands of tickets: they are expired in batches, each one transaction
that locks its rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's IMMEDIATE transactions
serialise the writers) and moves them with a conditional UPDATE (`WHERE status IN ('available',
'assigned')`).
Two processes running it at once therefore share the work and never expire a ticket twice; a
second call finds nothing to do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from passplus.audit.models import AuditEvent, record
from passplus.campaigns.models import SchoolYear
from passplus.pupils.models import Wallet
from passplus.tickets.models import Assignment, AssignmentStatus, Ticket, TicketStatus

BATCH_SIZE = 2000
UNUSED = [TicketStatus.AVAILABLE, TicketStatus.ASSIGNED]
EXPIRY_REASON = "date limite de saisie de l'année scolaire passée"


def tickets_expire_past_deadlines(
    *, today: dt.date, batch_size: int = BATCH_SIZE
) -> dict[str, Any]:
    """Expire the unused (available or assigned) tickets of every school year whose deadlines
    are past on `today`.

    Returns a JSON-able summary: the number of tickets expired by this call, in total and per
    school year label (years with nothing left to expire are not listed). Idempotent.
    """
    per_year: dict[str, int] = {}
    for year in SchoolYear.objects.past_deadlines(today).order_by("starts_on"):
        expired = _expire_year(year, batch_size=batch_size)
        if expired:
            per_year[year.label] = expired
    return {"expired": sum(per_year.values()), "school_years": per_year}


def _expire_year(year: SchoolYear, *, batch_size: int) -> int:
    total = 0
    wallets = Wallet.objects.filter(school_year=year).values("pk")
    while True:
        with transaction.atomic():
            ids = list(
                Ticket.objects.select_for_update(skip_locked=True)
                .filter(wallet_id__in=wallets, status__in=UNUSED)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            expired = _expire_batch(ids)
            total += len(expired)
            if not expired:  # all held by answers under way: the next run takes them
                break
            record(
                actor=None,
                action="school_year.expire_tickets",
                obj=year,
                after={"expired": len(expired)},
                reason=EXPIRY_REASON,
            )
    return total


def _expire_batch(ids: list[int]) -> list[int]:
    """Move the locked tickets `ids` still unused to EXPIRED, and the pending assignments of
    those that were assigned; audit each one moved. Returns the ids of the tickets moved."""
    now = timezone.now()
    # A pending assignment's transitions lock it before its ticket: lock the ones of these
    # tickets the same way, skipping those an answer holds (their tickets wait for a later
    # batch), so that this batch and an answer never wait for each other.
    pending = Assignment.objects.filter(ticket_id__in=ids, status=AssignmentStatus.PENDING)
    held = set(pending.values_list("ticket_id", flat=True)) - set(
        pending.select_for_update(skip_locked=True).values_list("ticket_id", flat=True)
    )
    ids = [pk for pk in ids if pk not in held]
    before = dict(Ticket.objects.filter(pk__in=ids, status__in=UNUSED).values_list("pk", "status"))
    moved = Ticket.objects.filter(pk__in=ids, status__in=UNUSED).update(
        status=TicketStatus.EXPIRED, status_changed_at=now, status_reason=EXPIRY_REASON
    )
    if moved != len(ids):
        # Only without row locks (a backend that ignores FOR UPDATE while another writer
        # committed in between): audit exactly the rows this UPDATE moved.
        ids = list(
            Ticket.objects.filter(
                pk__in=ids, status=TicketStatus.EXPIRED, status_changed_at=now
            ).values_list("pk", flat=True)
        )
    events = [
        AuditEvent(
            actor=None,
            actor_label="système",
            action="ticket.expire",
            object_type=Ticket._meta.label_lower,
            object_id=str(pk),
            before={"status": before.get(pk, TicketStatus.AVAILABLE)},
            after={"status": TicketStatus.EXPIRED},
            reason=EXPIRY_REASON,
        )
        for pk in ids
    ]
    assigned = [pk for pk in ids if before.get(pk) == TicketStatus.ASSIGNED]
    if assigned:
        pending = Assignment.objects.filter(ticket_id__in=assigned, status=AssignmentStatus.PENDING)
        assignment_ids = list(pending.values_list("pk", flat=True))
        pending.filter(pk__in=assignment_ids).update(
            status=AssignmentStatus.EXPIRED, status_changed_at=now, status_reason=EXPIRY_REASON
        )
        events += [
            AuditEvent(
                actor=None,
                actor_label="système",
                action="assignment.expire",
                object_type=Assignment._meta.label_lower,
                object_id=str(pk),
                before={"status": AssignmentStatus.PENDING},
                after={"status": AssignmentStatus.EXPIRED},
                reason=EXPIRY_REASON,
            )
            for pk in assignment_ids
        ]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return ids
