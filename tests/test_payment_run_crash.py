"""A run build interrupted midway leaves nothing behind; rebuilding gives the full run."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from passplus.audit.models import AuditEvent
from passplus.payments.models import Payment, PaymentRun
from passplus.payments.services import payment_run_build
from passplus.tickets.models import Redemption, RedemptionStatus
from tests.factories import BankAccountFactory, OrganisationFactory, RedemptionFactory

pytestmark = pytest.mark.django_db


def test_an_exception_after_some_payments_rolls_everything_back_and_a_rebuild_is_complete() -> None:
    organisations = [OrganisationFactory() for _ in range(4)]
    for organisation in organisations:
        BankAccountFactory(organisation=organisation, validated=True)
        for _ in range(3):
            RedemptionFactory(organisation=organisation, amount_cents=1000)
    cut_off = timezone.now() + dt.timedelta(minutes=1)
    events_before = AuditEvent.objects.count()
    original = Redemption.include_in_payment
    calls = {"n": 0}

    def crash_after_five(self: Redemption, payment: Payment, *, actor: object) -> None:
        calls["n"] += 1
        if calls["n"] > 5:
            raise RuntimeError("panne simulée au milieu de la construction")
        original(self, payment, actor=actor)

    with (
        mock.patch.object(Redemption, "include_in_payment", crash_after_five),
        pytest.raises(RuntimeError),
    ):
        payment_run_build(cut_off=cut_off)

    assert calls["n"] == 6  # it did get midway
    assert not PaymentRun.objects.exists() and not Payment.objects.exists()
    assert set(Redemption.objects.values_list("status", flat=True)) == {RedemptionStatus.ENTERED}
    assert AuditEvent.objects.count() == events_before

    run = payment_run_build(cut_off=cut_off)

    assert run.payments.count() == 4
    assert run.total_cents == 12_000
    assert Redemption.objects.filter(status=RedemptionStatus.IN_PAYMENT).count() == 12
