"""Building a payment run at a realistic volume: who is paid what, conservation, constant number of
statements, progress shown while it is built, and a concurrent change rolling it back."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passplus.audit.models import AuditEvent
from passplus.core.errors import DomainError
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation
from passplus.payments import build as build_module
from passplus.payments.build import build_in_progress, payment_run_build
from passplus.payments.models import Payment, PaymentRun
from passplus.tickets.models import Redemption
from passplus.tickets.models import RedemptionStatus as R
from tests.helpers.database import assert_unchanged
from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.helpers.pages import parse_html, text_of
from tests.helpers.payments import CUT_OFF, entries, paid_organisations

pytestmark = pytest.mark.django_db


def test_a_realistic_run_pays_each_organisation_exactly_what_it_entered_before_the_cut_off() -> (
    None
):
    paid = paid_organisations(30, 60)
    suspended = OrganisationFactory(status=OrganisationStatus.SUSPENDED)
    BankAccountFactory(organisation=suspended, validated=True)
    entries(suspended, 25)  # entered before its suspension: still paid
    without_account = OrganisationFactory()
    entries(without_account, 40)
    entries(paid[0], 15, entered_at=CUT_OFF + dt.timedelta(minutes=1))  # next run
    entries(paid[1], 10, status=R.CANCELLED)
    expected = dict(
        Redemption.objects.filter(
            status=R.ENTERED,
            entered_at__lt=CUT_OFF,
            organisation__bank_accounts__status="validated",
        )
        .values_list("organisation")
        .annotate(Sum("amount_cents"))
    )

    run = payment_run_build(cut_off=CUT_OFF)

    payments = {payment.organisation_id: payment for payment in run.payments.all()}
    assert set(payments) == {organisation.pk for organisation in paid} | {suspended.pk}
    assert {key: payment.amount_cents for key, payment in payments.items()} == expected
    for organisation_id, payment in payments.items():
        moved = Redemption.objects.filter(payment=payment)
        assert moved.count() == payment.ticket_count
        assert set(moved.values_list("status", flat=True)) == {R.IN_PAYMENT}
        assert set(moved.values_list("organisation_id", flat=True)) == {organisation_id}
        account = Organisation.objects.get(pk=organisation_id).current_bank_account()
        assert (payment.iban, payment.bic, payment.holder) == (
            account.iban,
            account.bic,
            account.holder,
        )
    assert run.total_cents == sum(expected.values())
    assert Redemption.objects.filter(organisation=without_account, status=R.ENTERED).count() == 40
    assert Redemption.objects.filter(organisation=paid[0], status=R.ENTERED).count() == 15
    assert Redemption.objects.filter(status=R.CANCELLED, payment__isnull=True).count() == 10
    events = AuditEvent.objects.filter(action="redemption.include_in_payment")
    assert events.count() == len(payments)
    assert sum(event.after["redemptions"] for event in events) == sum(
        payment.ticket_count for payment in payments.values()
    )


def test_the_number_of_statements_does_not_grow_with_the_number_of_redemptions() -> None:
    def statements_for(organisations: int, per_organisation: int, cut_off: dt.datetime) -> int:
        paid_organisations(organisations, per_organisation)
        with CaptureQueriesContext(connection) as queries:
            payment_run_build(cut_off=cut_off)
        return len(queries)

    small = statements_for(2, 3, CUT_OFF)
    large = statements_for(20, 50, CUT_OFF + dt.timedelta(days=15))

    assert Redemption.objects.filter(status=R.IN_PAYMENT).count() == 2 * 3 + 20 * 50
    assert large == small


def test_a_rejected_redemption_waits_for_an_account_validated_after_the_rejection() -> None:
    organisation = OrganisationFactory()
    old = BankAccountFactory(organisation=organisation, validated=True)
    rejected_at = timezone.now()
    entries(organisation, 3, status=R.REJECTED, status_changed_at=rejected_at)

    first = payment_run_build(cut_off=CUT_OFF)
    assert not first.payments.exists()  # the account validated before the rejection is not used

    old.status = "replaced"
    old.save(update_fields=["status"])
    new = BankAccountFactory(organisation=organisation, validated=True)
    type(new).objects.filter(pk=new.pk).update(reviewed_at=rejected_at + dt.timedelta(hours=1))
    second = payment_run_build(cut_off=CUT_OFF + dt.timedelta(days=15))

    (payment,) = second.payments.all()
    assert payment.bank_account_id == new.pk and payment.ticket_count == 3


def test_an_entry_cancelled_while_the_run_is_built_rolls_the_run_back() -> None:
    (organisation,) = paid_organisations(1, 5)
    original = build_module.Payment.objects.bulk_create
    victim = Redemption.objects.filter(organisation=organisation).first()
    assert victim is not None

    def bulk_create_then_cancel(*args: Any, **kwargs: Any) -> Any:
        created = original(*args, **kwargs)
        Redemption.objects.filter(pk=victim.pk).update(status=R.CANCELLED)  # another desk
        return created

    with (
        assert_unchanged(*Redemption.objects.all(), counted=[PaymentRun, Payment]),
        mock.patch.object(build_module.Payment.objects, "bulk_create", bulk_create_then_cancel),
        pytest.raises(DomainError, match="cohérence"),
    ):
        payment_run_build(cut_off=CUT_OFF)

    assert not PaymentRun.objects.exists() and not Payment.objects.exists()
    assert set(Redemption.objects.values_list("status", flat=True)) == {R.ENTERED}
    assert build_in_progress() == []


def test_building_the_same_cut_off_twice_changes_nothing() -> None:
    paid_organisations(3, 4)
    first = payment_run_build(cut_off=CUT_OFF)
    entries(Organisation.objects.first(), 2)  # entered "before" the cut-off, after the build
    snapshot = list(Payment.objects.values().order_by("pk"))
    statuses = Redemption.objects.values("status").annotate(n=Count("pk")).order_by("status")

    again = payment_run_build(cut_off=CUT_OFF)

    assert again.pk == first.pk
    assert list(Payment.objects.values().order_by("pk")) == snapshot
    assert list(
        Redemption.objects.values("status").annotate(n=Count("pk")).order_by("status")
    ) == list(statuses)


def test_finance_sees_the_progress_of_a_run_being_built(client: Client) -> None:
    paid_organisations(2, 3)
    client.force_login(UserFactory(finance=True))
    seen: dict[str, str] = {}
    original = build_module._check_conservation

    def look_at_the_list(run: PaymentRun, payments: list[Payment]) -> None:
        seen["page"] = text_of(parse_html(client.get(reverse("backoffice:payment_runs"))), "main")
        original(run, payments)

    with mock.patch.object(build_module, "_check_conservation", look_at_the_list):
        payment_run_build(cut_off=CUT_OFF)

    assert "Campagne du 16/11/2026 en cours de préparation" in seen["page"]
    assert "Étape 4 sur 4 : Contrôle de cohérence" in seen["page"]
    page = text_of(parse_html(client.get(reverse("backoffice:payment_runs"))), "main")
    assert "en cours de préparation" not in page
    assert build_in_progress() == []


def test_two_cut_offs_of_the_same_day_give_distinct_transfer_references() -> None:
    (organisation,) = paid_organisations(1, 2)
    first = payment_run_build(cut_off=CUT_OFF)
    entries(organisation, 1, entered_at=CUT_OFF + dt.timedelta(minutes=5))
    second = payment_run_build(cut_off=CUT_OFF + dt.timedelta(minutes=30))

    references = [run.payments.get().end_to_end_id for run in (first, second)]
    assert references[0] != references[1]
    assert all(len(reference) <= 35 for reference in references)
