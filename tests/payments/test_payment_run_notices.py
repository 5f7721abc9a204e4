"""Organisations left out of a run for lack of validated bank details are e-mailed once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from passplus.payments.build import payment_run_build
from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    RedemptionFactory,
    UserFactory,
)
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def build(days: int) -> None:
    payment_run_build(cut_off=timezone.now() + dt.timedelta(days=days))
    run_queued_tasks()


def test_left_out_organisations_are_e_mailed_once_until_they_have_validated_details() -> None:
    without = OrganisationFactory(representative_email="president@club.example.fr")
    member = UserFactory(organisation_member=True, organisation=without)
    RedemptionFactory(organisation=without)
    paid = OrganisationFactory(representative_email="tresorier@paye.example.fr")
    BankAccountFactory(organisation=paid, validated=True)
    RedemptionFactory(organisation=paid)

    build(1)

    (message,) = mail.outbox
    assert sorted(message.to) == sorted([member.email, "president@club.example.fr"])
    assert "coordonnées bancaires manquantes" in message.body
    build(2)
    assert len(mail.outbox) == 1  # once, not at every run

    account = BankAccountFactory(organisation=without, pending=True)
    account.validate(actor=UserFactory(gestionnaire=True))
    without.refresh_from_db()
    assert without.missing_bank_details_notified_at is None
