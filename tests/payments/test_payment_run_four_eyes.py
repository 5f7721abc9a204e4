"""Four eyes for every payment run (issue 16 §3, docs/design.md §4): a run built by the scheduler is
first checked by one finance user and approved by another; a run built by a person is approved by
another; nobody alone reaches the SEPA file, the transmission or the reconciliation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.core.errors import DomainError, TransitionError
from passplus.payments.models import PaymentRun
from passplus.payments.models import PaymentRunStatus as RS
from passplus.payments.services import (
    payment_run_approve,
    payment_run_check,
    payment_run_sepa_download,
    payment_run_transmit,
)
from passplus.payments.settlement import payment_mark_paid
from passplus.tickets.models import RedemptionStatus as R
from tests.helpers.backoffice import CONFIRMED
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import (
    PaymentFactory,
    PaymentRunFactory,
    RedemptionFactory,
    UserFactory,
)
from tests.helpers.pages import parse_html
from tests.helpers.payments import payment_with_redemptions

pytestmark = pytest.mark.django_db

SYSTEM_BUILT = "Campagne constituée automatiquement : elle doit d'abord être vérifiée"
SYSTEM_BUILT_IN_FULL = (
    "Campagne constituée automatiquement : elle doit d'abord être vérifiée par un agent des "
    "finances, puis approuvée par un autre."
)


def system_run_with_a_payment() -> tuple[PaymentRun, object]:
    run = PaymentRunFactory(built_by=None)
    payment = PaymentFactory(run=run)
    redemption = RedemptionFactory(
        organisation=payment.organisation, in_payment=True, payment=payment
    )
    return run, redemption


# The attack --------------------------------------------------------------------------------------


def test_one_finance_user_cannot_approve_a_system_built_run_alone() -> None:
    run = PaymentRunFactory(built_by=None)

    with assert_unchanged(run), pytest.raises(DomainError, match=SYSTEM_BUILT):
        payment_run_approve(run=run, actor=UserFactory(finance=True))


def test_one_finance_user_cannot_take_a_system_built_run_to_the_bank_alone(client: Client) -> None:
    """The outside test: approve, mark transmitted, download sepa.xml and reconcile, alone."""
    run, redemption = system_run_with_a_payment()
    payment = run.payments.get()
    client.force_login(UserFactory(finance=True))

    with assert_unchanged(run, payment, redemption):
        client.post(reverse("backoffice:payment_run_approve", args=[run.pk]), CONFIRMED)
        client.post(reverse("backoffice:payment_run_sent", args=[run.pk]))
        download = client.get(reverse("backoffice:payment_run_sepa", args=[run.pk]))
        client.post(reverse("backoffice:payment_run_all_paid", args=[run.pk]), CONFIRMED)
        client.post(reverse("backoffice:payment_paid", args=[run.pk, payment.pk]))

    assert download.status_code == 302  # back to the run page, no file
    assert not PaymentRun.objects.get(pk=run.pk).sepa_file
    assert db_row(redemption)["status"] == R.IN_PAYMENT
    assert audit_trail(run) == []


# The run page offers each button only to whoever may use it ------------------------------------


def actions_seen_by(client: Client, run: PaymentRun, user: object) -> tuple[set[str], str]:
    """The action URLs of the forms and links in the page's action area, and its text."""
    client.force_login(user)  # type: ignore[arg-type]
    soup = parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk])))
    area = soup.select_one("#actions")
    assert area is not None, "the page has no action area"
    urls = {form["action"] for form in area.select("form")} | {a["href"] for a in area.select("a")}
    return {str(url) for url in urls}, " ".join(area.get_text(" ").split())


def test_the_builder_is_not_offered_the_approval_and_is_told_why(client: Client) -> None:
    builder = UserFactory(finance=True)
    run = PaymentRunFactory(built_by=builder)
    approve = reverse("backoffice:payment_run_approve", args=[run.pk])

    urls, text = actions_seen_by(client, run, builder)
    assert approve not in urls
    assert (
        "Vous avez constitué cette campagne : un autre agent des finances doit l'approuver." in text
    )

    urls, text = actions_seen_by(client, run, UserFactory(finance=True))
    assert approve in urls


# The check step ----------------------------------------------------------------------------------


def test_the_checker_cannot_approve_the_run_they_checked() -> None:
    run = PaymentRunFactory(built_by=None)
    checker = UserFactory(finance=True)
    payment_run_check(run=run, actor=checker)

    with assert_unchanged(run), pytest.raises(DomainError, match="Vous avez vérifié"):
        payment_run_approve(run=run, actor=checker)


def test_a_stale_copy_of_the_run_does_not_let_the_checker_approve() -> None:
    """The rules are checked on the row as stored (locked), not on what a page loaded."""
    run = PaymentRunFactory(built_by=None)
    stale = PaymentRun.objects.get(pk=run.pk)  # loaded before the check: checked_by empty
    checker = UserFactory(finance=True)
    payment_run_check(run=run, actor=checker)

    with assert_unchanged(run), pytest.raises(DomainError, match="Vous avez vérifié"):
        payment_run_approve(run=stale, actor=checker)


def test_a_run_built_by_a_person_needs_no_check_and_its_builder_cannot_check_it() -> None:
    builder = UserFactory(finance=True)
    run = PaymentRunFactory(built_by=builder)

    for actor in (builder, UserFactory(finance=True)):
        with assert_unchanged(run), pytest.raises(DomainError, match="n'a pas à être vérifiée"):
            payment_run_check(run=run, actor=actor)


@pytest.mark.parametrize(
    "traits",
    [
        {"gestionnaire": True},
        {"admin": True},
        {"organisation_member": True},
        {"finance": True, "is_active": False},
    ],
    ids=["gestionnaire", "admin", "organisation", "inactive-finance"],
)
def test_only_an_active_finance_user_may_check_a_run(traits: dict[str, object]) -> None:
    run = PaymentRunFactory(built_by=None)

    with assert_unchanged(run), pytest.raises(DomainError, match="équipe finance"):
        payment_run_check(run=run, actor=UserFactory(**traits))


def system_run_in(status: str) -> PaymentRun:
    """A run built by the scheduler, with one transfer, taken to `status` through its
    lifecycle (its file downloaded before the transmission, its transfer paid to close it)."""
    run = PaymentRunFactory(built_by=None)
    payment = payment_with_redemptions(run, count=1)

    def transmit(*, run: PaymentRun, actor: Any) -> None:
        payment_run_sepa_download(run=run, actor=actor)
        payment_run_transmit(run=run, actor=actor)

    def close(*, run: PaymentRun, actor: Any) -> None:
        payment_mark_paid(payment=payment, actor=actor)

    for step in [payment_run_check, payment_run_approve, transmit, close]:
        if run.status == status:
            break
        step(run=run, actor=UserFactory(finance=True))
        run.refresh_from_db()
    assert db_row(run)["status"] == status
    return run


@pytest.mark.parametrize("status", [RS.CHECKED, RS.APPROVED, RS.SENT, RS.CLOSED])
def test_only_a_draft_run_can_be_checked(status: str) -> None:
    run = system_run_in(status)

    with assert_unchanged(run), pytest.raises(TransitionError):
        payment_run_check(run=run, actor=UserFactory(finance=True))


@pytest.mark.parametrize("status", [RS.APPROVED, RS.SENT, RS.CLOSED])
def test_a_system_built_run_is_approved_only_once_from_checked(status: str) -> None:
    run = system_run_in(status)

    with assert_unchanged(run), pytest.raises(TransitionError):
        payment_run_approve(run=run, actor=UserFactory(finance=True))


@pytest.mark.parametrize("status", [RS.DRAFT, RS.CHECKED])
def test_a_system_built_run_is_not_sent_before_its_approval(status: str) -> None:
    run = system_run_in(status)

    with assert_unchanged(run), pytest.raises(TransitionError):
        payment_run_transmit(run=run, actor=UserFactory(finance=True))


# After approval: the file, the transmission, the reconciliation ---------------------------------


def test_a_checked_run_yields_its_file_only_after_a_second_person_approves(client: Client) -> None:
    run, _ = system_run_with_a_payment()
    checker, approver = UserFactory(finance=True), UserFactory(finance=True)
    payment_run_check(run=run, actor=checker)
    client.force_login(approver)
    sepa = reverse("backoffice:payment_run_sepa", args=[run.pk])

    with assert_unchanged(run):
        client.get(sepa)
    assert not PaymentRun.objects.get(pk=run.pk).sepa_file

    client.post(reverse("backoffice:payment_run_approve", args=[run.pk]), CONFIRMED)
    response = client.get(sepa)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"<?xml")  # type: ignore[attr-defined]


def test_a_run_sent_alone_before_the_check_step_is_reconciled_but_its_file_is_not_served(
    client: Client,
) -> None:
    """Migration payments 0003 marks such runs; the transfers are at the bank already."""
    run = PaymentRunFactory(
        built_by=None,
        status=RS.SENT,
        approved_alone_before_check_step=True,
        sent_before_file_rule=True,  # migration payments 0009: transmitted before the file rule
    )
    payment = PaymentFactory(run=run)
    RedemptionFactory(organisation=payment.organisation, in_payment=True, payment=payment)
    client.force_login(UserFactory(finance=True))

    with assert_unchanged(run):
        client.get(reverse("backoffice:payment_run_sepa", args=[run.pk]))
    page = parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk])))
    assert "une seule personne" in " ".join(page.select_one("dl").get_text(" ").split())
    client.post(reverse("backoffice:payment_paid", args=[run.pk, payment.pk]))
    assert db_row(run)["status"] == RS.CLOSED


def test_a_run_approved_by_its_builder_is_not_reconciled() -> None:
    """The rule itself, where the state was forged in memory (the database refuses to store
    it: payment_run_four_eyes)."""
    builder = UserFactory(finance=True)
    run = PaymentRunFactory(sent=True, built_by=builder)
    run.approved_by = builder

    with pytest.raises(DomainError, match="deuxième personne"):
        run.check_reconcilable()


def test_a_transfer_is_reconciled_on_its_runs_stored_state_not_the_one_it_was_handed() -> None:
    """The run is locked and read again: a copy that says "transmise" while the stored run is
    only approved does not let its transfers be marked."""
    run = PaymentRunFactory(approved=True)
    payment = payment_with_redemptions(run, count=1)
    payment.run.status = RS.SENT  # what a page read a moment ago, say
    redemption = payment.redemptions.get()

    with (
        assert_unchanged(run, payment, redemption),
        pytest.raises(DomainError, match="transmise à la banque"),
    ):
        payment_mark_paid(payment=payment, actor=UserFactory(finance=True))


# Pages and roles --------------------------------------------------------------------------------


def test_a_system_built_run_offers_the_check_then_the_approval_to_two_people(
    client: Client,
) -> None:
    run = PaymentRunFactory(built_by=None)
    check = reverse("backoffice:payment_run_check", args=[run.pk])
    approve = reverse("backoffice:payment_run_approve", args=[run.pk])
    checker, approver = UserFactory(finance=True), UserFactory(finance=True)

    urls, text = actions_seen_by(client, run, checker)
    assert urls == {check}
    assert SYSTEM_BUILT_IN_FULL in text
    client.post(check)
    assert ("payment_run.check", checker.pk) in audit_trail(run)

    urls, text = actions_seen_by(client, run, checker)
    assert urls == set()
    assert (
        "Vous avez vérifié cette campagne : un autre agent des finances doit l'approuver." in text
    )
    urls, text = actions_seen_by(client, run, approver)
    assert urls == {approve}
    client.post(approve, CONFIRMED)
    assert db_row(run)["status"] == RS.APPROVED
    journal = parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk])))
    assert "Campagne de remboursement vérifiée" in journal.get_text()


@pytest.mark.parametrize("traits", [{"gestionnaire": True}, {"admin": True}])
@pytest.mark.parametrize("status", [RS.DRAFT, RS.CHECKED])
def test_staff_outside_finance_are_not_offered_the_check_or_approval_and_are_told_why(
    client: Client, traits: dict[str, bool], status: str
) -> None:
    run = system_run_in(status)

    urls, text = actions_seen_by(client, run, UserFactory(**traits))

    assert urls == set()
    assert "Seul un membre de l'équipe finance peut" in text


@pytest.mark.parametrize("status", [RS.APPROVED, RS.SENT])
def test_a_gestionnaire_is_not_offered_the_file_or_the_reconciliation(
    client: Client, status: str
) -> None:
    run = system_run_in(status)
    PaymentFactory(run=run)

    urls, text = actions_seen_by(client, run, UserFactory(gestionnaire=True))

    assert urls == set()
    assert "réservées à l'équipe finance" in text


def test_a_gestionnaire_cannot_check_a_run(client: Client) -> None:
    run = PaymentRunFactory(built_by=None)
    client.force_login(UserFactory(gestionnaire=True))

    with assert_unchanged(run):
        response = client.post(reverse("backoffice:payment_run_check", args=[run.pk]))
    assert response.status_code == 403


def test_an_admin_posting_the_check_is_refused_by_the_model(client: Client) -> None:
    run = PaymentRunFactory(built_by=None)
    client.force_login(UserFactory(admin=True))

    with assert_unchanged(run):
        response = client.post(reverse("backoffice:payment_run_check", args=[run.pk]), follow=True)
    assert "équipe finance" in " ".join(
        parse_html(response).select_one(".messages").get_text(" ").split()
    )


def test_checking_an_unknown_run_is_not_found(client: Client) -> None:
    client.force_login(UserFactory(finance=True))
    with assert_unchanged(counted=[PaymentRun]):
        response = client.post(reverse("backoffice:payment_run_check", args=[999999]))
    assert response.status_code == 404
    assert client.get(reverse("backoffice:payment_run_check", args=[999999])).status_code == 405
