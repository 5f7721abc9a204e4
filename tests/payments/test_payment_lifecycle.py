"""PaymentRun and Payment lifecycles (docs/design.md §4): four eyes, send, reconcile, close."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.core.errors import DomainError, TransitionError
from passplus.organisations.enums import BankAccountStatus
from passplus.payments.build import payment_run_build
from passplus.payments.models import Payment
from passplus.payments.models import PaymentRunStatus as RS
from passplus.payments.models import PaymentStatus as PS
from passplus.payments.services import (
    payment_run_approve,
    payment_run_check,
    payment_run_close,
    payment_run_sepa_download,
    payment_run_transmit,
)
from passplus.payments.settlement import payment_mark_paid, payment_mark_rejected
from passplus.tickets.models import Redemption
from passplus.tickets.models import RedemptionStatus as R
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import (
    BankAccountFactory,
    PaymentFactory,
    PaymentRunFactory,
    RedemptionFactory,
    UserFactory,
)
from tests.helpers.payments import payment_with_redemptions, run_in

pytestmark = pytest.mark.django_db
SETTLE: dict[str, Any] = {"mark_paid": payment_mark_paid, "mark_rejected": payment_mark_rejected}


# payment_run_approve ------------------------------------------------------------------------------


def test_a_second_finance_user_approves_the_run_built_by_a_colleague() -> None:
    builder, approver = UserFactory(finance=True), UserFactory(finance=True)
    run = PaymentRunFactory(built_by=builder)

    payment_run_approve(run=run, actor=approver)

    row = db_row(run)
    assert row["status"] == RS.APPROVED
    assert row["approved_by_id"] == approver.pk
    assert row["approved_at"] is not None
    assert audit_trail(run) == [("payment_run.approve", approver.pk)]


def test_a_run_built_by_the_system_is_checked_by_one_finance_user_and_approved_by_another() -> None:
    run = PaymentRunFactory(built_by=None)
    checker, approver = UserFactory(finance=True), UserFactory(finance=True)

    payment_run_check(run=run, actor=checker)
    payment_run_approve(run=run, actor=approver)

    row = db_row(run)
    assert row["status"] == RS.APPROVED
    assert (row["checked_by_id"], row["approved_by_id"]) == (checker.pk, approver.pk)
    assert row["checked_at"] is not None and row["approved_at"] is not None
    assert audit_trail(run) == [
        ("payment_run.check", checker.pk),
        ("payment_run.approve", approver.pk),
    ]


def test_the_builder_of_a_run_cannot_approve_it() -> None:
    builder = UserFactory(finance=True)
    run = PaymentRunFactory(built_by=builder)

    with assert_unchanged(run), pytest.raises(DomainError, match="Vous avez constitué"):
        payment_run_approve(run=run, actor=builder)


@pytest.mark.parametrize(
    "traits",
    [
        {"gestionnaire": True},
        {"correspondent": True},
        {"organisation_member": True},
        {},  # a family
        {"finance": True, "is_active": False},
        {"admin": True},  # four eyes are two finance people, not an administrator
    ],
    ids=["gestionnaire", "correspondent", "organisation", "family", "inactive-finance", "admin"],
)
def test_only_an_active_finance_user_may_approve_a_run(traits: dict[str, Any]) -> None:
    run = PaymentRunFactory(built_by=UserFactory(finance=True))

    with assert_unchanged(run), pytest.raises(DomainError, match="finance"):
        payment_run_approve(run=run, actor=UserFactory(**traits))


def test_a_run_cannot_be_approved_by_nobody() -> None:
    run = PaymentRunFactory()

    with assert_unchanged(run), pytest.raises(DomainError, match="finance"):
        payment_run_approve(run=run, actor=None)


@pytest.mark.parametrize("status", [RS.APPROVED, RS.SENT, RS.CLOSED])
def test_only_a_draft_run_can_be_approved(status: str) -> None:
    run = run_in(status, built_by=UserFactory(finance=True))

    with assert_unchanged(run), pytest.raises(TransitionError):
        payment_run_approve(run=run, actor=UserFactory(finance=True))


# payment_run_transmit and payment_run_close ----------------------------------------------------


def test_an_approved_run_is_marked_sent_by_whoever_transmits_the_file() -> None:
    run = PaymentRunFactory(downloaded=True)  # by a colleague of the builder (issue 31)
    sender = UserFactory(finance=True)

    payment_run_transmit(run=run, actor=sender)

    row = db_row(run)
    assert row["status"] == RS.SENT
    assert row["sent_by_id"] == sender.pk
    assert row["sent_at"] is not None
    assert row["sent_sha256"] == run.sepa_sha256 != ""
    assert audit_trail(run) == [("payment_run.send", sender.pk)]


@pytest.mark.parametrize("status", [RS.DRAFT, RS.SENT, RS.CLOSED])
def test_only_an_approved_run_can_be_sent(status: str) -> None:
    run = run_in(status)

    with assert_unchanged(run), pytest.raises(TransitionError):
        payment_run_transmit(run=run, actor=UserFactory(finance=True))


def test_a_sent_run_closes_once_every_payment_is_paid_or_rejected() -> None:
    run = run_in(RS.SENT)
    PaymentFactory(run=run, paid=True)
    PaymentFactory(run=run, rejected=True)
    staff = UserFactory(finance=True)

    payment_run_close(run=run, actor=staff)

    assert db_row(run)["status"] == RS.CLOSED
    assert db_row(run)["closed_at"] is not None
    assert audit_trail(run) == [("payment_run.close", staff.pk)]


def test_a_run_with_a_pending_payment_cannot_be_closed() -> None:
    run = run_in(RS.SENT)
    PaymentFactory(run=run, paid=True)
    pending = PaymentFactory(run=run)

    with assert_unchanged(run, pending), pytest.raises(DomainError, match="rapprochés"):
        payment_run_close(run=run, actor=UserFactory(finance=True))


@pytest.mark.parametrize("status", [RS.DRAFT, RS.APPROVED, RS.CLOSED])
def test_only_a_sent_run_can_be_closed(status: str) -> None:
    run = run_in(status)

    with assert_unchanged(run), pytest.raises(TransitionError):
        payment_run_close(run=run, actor=UserFactory(finance=True))


def test_a_full_cycle_from_draft_to_closed_is_audited_step_by_step() -> None:
    builder, approver = UserFactory(finance=True), UserFactory(finance=True)
    run = PaymentRunFactory(built_by=builder)
    payment = payment_with_redemptions(run)

    payment_run_approve(run=run, actor=approver)
    payment_run_sepa_download(run=run, actor=approver)
    payment_run_transmit(run=run, actor=builder)
    payment_mark_paid(payment=payment, actor=builder)  # the last transfer: the run closes

    assert audit_trail(run) == [
        ("payment_run.approve", approver.pk),
        ("payment_run.sepa_file", approver.pk),
        ("payment_run.sepa_download", approver.pk),
        ("payment_run.send", builder.pk),
        ("payment_run.close", builder.pk),
    ]
    assert db_row(run)["status"] == RS.CLOSED
    assert set(Redemption.objects.values_list("status", flat=True)) == {R.REIMBURSED}


@pytest.mark.parametrize("method", ["mark_paid", "mark_rejected"])
def test_the_last_transfer_settled_closes_its_run_in_the_same_transaction(method: str) -> None:
    run = run_in(RS.SENT)
    first, last = payment_with_redemptions(run), payment_with_redemptions(run)
    agent = UserFactory(finance=True)
    kwargs = {"reason": "AC04 compte clos"} if method == "mark_rejected" else {}

    SETTLE[method](payment=first, actor=agent, **kwargs)
    assert db_row(run)["status"] == RS.SENT  # one transfer still pending
    SETTLE[method](payment=last, actor=agent, **kwargs)

    assert db_row(run)["status"] == RS.CLOSED and db_row(run)["closed_at"] is not None
    assert audit_trail(run)[-1] == ("payment_run.close", agent.pk)


@pytest.mark.parametrize("method", ["mark_paid", "mark_rejected"])
def test_a_run_that_cannot_close_leaves_its_last_transfer_pending(method: str) -> None:
    """One transaction: the transfer is not settled without its run closing with it."""
    run = run_in(RS.SENT)
    payment = payment_with_redemptions(run)
    redemptions = list(payment.redemptions.all())
    kwargs = {"reason": "AC04 compte clos"} if method == "mark_rejected" else {}
    refused = DomainError("Clôture impossible.")

    with (
        mock.patch("passplus.payments.services.PaymentRun._move", side_effect=refused),
        assert_unchanged(run, payment, payment.bank_account, *redemptions, counted=[DBTaskResult]),
        pytest.raises(DomainError, match="Clôture impossible"),
    ):
        SETTLE[method](payment=payment, actor=UserFactory(finance=True), **kwargs)


# Payment ---------------------------------------------------------------------------------------


def test_a_paid_transfer_reimburses_every_redemption_it_carries() -> None:
    payment = payment_with_redemptions(run_in(RS.SENT), count=2)
    other = RedemptionFactory(organisation=payment.organisation)  # entered, not in this payment
    staff = UserFactory(finance=True)

    payment_mark_paid(payment=payment, actor=staff)

    assert db_row(payment)["status"] == PS.PAID
    assert db_row(payment)["settled_at"] is not None
    assert audit_trail(payment) == [("payment.paid", staff.pk)]
    for redemption in payment.redemptions.all():
        assert redemption.status == R.REIMBURSED
        assert audit_trail(redemption) == []  # one event for the transfer, not one per ticket
    assert db_row(other)["status"] == R.ENTERED


def test_a_rejected_transfer_rejects_its_redemptions_and_invalidates_the_bank_account() -> None:
    payment = payment_with_redemptions(run_in(RS.SENT), count=2)
    staff = UserFactory(finance=True)

    payment_mark_rejected(payment=payment, actor=staff, reason="AC04 compte clos")

    row = db_row(payment)
    assert row["status"] == PS.REJECTED
    assert row["rejection_reason"] == "AC04 compte clos"
    assert audit_trail(payment) == [("payment.rejected", staff.pk)]
    for redemption in payment.redemptions.all():
        assert redemption.status == R.REJECTED
        assert redemption.status_reason == "AC04 compte clos"
        assert audit_trail(redemption) == []  # one event for the transfer, not one per ticket
    assert db_row(payment.bank_account)["status"] == BankAccountStatus.INVALID
    assert audit_trail(payment.bank_account) == [("bank_account.invalidate", staff.pk)]
    assert payment.organisation.current_bank_account() is None
    # Waiting for the next run, once new bank details are validated.
    assert Redemption.objects.payable().count() == 2


def test_a_rejected_transfer_does_not_touch_bank_details_validated_since() -> None:
    payment = payment_with_redemptions(run_in(RS.SENT), count=1)
    old = payment.bank_account
    old.status = BankAccountStatus.REPLACED
    old.save(update_fields=["status"])
    new = BankAccountFactory(organisation=payment.organisation, validated=True)

    payment_mark_rejected(payment=payment, actor=None, reason="AC04 compte clos")

    assert db_row(old)["status"] == BankAccountStatus.REPLACED
    assert db_row(new)["status"] == BankAccountStatus.VALIDATED


def test_a_transfer_rejected_after_new_bank_details_were_validated_is_still_recorded() -> None:
    payment = payment_with_redemptions(run_in(RS.SENT), count=1)
    old = payment.bank_account  # loaded (and cached) while it was the validated account
    new = BankAccountFactory(organisation=payment.organisation, pending=True)
    new.validate(actor=UserFactory(finance=True))  # replaces the old one in the database

    payment_mark_rejected(payment=payment, actor=None, reason="AC04 compte clos")

    assert db_row(payment)["status"] == PS.REJECTED
    assert db_row(old)["status"] == BankAccountStatus.REPLACED
    assert db_row(new)["status"] == BankAccountStatus.VALIDATED


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_a_transfer_requires_a_reason(reason: str) -> None:
    payment = payment_with_redemptions(run_in(RS.SENT), count=1)
    redemption = payment.redemptions.get()

    with (
        assert_unchanged(payment, redemption, payment.bank_account),
        pytest.raises(DomainError, match="motif"),
    ):
        payment_mark_rejected(payment=payment, actor=UserFactory(finance=True), reason=reason)


@pytest.mark.parametrize("status", [RS.DRAFT, RS.APPROVED, RS.CLOSED])
@pytest.mark.parametrize("method", ["mark_paid", "mark_rejected"])
def test_a_transfer_is_reconciled_only_once_its_run_is_sent(status: str, method: str) -> None:
    payment = payment_with_redemptions(run_in(status), count=1)
    redemption = payment.redemptions.get()
    kwargs = {"reason": "AC04 compte clos"} if method == "mark_rejected" else {}

    with (
        assert_unchanged(payment, redemption, payment.bank_account),
        pytest.raises(DomainError, match="transmise"),
    ):
        SETTLE[method](payment=payment, actor=UserFactory(finance=True), **kwargs)


@pytest.mark.parametrize("start", [PS.PAID, PS.REJECTED])
@pytest.mark.parametrize("method", ["mark_paid", "mark_rejected"])
def test_a_reconciled_transfer_cannot_be_reconciled_again(start: str, method: str) -> None:
    payment = PaymentFactory(run=run_in(RS.SENT), status=start)
    kwargs = {"reason": "AC04 compte clos"} if method == "mark_rejected" else {}

    with assert_unchanged(payment, payment.bank_account), pytest.raises(TransitionError):
        SETTLE[method](payment=payment, actor=UserFactory(finance=True), **kwargs)


def test_a_rejected_redemption_is_paid_by_a_later_run() -> None:
    """What production runs, step by step: the bank returns the transfer, new bank details are
    validated, and the next run built pays the same ticket to the new account."""
    first = payment_with_redemptions(run_in(RS.SENT), count=1)
    payment_mark_rejected(payment=first, actor=None, reason="AC04 compte clos")
    redemption = first.redemptions.get()
    new_account = BankAccountFactory(organisation=first.organisation, pending=True)
    new_account.validate(actor=UserFactory(finance=True))

    later = payment_run_build(cut_off=timezone.now() + dt.timedelta(hours=1))

    (payment,) = later.payments.all()
    assert (payment.organisation, payment.bank_account) == (first.organisation, new_account)
    assert (payment.iban, payment.ticket_count) == (new_account.iban, 1)
    assert db_row(redemption)["status"] == R.IN_PAYMENT
    assert db_row(redemption)["payment_id"] == payment.pk


def test_a_rejected_redemption_waits_while_no_new_bank_details_are_validated() -> None:
    first = payment_with_redemptions(run_in(RS.SENT), count=1)
    payment_mark_rejected(payment=first, actor=None, reason="AC04 compte clos")
    redemption = first.redemptions.get()
    BankAccountFactory(organisation=first.organisation, pending=True)

    later = payment_run_build(cut_off=timezone.now() + dt.timedelta(hours=1))

    assert not later.payments.exists()
    assert db_row(redemption)["status"] == R.REJECTED
    assert db_row(redemption)["status_reason"] == "AC04 compte clos"


def test_two_organisations_are_paid_separately_in_the_same_run() -> None:
    run = run_in(RS.SENT)
    first = payment_with_redemptions(run, count=1)
    second = payment_with_redemptions(run, count=1)

    payment_mark_paid(payment=first, actor=None)

    assert db_row(first)["status"] == PS.PAID
    assert db_row(second)["status"] == PS.PENDING


def test_a_transfer_whose_tickets_do_not_match_its_count_is_not_settled() -> None:
    payment = payment_with_redemptions(run_in(RS.SENT), count=2)
    Payment.objects.filter(pk=payment.pk).update(ticket_count=3)
    payment.refresh_from_db()
    redemptions = list(payment.redemptions.all())

    with assert_unchanged(payment, *redemptions), pytest.raises(DomainError, match="cohérence"):
        payment_mark_paid(payment=payment, actor=UserFactory(finance=True))
