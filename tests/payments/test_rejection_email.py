"""A transfer returned by the bank: the organisation gets one e-mail with one instruction."""

from __future__ import annotations

import pytest
from django.core import mail

from passplus.payments.models import PaymentRunStatus as RS
from passplus.payments.settlement import payment_mark_rejected
from tests.helpers.factories import UserFactory
from tests.helpers.payments import payment_with_redemptions, run_in
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_a_rejected_transfer_sends_one_email_that_says_where_to_enter_new_bank_details() -> None:
    payment = payment_with_redemptions(run_in(RS.SENT), count=2)
    payment.organisation.representative_email = "tresorier@aviron.example.fr"
    payment.organisation.save(update_fields=["representative_email"])

    payment_mark_rejected(
        payment=payment, actor=UserFactory(finance=True), reason="AC04 compte clos"
    )
    run_queued_tasks()

    (message,) = mail.outbox
    assert message.to == ["tresorier@aviron.example.fr"]
    assert "AC04 compte clos" in message.body
    assert "/espace-affilie/compte/coordonnees-bancaires/" in message.body
    assert "saisissez de nouvelles coordonnées bancaires" in message.body
    assert "contactez le département" not in message.body  # the old, contradicting instruction
