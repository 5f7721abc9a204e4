"""The run page, read in order (issue 33 §4): the approval comes after the transfers it
approves; a transfer's « Marquer payé » and « Marquer rejeté… » are buttons, not state words,
and the reject form opens on demand (<details>, no script)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from passplus.payments.models import PaymentRunStatus
from tests.helpers.factories import PaymentFactory, PaymentRunFactory, UserFactory
from tests.helpers.pages import parse_html
from tests.helpers.payments import payment_with_redemptions, run_in

pytestmark = pytest.mark.django_db


def test_the_approval_button_comes_after_the_transfers_it_approves(client: Client) -> None:
    run = PaymentRunFactory(checked=True)
    PaymentFactory(run=run)
    client.force_login(UserFactory(finance=True))

    html = client.get(reverse("backoffice:payment_run", args=[run.pk])).content.decode()

    approve = reverse("backoffice:payment_run_approve", args=[run.pk])
    assert html.index('id="virements"') < html.index(f'action="{approve}"')
    page = parse_html(html)
    link = page.select_one("#prochaine-etape a")
    assert link is not None and link["href"] == "#actions"


def test_a_transfers_row_actions_are_buttons_and_the_reject_form_opens_on_demand(
    client: Client,
) -> None:
    run = run_in(PaymentRunStatus.SENT)
    payment = payment_with_redemptions(run, count=1)
    client.force_login(UserFactory(finance=True))

    page = parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk])))

    paid = page.select_one(
        f'form[action="{reverse("backoffice:payment_paid", args=[run.pk, payment.pk])}"] button'
    )
    assert paid is not None
    assert "link-button" not in paid.get("class", [])
    assert " ".join(paid.get_text().split()).startswith("Marquer payé")
    reject = page.select_one(
        f'form[action="{reverse("backoffice:payment_rejected", args=[run.pk, payment.pk])}"]'
    )
    assert reject is not None
    details = reject.find_parent("details")
    assert details is not None and not details.has_attr("open")
    summary = details.select_one("summary")
    assert summary is not None
    assert " ".join(summary.get_text().split()).startswith("Marquer rejeté")
