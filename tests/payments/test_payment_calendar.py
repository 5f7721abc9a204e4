"""The payment calendar and the daily command that builds the runs of past cut-offs."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from passplus.payments.calendar import cut_off_on, cut_offs_between, next_cut_off
from passplus.payments.models import PaymentRun
from passplus.tickets.models import Redemption, RedemptionStatus
from tests.helpers.factories import BankAccountFactory, OrganisationFactory, RedemptionFactory

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def test_cut_offs_are_the_1st_and_16th_at_midnight_paris_time() -> None:
    found = cut_offs_between(paris(2026, 11, 16, 0, 0), paris(2027, 1, 16, 0, 0))
    assert found == [
        paris(2026, 12, 1),
        paris(2026, 12, 16),
        paris(2027, 1, 1),
        paris(2027, 1, 16),
    ]
    # Midnight in Paris is 23:00 UTC the day before in winter.
    assert cut_off_on(dt.date(2026, 12, 1)).astimezone(dt.UTC).hour == 23


def test_the_calendar_is_a_setting(settings: object) -> None:
    settings.PASSPLUS_CUTOFF_DAYS = [5]  # type: ignore[attr-defined]
    assert next_cut_off(paris(2026, 11, 28, 10, 0)) == paris(2026, 12, 5)


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("build_due_payment_runs", *args, stdout=out)
    return out.getvalue()


def entered_days_ago(days: int, **extra: object) -> Redemption:
    redemption = RedemptionFactory(**extra)
    Redemption.objects.filter(pk=redemption.pk).update(
        entered_at=timezone.now() - dt.timedelta(days=days)
    )
    return redemption


@pytest.mark.django_db
def test_dry_run_by_default_builds_nothing() -> None:
    organisation = OrganisationFactory()
    BankAccountFactory(organisation=organisation, validated=True)
    entered_days_ago(20, organisation=organisation)

    output = run_command()

    assert "[simulation]" in output and "--wet-run" in output
    assert not PaymentRun.objects.exists()


@pytest.mark.django_db
def test_wet_run_builds_each_missing_past_cut_off_once() -> None:
    organisation = OrganisationFactory()
    BankAccountFactory(organisation=organisation, validated=True)
    old = entered_days_ago(20, organisation=organisation)
    recent = entered_days_ago(0, organisation=organisation)

    output = run_command("--wet-run")

    runs = list(PaymentRun.objects.order_by("cut_off"))
    assert runs and all(run.cut_off <= timezone.now() for run in runs)
    assert "construite" in output
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == RedemptionStatus.IN_PAYMENT
    assert recent.status == RedemptionStatus.ENTERED  # after the last cut-off: next run
    assert "Aucune campagne" in run_command("--wet-run")  # idempotent
    assert PaymentRun.objects.count() == len(runs)


@pytest.mark.django_db
def test_nothing_waiting_means_nothing_to_build() -> None:
    assert "Aucune campagne" in run_command("--wet-run")
    assert not PaymentRun.objects.exists()
