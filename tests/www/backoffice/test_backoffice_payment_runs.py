"""Back office payment runs: four-eyes approval, transmission, reconciliation, roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.payments.models import PaymentRun, PaymentRunStatus, PaymentStatus
from passplus.payments.sepa import validate_sepa_xml
from passplus.tickets.models import Redemption, RedemptionStatus
from tests.helpers.backoffice import CONFIRMED
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    PaymentFactory,
    PaymentRunFactory,
    RedemptionFactory,
    UserFactory,
)
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def login(client: Client, **role: Any) -> Any:
    user = UserFactory(**role)
    client.force_login(user)
    return user


def follow_messages(response: Any) -> str:
    return text_of(parse_html(response), ".messages")


def test_the_builder_cannot_approve_and_a_second_finance_user_can(client: Client) -> None:
    builder = UserFactory(finance=True)
    run = PaymentRunFactory(built_by=builder)
    client.force_login(builder)
    url = reverse("backoffice:payment_run_approve", args=[run.pk])

    with assert_unchanged(run):
        response = client.post(url, CONFIRMED, follow=True)
    assert "Vous avez constitué cette campagne" in follow_messages(response)

    approver = login(client, finance=True)
    client.post(url, CONFIRMED)
    assert db_row(run)["status"] == PaymentRunStatus.APPROVED
    assert ("payment_run.approve", approver.pk) in audit_trail(run)
    journal = text_of(
        parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk]))),
        "[aria-labelledby=journal]",
    )
    assert "Campagne de remboursement approuvée" in journal and approver.email in journal
    with assert_unchanged(run):
        response = client.post(url, CONFIRMED, follow=True)  # a second approval
    assert f"Campagne déjà approuvée par {approver.full_name} le " in follow_messages(response)


def test_only_finance_acts_on_runs(client: Client) -> None:
    run = PaymentRunFactory()
    login(client, gestionnaire=True)
    assert client.get(reverse("backoffice:payment_run", args=[run.pk])).status_code == 200
    with assert_unchanged(run):
        response = client.post(reverse("backoffice:payment_run_approve", args=[run.pk]), CONFIRMED)
    assert response.status_code == 403
    # An admin reaches the page's actions but the model keeps approval to finance.
    login(client, admin=True)
    with assert_unchanged(run):
        response = client.post(
            reverse("backoffice:payment_run_approve", args=[run.pk]), CONFIRMED, follow=True
        )
    assert "équipe finance" in follow_messages(response)


def test_reconciliation_pays_rejects_and_closes(client: Client) -> None:
    run = PaymentRunFactory(sent=True)
    paid = PaymentFactory(run=run)
    paid_entry = RedemptionFactory(organisation=paid.organisation, in_payment=True, payment=paid)
    returned = PaymentFactory(run=run)
    returned_entry = RedemptionFactory(
        organisation=returned.organisation, in_payment=True, payment=returned
    )
    login(client, finance=True)

    client.post(reverse("backoffice:payment_paid", args=[run.pk, paid.pk]))
    with assert_unchanged(run, returned, returned_entry, counted=[DBTaskResult]):
        response = client.post(
            reverse("backoffice:payment_rejected", args=[run.pk, returned.pk]), follow=True
        )
    assert "Indiquez le motif" in follow_messages(response)
    assert db_row(returned)["status"] == PaymentStatus.PENDING
    client.post(
        reverse("backoffice:payment_rejected", args=[run.pk, returned.pk]),
        {"reason": "compte clos", **CONFIRMED},
    )

    assert db_row(paid_entry)["status"] == RedemptionStatus.REIMBURSED
    assert db_row(returned_entry)["status"] == RedemptionStatus.REJECTED
    assert db_row(returned)["rejection_reason"] == "compte clos"
    assert db_row(run)["status"] == PaymentRunStatus.CLOSED


def test_a_payment_of_another_run_is_not_found(client: Client) -> None:
    run = PaymentRunFactory(sent=True)
    other = PaymentFactory(run=PaymentRunFactory(sent=True))
    login(client, finance=True)
    with assert_unchanged(other):
        response = client.post(reverse("backoffice:payment_paid", args=[run.pk, other.pk]))
    assert response.status_code == 404


def test_a_draft_run_lists_organisations_left_out_for_lack_of_bank_details(
    client: Client,
) -> None:
    run = PaymentRunFactory()
    without = OrganisationFactory(legal_name="Club sans RIB")
    RedemptionFactory(organisation=without)
    with_account = OrganisationFactory(legal_name="Club avec RIB")
    BankAccountFactory(organisation=with_account, validated=True)
    RedemptionFactory(organisation=with_account)
    Redemption.objects.update(entered_at=run.cut_off - dt.timedelta(days=1))
    login(client, finance=True)

    page = text_of(parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk]))), "main")

    assert "Organismes non remboursés" in page
    assert "Club sans RIB" in page and "Club avec RIB" not in page


def test_other_spaces_cannot_see_runs(client: Client) -> None:
    run = PaymentRunFactory()
    login(client, organisation_member=True)
    assert client.get(reverse("backoffice:payment_runs")).status_code == 403
    assert client.get(reverse("backoffice:payment_run", args=[run.pk])).status_code == 403


def test_a_paid_transfer_e_mails_the_remittance_advice(client: Client) -> None:
    run = PaymentRunFactory(sent=True)
    payment = PaymentFactory(run=run, ticket_count=1)
    payment.organisation.representative_email = "president@club.example.fr"
    payment.organisation.save()
    RedemptionFactory(organisation=payment.organisation, in_payment=True, payment=payment)
    login(client, finance=True)

    client.post(reverse("backoffice:payment_paid", args=[run.pk, payment.pk]))
    run_queued_tasks()

    (message,) = mail.outbox
    assert message.to == ["president@club.example.fr"]
    ((filename, content, mimetype),) = message.attachments
    assert filename.startswith("avis-de-paiement-") and mimetype == "application/pdf"
    assert content.startswith(b"%PDF")


def test_a_rejected_transfer_e_mails_the_organisation_with_the_reason(client: Client) -> None:
    run = PaymentRunFactory(sent=True)
    payment = PaymentFactory(run=run, ticket_count=1)
    payment.organisation.representative_email = "president@club.example.fr"
    payment.organisation.save()
    RedemptionFactory(organisation=payment.organisation, in_payment=True, payment=payment)
    login(client, finance=True)

    client.post(
        reverse("backoffice:payment_rejected", args=[run.pk, payment.pk]),
        {"reason": "AC04 compte clos", **CONFIRMED},
    )
    run_queued_tasks()

    (message,) = mail.outbox
    assert message.to == ["president@club.example.fr"]
    assert "rejeté" in message.subject
    assert "Motif : AC04 compte clos" in message.body
    assert payment.end_to_end_id in message.body
    assert payment.iban not in message.body  # masked
    assert db_row(payment)["status"] == PaymentStatus.REJECTED


def test_finance_downloads_the_same_validated_sepa_file_after_approval(client: Client) -> None:
    draft = PaymentRunFactory()
    PaymentFactory(run=draft)
    login(client, finance=True)
    with assert_unchanged(draft):  # the download would store the file and audit it
        response = client.get(reverse("backoffice:payment_run_sepa", args=[draft.pk]), follow=True)
    assert not PaymentRun.objects.get(pk=draft.pk).sepa_file  # refused before approval
    assert "approuv" in follow_messages(response)

    run = PaymentRunFactory(approved=True)
    PaymentFactory.create_batch(2, run=run)
    first = client.get(reverse("backoffice:payment_run_sepa", args=[run.pk]))
    xml = b"".join(first.streaming_content)  # type: ignore[attr-defined]
    validate_sepa_xml(xml, "pain.001.001.03")
    second = b"".join(
        client.get(reverse("backoffice:payment_run_sepa", args=[run.pk])).streaming_content  # type: ignore[attr-defined]
    )
    assert second == xml
    assert [action for action, _ in audit_trail(run)].count("payment_run.sepa_file") == 1

    login(client, gestionnaire=True)
    with assert_unchanged(run):
        assert client.get(reverse("backoffice:payment_run_sepa", args=[run.pk])).status_code == 403
