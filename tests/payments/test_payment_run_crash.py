"""A run build interrupted midway leaves nothing behind; rebuilding gives the full run."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from passplus.audit.models import AuditEvent
from passplus.payments.build import payment_run_build
from passplus.payments.models import Payment, PaymentRun
from passplus.tickets.models import Redemption, RedemptionStatus
from tests.helpers.database import assert_unchanged
from tests.helpers.factories import BankAccountFactory, OrganisationFactory, RedemptionFactory

pytestmark = pytest.mark.django_db


def test_an_exception_after_some_payments_rolls_everything_back_and_a_rebuild_is_complete() -> None:
    organisations = [OrganisationFactory() for _ in range(4)]
    for organisation in organisations:
        BankAccountFactory(organisation=organisation, validated=True)
        for _ in range(3):
            RedemptionFactory(organisation=organisation, amount_cents=1000)
    cut_off = timezone.now() + dt.timedelta(minutes=1)
    events_before = AuditEvent.objects.count()
    seen = {}

    def crash_after_the_move(run: PaymentRun, payments: list[Payment], actor: object) -> None:
        seen["payments"] = Payment.objects.filter(run=run).count()
        seen["moved"] = Redemption.objects.filter(status=RedemptionStatus.IN_PAYMENT).count()
        raise RuntimeError("panne simulée au milieu de la construction")

    with (
        assert_unchanged(*Redemption.objects.all(), counted=[PaymentRun, Payment]),
        mock.patch("passplus.payments.build._audit", crash_after_the_move),
        pytest.raises(RuntimeError),
    ):
        payment_run_build(cut_off=cut_off)

    assert seen == {"payments": 4, "moved": 12}  # it did get midway
    assert not PaymentRun.objects.exists() and not Payment.objects.exists()
    assert set(Redemption.objects.values_list("status", flat=True)) == {RedemptionStatus.ENTERED}
    assert AuditEvent.objects.count() == events_before

    run = payment_run_build(cut_off=cut_off)

    assert run.payments.count() == 4
    assert run.total_cents == 12_000
    assert Redemption.objects.filter(status=RedemptionStatus.IN_PAYMENT).count() == 12
