"""Assignments under races (issue 35): two people acting on one assignment at once, or two
assignments on one wallet, end with exactly one outcome. Each caller is held inside its
transaction, just after reading the assignment (or the wallet's remaining credit), until the
other got there too: without the row lock both would go on with what they read."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.db import DatabaseError

from passplus.core.errors import DomainError
from passplus.pupils.models import Wallet
from passplus.tickets import assignments as services
from passplus.tickets.assignments import (
    assignment_confirm,
    assignment_create,
    assignment_expire,
    assignment_withdraw,
)
from passplus.tickets.expiry import tickets_expire_past_deadlines
from passplus.tickets.models import Assignment, Redemption, Ticket
from passplus.tickets.models import AssignmentStatus as A
from passplus.tickets.models import TicketStatus as T
from tests.helpers.assignments import AssignmentSetting, assignment_setting, pending_assignment
from tests.helpers.database import db_row, requires_row_locks
from tests.helpers.factories import SchoolYearFactory, UserFactory
from tests.helpers.races import held_together, run_together

pytestmark = [requires_row_locks, pytest.mark.django_db(transaction=True)]


def outcome(action: Any) -> Any:
    """What an action ended with: its result, or the French message it was refused with."""

    def run() -> Any:
        try:
            return action()
        except DomainError as error:
            return error.message

    return run


def race(*actions: Any) -> list[Any]:
    """`actions` at once, each held just after it read (and locked) the assignment."""
    held = held_together(services._locked, parties=len(actions))
    with mock.patch.object(services, "_locked", held):
        return run_together(*[outcome(action) for action in actions])


@pytest.fixture
def setting() -> AssignmentSetting:
    return assignment_setting()


def test_two_confirmations_at_once_enter_one_redemption(setting: AssignmentSetting) -> None:
    assignment = pending_assignment(setting)
    colleague = UserFactory(organisation_member=True, organisation=setting.organisation)

    outcomes = race(
        lambda: assignment_confirm(assignment=assignment, actor=setting.member),
        lambda: assignment_confirm(assignment=assignment, actor=colleague),
    )

    redemptions = [value for value in outcomes if isinstance(value, Redemption)]
    assert len(redemptions) == 1
    assert services.ALREADY[A.CONFIRMED] in outcomes
    assert Redemption.objects.filter(ticket=assignment.ticket).count() == 1
    assert db_row(assignment)["status"] == A.CONFIRMED
    assert db_row(assignment)["redemption_id"] == redemptions[0].pk
    assert db_row(assignment.ticket)["status"] == T.USED


def test_a_confirmation_against_a_withdrawal_has_one_outcome(setting: AssignmentSetting) -> None:
    assignment = pending_assignment(setting)

    confirmed, withdrawn = race(
        lambda: assignment_confirm(assignment=assignment, actor=setting.member),
        lambda: assignment_withdraw(assignment=assignment, actor=setting.parent),
    )

    status = db_row(assignment)["status"]
    if status == A.CONFIRMED:
        assert isinstance(confirmed, Redemption)
        assert withdrawn == services.ALREADY[A.CONFIRMED]
        assert db_row(assignment.ticket)["status"] == T.USED
        assert setting.wallet.remaining_cents() == 4000
    else:
        assert status == A.WITHDRAWN
        assert withdrawn is None
        assert confirmed == services.ALREADY[A.WITHDRAWN]
        assert db_row(assignment.ticket)["status"] == T.VOID
        assert not Redemption.objects.filter(ticket=assignment.ticket).exists()
        assert setting.wallet.remaining_cents() == 8000


def test_a_confirmation_against_the_expiry_has_one_outcome(setting: AssignmentSetting) -> None:
    """The expiry job, its clock at the deadline, while a member confirms a second before."""
    assignment = pending_assignment(setting)
    deadline = db_row(assignment)["expires_at"]

    confirmed, expired = race(
        lambda: assignment_confirm(assignment=assignment, actor=setting.member),
        lambda: assignment_expire(assignment=assignment, now=deadline),
    )

    status = db_row(assignment)["status"]
    if status == A.CONFIRMED:
        assert isinstance(confirmed, Redemption)
        assert expired == services.ALREADY[A.CONFIRMED]
        assert db_row(assignment.ticket)["status"] == T.USED
    else:
        assert status == A.EXPIRED
        assert expired is None
        assert confirmed == services.ALREADY[A.EXPIRED]
        assert db_row(assignment.ticket)["status"] == T.VOID
        assert not Redemption.objects.filter(ticket=assignment.ticket).exists()


def test_two_assignments_spending_the_last_euros_of_one_wallet_make_one(
    setting: AssignmentSetting,
) -> None:
    def assign() -> Any:
        return assignment_create(
            wallet=setting.wallet,
            organisation=setting.organisation,
            amount_cents=5000,
            actor=setting.parent,
        )

    held = held_together(Wallet.remaining_cents, parties=2)
    with mock.patch.object(Wallet, "remaining_cents", held):
        outcomes = run_together(outcome(assign), outcome(assign))

    assert sorted(map(type, outcomes), key=str) == sorted([Assignment, str], key=str)
    assert "Le montant dépasse le crédit restant." in outcomes
    assert Ticket.objects.filter(wallet=setting.wallet).count() == 1
    assert Assignment.objects.filter(ticket__wallet=setting.wallet).count() == 1
    assert setting.wallet.remaining_cents() == 3000


def test_the_year_end_expiry_and_a_withdrawal_at_once_never_deadlock() -> None:
    """The year-end expiry locks tickets, then their pending assignments (skipping those an
    answer holds); a withdrawal locks its assignment, then its ticket: one waits for nothing
    the other holds, and the assignment ends withdrawn or expired, never both."""
    year = SchoolYearFactory(
        label="2020-2021",
        starts_on=dt.date(2020, 9, 1),
        ends_on=dt.date(2021, 8, 31),
        generation_deadline=dt.date(2021, 5, 31),
        redemption_deadline=dt.date(2021, 6, 30),
    )
    setting = assignment_setting(school_year=year)
    assignment = assignment_create(
        wallet=setting.wallet,
        organisation=setting.organisation,
        amount_cents=3000,
        actor=setting.parent,
        today=dt.date(2021, 3, 1),
    )
    held = held_together(services._locked, parties=2)

    with mock.patch.object(services, "_locked", held):
        withdrawn, expiry = run_together(
            outcome(lambda: assignment_withdraw(assignment=assignment, actor=setting.parent)),
            lambda: tickets_expire_past_deadlines(today=dt.date(2021, 7, 1)),
        )

    assert not isinstance(withdrawn, DatabaseError)
    assert not isinstance(expiry, DatabaseError)
    status = db_row(assignment)["status"]
    if status == A.WITHDRAWN:
        assert withdrawn is None
        assert db_row(assignment.ticket)["status"] == T.VOID
        # The next night's run finds nothing left to expire.
        assert tickets_expire_past_deadlines(today=dt.date(2021, 7, 2))["expired"] == 0
    else:
        assert status == A.EXPIRED
        assert withdrawn == services.ALREADY[A.EXPIRED]
        assert db_row(assignment.ticket)["status"] == T.EXPIRED
