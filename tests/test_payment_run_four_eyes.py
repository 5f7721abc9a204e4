"""Four eyes for every payment run (issue 16 §3, DESIGN.md §4): a run built by the scheduler is
first checked by one finance user and approved by another; a run built by a person is approved by
another; nobody alone reaches the SEPA file, the transmission or the reconciliation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from passplus.core.errors import DomainError
from passplus.payments.models import PaymentRun
from passplus.payments.models import PaymentRunStatus as RS
from passplus.tickets.models import RedemptionStatus as R
from tests.factories import PaymentFactory, PaymentRunFactory, RedemptionFactory, UserFactory
from tests.helpers import assert_unchanged, audit_trail, db_row, parse_html

pytestmark = pytest.mark.django_db

SYSTEM_BUILT = "Campagne constituée automatiquement : elle doit d'abord être vérifiée"


def system_run_with_a_payment() -> tuple[PaymentRun, object]:
    run = PaymentRunFactory(built_by=None)
    payment = PaymentFactory(run=run)
    redemption = RedemptionFactory(organisation=payment.organisation, in_payment=True, payment=payment)
    return run, redemption


# The attack --------------------------------------------------------------------------------------


def test_one_finance_user_cannot_approve_a_system_built_run_alone() -> None:
    run = PaymentRunFactory(built_by=None)

    with assert_unchanged(run), pytest.raises(DomainError, match=SYSTEM_BUILT):
        run.approve(actor=UserFactory(finance=True))


def test_one_finance_user_cannot_take_a_system_built_run_to_the_bank_alone(client: Client) -> None:
    """The outside test: approve, mark transmitted, download sepa.xml and reconcile, alone."""
    run, redemption = system_run_with_a_payment()
    payment = run.payments.get()
    client.force_login(UserFactory(finance=True))

    with assert_unchanged(run, payment, redemption):
        client.post(reverse("backoffice:payment_run_approve", args=[run.pk]))
        client.post(reverse("backoffice:payment_run_sent", args=[run.pk]))
        download = client.get(reverse("backoffice:payment_run_sepa", args=[run.pk]))
        client.post(reverse("backoffice:payment_run_all_paid", args=[run.pk]))
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
    area = soup.select_one("#actions") or soup.select_one("main")
    assert area is not None, "the page has no action area"
    urls = {form["action"] for form in area.select("form")} | {a["href"] for a in area.select("a")}
    return {str(url) for url in urls}, " ".join(area.get_text(" ").split())


def test_the_builder_is_not_offered_the_approval_and_is_told_why(client: Client) -> None:
    builder = UserFactory(finance=True)
    run = PaymentRunFactory(built_by=builder)
    approve = reverse("backoffice:payment_run_approve", args=[run.pk])

    urls, text = actions_seen_by(client, run, builder)
    assert approve not in urls
    assert "Vous avez constitué cette campagne : un autre agent des finances doit l'approuver." in text

    urls, text = actions_seen_by(client, run, UserFactory(finance=True))
    assert approve in urls
