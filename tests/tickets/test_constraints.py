"""The money rules hold in the database itself: raw SQL that bypasses every domain method is
refused by a constraint (docs/design.md §4-5). Runs on SQLite and on PostgreSQL.

Each refusal is matched against the constraint's name (PostgreSQL and SQLite CHECK messages) or
its columns (SQLite UNIQUE messages), so an unrelated IntegrityError does not pass for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, models, transaction

from passplus.conventions.models import Convention, ConventionStatus, ConventionVersion
from passplus.payments.models import Payment, PaymentRun, PaymentRunStatus
from passplus.pupils.models import Wallet
from passplus.tickets.models import Redemption, RedemptionStatus, Ticket
from passplus.tickets.numbers import generate_ticket_number
from tests.helpers.database import db_row, raw_insert_copy, raw_update
from tests.helpers.factories import (
    ConventionFactory,
    ConventionVersionFactory,
    PaymentFactory,
    PaymentRunFactory,
    PupilFactory,
    RedemptionFactory,
    SignatureRequestFactory,
    TicketFactory,
    UserFactory,
    WalletFactory,
)

pytestmark = pytest.mark.django_db


@contextmanager
def refused_by(model: type[models.Model], name: str, *fields: str) -> Iterator[None]:
    """Expect an IntegrityError from constraint `name` (or the unique `fields` of `model`),
    in a savepoint so the test transaction stays usable on PostgreSQL."""
    table = model._meta.db_table
    columns = ", ".join(f"{table}.{model._meta.get_field(f).column}" for f in fields)
    pattern = re.escape(name) + (f"|{re.escape(columns)}" if fields else "")
    count = model._default_manager.count()
    with pytest.raises(IntegrityError, match=pattern), transaction.atomic():
        yield
    assert model._default_manager.count() == count


# One live redemption per ticket ----------------------------------------------------------------


def test_a_second_live_redemption_of_a_ticket_is_refused_by_the_database() -> None:
    redemption = RedemptionFactory()

    with refused_by(Redemption, "redemption_one_live_per_ticket", "ticket"):
        raw_insert_copy(redemption, organisation=redemption.organisation)


@pytest.mark.parametrize(
    "second", [RedemptionStatus.IN_PAYMENT, RedemptionStatus.REJECTED, RedemptionStatus.REIMBURSED]
)
def test_no_redemption_state_but_cancelled_escapes_the_one_live_per_ticket_rule(
    second: str,
) -> None:
    redemption = RedemptionFactory()
    payment = PaymentFactory(organisation=redemption.organisation)

    with refused_by(Redemption, "redemption_one_live_per_ticket", "ticket"):
        raw_insert_copy(redemption, status=second, payment=payment)


def test_a_new_redemption_is_accepted_when_the_previous_one_was_cancelled() -> None:
    cancelled = RedemptionFactory(cancelled=True)

    raw_insert_copy(cancelled, status=RedemptionStatus.CANCELLED)
    raw_insert_copy(cancelled, status=RedemptionStatus.ENTERED)

    assert Redemption.objects.filter(ticket=cancelled.ticket).count() == 3
    assert Redemption.objects.filter(ticket=cancelled.ticket).live().count() == 1
    with refused_by(Redemption, "redemption_one_live_per_ticket", "ticket"):
        raw_insert_copy(cancelled, status=RedemptionStatus.ENTERED)


def test_a_cancelled_redemption_cannot_be_revived_beside_a_live_one() -> None:
    cancelled = RedemptionFactory(cancelled=True)
    raw_insert_copy(cancelled, status=RedemptionStatus.ENTERED)

    with refused_by(Redemption, "redemption_one_live_per_ticket", "ticket"):
        raw_update(cancelled, status=RedemptionStatus.ENTERED)


def test_a_redemption_in_payment_or_reimbursed_must_name_its_payment() -> None:
    redemption = RedemptionFactory()

    with refused_by(Redemption, "redemption_paid_through_a_payment"):
        raw_update(redemption, status=RedemptionStatus.IN_PAYMENT)


# Amounts ---------------------------------------------------------------------------------------


def test_a_ticket_amount_must_be_positive_in_the_database() -> None:
    ticket = TicketFactory()

    with refused_by(Ticket, "ticket_amount_positive"):
        raw_insert_copy(ticket, number=generate_ticket_number(), amount_cents=0)


def test_a_redemption_amount_must_be_positive_in_the_database() -> None:
    redemption = RedemptionFactory(cancelled=True)

    with refused_by(Redemption, "redemption_amount_positive"):
        raw_insert_copy(redemption, amount_cents=0)


def test_a_payment_amount_and_ticket_count_must_be_positive_in_the_database() -> None:
    payment = PaymentFactory()

    with refused_by(Payment, "payment_amount_positive"):
        raw_insert_copy(payment, run=PaymentRunFactory(), end_to_end_id="E2E-ZERO", amount_cents=0)
    with refused_by(Payment, "payment_ticket_count_positive"):
        raw_insert_copy(payment, run=PaymentRunFactory(), end_to_end_id="E2E-NONE", ticket_count=0)


def test_a_wallet_credit_must_be_positive_in_the_database() -> None:
    wallet = WalletFactory()

    with refused_by(Wallet, "wallet_granted_positive"):
        raw_insert_copy(wallet, pupil=PupilFactory(), granted_cents=0)


def test_positive_amounts_are_accepted() -> None:
    """The control for the tests above: the same copies with 1 cent are valid rows."""
    ticket, wallet, payment = TicketFactory(), WalletFactory(), PaymentFactory()

    raw_insert_copy(ticket, number=generate_ticket_number(), amount_cents=1)
    raw_insert_copy(wallet, pupil=PupilFactory(), granted_cents=1)
    raw_insert_copy(payment, run=PaymentRunFactory(), end_to_end_id="E2E-ONE", amount_cents=1)

    assert (Ticket.objects.count(), Wallet.objects.count(), Payment.objects.count()) == (2, 3, 2)


# Uniqueness ------------------------------------------------------------------------------------


def test_one_payment_run_per_cut_off() -> None:
    run = PaymentRunFactory()

    with refused_by(PaymentRun, "cut_off", "cut_off"):
        raw_insert_copy(run)


def test_one_payment_per_organisation_per_run() -> None:
    payment = PaymentFactory()

    with refused_by(Payment, "payment_one_per_organisation_per_run", "run", "organisation"):
        raw_insert_copy(payment, end_to_end_id="E2E-TWICE")


def test_a_payment_end_to_end_id_is_unique() -> None:
    payment = PaymentFactory()

    with refused_by(Payment, "end_to_end_id", "end_to_end_id"):
        raw_insert_copy(payment, run=PaymentRunFactory())


def test_a_ticket_number_is_unique() -> None:
    ticket = TicketFactory()

    with refused_by(Ticket, "number", "number"):
        raw_insert_copy(ticket, wallet=WalletFactory())


@pytest.mark.parametrize("number", ["12345678901", ""], ids=["11-digits", "empty"])
def test_a_ticket_number_has_twelve_characters(number: str) -> None:
    # (13 characters would hit the column length on PostgreSQL before the constraint.)
    ticket = TicketFactory()

    with refused_by(Ticket, "ticket_number_twelve_digits"):
        raw_insert_copy(ticket, number=number)


def test_a_pupil_has_one_wallet_per_year_and_domain() -> None:
    wallet = WalletFactory()

    with refused_by(Wallet, "wallet_unique_per_year_domain", "pupil", "school_year", "domain"):
        raw_insert_copy(wallet)


def test_a_convention_version_is_signed_once_per_organisation() -> None:
    signed = ConventionFactory(signed=True)
    raw_insert_copy(signed, status=ConventionStatus.PENDING)  # a pending duplicate is fine

    with refused_by(Convention, "convention_signed_once_per_version", "organisation", "version"):
        raw_insert_copy(signed)


def test_only_one_convention_version_is_current() -> None:
    current = ConventionVersionFactory()

    with refused_by(ConventionVersion, "convention_version_one_current", "is_current"):
        raw_insert_copy(current, label="2027-1")


# Four eyes, states -----------------------------------------------------------------------------


def test_the_database_refuses_a_run_approved_by_its_builder() -> None:
    builder = UserFactory(finance=True)
    run = PaymentRunFactory(built_by=builder)

    with refused_by(PaymentRun, "payment_run_four_eyes"):
        raw_update(run, status=PaymentRunStatus.APPROVED, approved_by=builder)

    assert db_row(run)["approved_by_id"] is None
    raw_update(run, status=PaymentRunStatus.APPROVED, approved_by=UserFactory(finance=True))


def test_the_database_refuses_a_system_built_run_approved_without_a_check() -> None:
    run = PaymentRunFactory(built_by=None)

    with refused_by(PaymentRun, "payment_run_approved_by_second_person"):
        raw_update(run, status=PaymentRunStatus.APPROVED, approved_by=UserFactory(finance=True))

    assert db_row(run)["status"] == PaymentRunStatus.DRAFT


def test_the_database_refuses_a_run_approved_by_its_checker() -> None:
    run = PaymentRunFactory(checked=True)

    with refused_by(PaymentRun, "payment_run_approver_not_checker"):
        raw_update(run, status=PaymentRunStatus.APPROVED, approved_by=run.checked_by)

    assert db_row(run)["approved_by_id"] is None
    # The same statement with a second person passes: the refusal was about the person.
    raw_update(run, status=PaymentRunStatus.APPROVED, approved_by=UserFactory(finance=True))
    assert db_row(run)["status"] == PaymentRunStatus.APPROVED


def test_the_database_refuses_a_check_of_a_run_built_by_a_person() -> None:
    run = PaymentRunFactory(built_by=UserFactory(finance=True))

    with refused_by(PaymentRun, "payment_run_checked_only_if_built_by_system"):
        raw_update(run, status=PaymentRunStatus.CHECKED, checked_by=UserFactory(finance=True))


@pytest.mark.parametrize(
    "values",
    [
        {"status": PaymentRunStatus.CHECKED},  # checked by nobody
        {"status": PaymentRunStatus.SENT},  # sent, approved by nobody
        {"checked_by": "finance"},  # a draft that names a checker
    ],
    ids=["checked-by-nobody", "sent-unapproved", "draft-with-checker"],
)
def test_the_database_refuses_a_run_whose_steps_do_not_match_its_state(
    values: dict[str, object],
) -> None:
    run = PaymentRunFactory(built_by=None)
    values = {k: UserFactory(finance=True) if v == "finance" else v for k, v in values.items()}

    with refused_by(PaymentRun, "payment_run_steps_match_status"):
        raw_update(run, **values)


def test_only_a_transmitted_run_may_carry_a_single_approval_from_before_the_check_step() -> None:
    run = PaymentRunFactory(approved=True)

    with refused_by(PaymentRun, "payment_run_single_approval_only_transmitted"):
        raw_update(run, approved_alone_before_check_step=True)


# Transmission with its SEPA file (issue 31) ------------------------------------------------------


def test_the_database_refuses_a_transmitted_run_without_the_hash_of_its_file() -> None:
    run = PaymentRunFactory(downloaded=True)

    with refused_by(PaymentRun, "payment_run_transmitted_with_its_file"):
        raw_update(run, status=PaymentRunStatus.SENT)

    assert db_row(run)["status"] == PaymentRunStatus.APPROVED
    # The same statement with the file's hash passes: the refusal was about the hash.
    raw_update(run, status=PaymentRunStatus.SENT, sent_sha256=run.sepa_sha256)
    assert db_row(run)["status"] == PaymentRunStatus.SENT


@pytest.mark.parametrize(
    "values",
    [
        {"sent_sha256": "0" * 64},  # a hash, but not the stored file's
        {"sent_sha256": "abc", "sepa_sha256": "abc"},  # not a SHA-256
        {"sepa_downloaded_by": None, "sepa_downloaded_at": None},  # nobody downloaded it
        {  # the incident: no file, no download, no hash
            "sepa_file": "",
            "sepa_sha256": "",
            "sent_sha256": "",
            "sepa_downloaded_by": None,
            "sepa_downloaded_at": None,
        },
    ],
    ids=["other-hash", "short-hash", "not-downloaded", "no-file"],
)
def test_the_database_refuses_a_transmitted_run_without_its_downloaded_file(
    values: dict[str, object],
) -> None:
    run = PaymentRunFactory(downloaded=True)
    values = {"sent_sha256": run.sepa_sha256, **values}

    with refused_by(PaymentRun, "payment_run_transmitted_with_its_file"):
        raw_update(run, status=PaymentRunStatus.SENT, **values)

    assert db_row(run)["sent_sha256"] == ""


def test_the_database_refuses_a_download_record_naming_the_builder() -> None:
    run = PaymentRunFactory(downloaded=True)

    with refused_by(PaymentRun, "payment_run_downloaded_by_other_than_builder"):
        raw_update(run, sepa_downloaded_by=run.built_by)

    assert db_row(run)["sepa_downloaded_by_id"] != run.built_by_id


def test_the_database_refuses_a_download_record_without_a_file() -> None:
    run = PaymentRunFactory(approved=True)

    with refused_by(PaymentRun, "payment_run_downloaded_file_exists"):
        raw_update(
            run, sepa_downloaded_by=UserFactory(finance=True), sepa_downloaded_at=run.built_at
        )


def test_only_a_run_transmitted_before_the_rule_may_lack_its_files_hash() -> None:
    run = PaymentRunFactory(approved=True)

    with refused_by(PaymentRun, "payment_run_sent_before_file_rule_only_transmitted"):
        raw_update(run, sent_before_file_rule=True)
    with refused_by(PaymentRun, "payment_run_sent_hash_only_transmitted"):
        raw_update(run, sent_sha256="0" * 64)


def test_an_unknown_state_is_refused_by_the_database() -> None:
    ticket = TicketFactory()

    with refused_by(Ticket, "ticket_status_valid"):
        raw_update(ticket, status="lost")


def test_a_signature_request_names_what_it_signs() -> None:
    request = SignatureRequestFactory()

    with refused_by(type(request), "signature_request_has_its_object"):
        raw_update(request, convention=None)
