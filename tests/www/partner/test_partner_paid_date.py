"""Issue 33 §3: a paid transfer is dated by its payment (settled_at), not by its run's cut-off."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers.factories import OrganisationFactory, PaymentFactory, UserFactory
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def test_a_paid_transfer_shows_its_payment_date_not_the_cut_off(client: Client) -> None:
    organisation = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    payment = PaymentFactory(
        organisation=organisation,
        paid=True,
        run__cut_off=dt.datetime(2026, 11, 16, tzinfo=PARIS),
        settled_at=dt.datetime(2026, 12, 7, 10, tzinfo=PARIS),
    )

    listing = text_of(parse_html(client.get(reverse("partner:reimbursements"))), "main")
    assert "avis de paiement du 07/12/2026" in listing
    assert "avis de paiement du 16/11/2026" not in listing

    detail = text_of(parse_html(client.get(reverse("partner:payment", args=[payment.pk]))), "h1")
    assert detail == "Virement payé le 07/12/2026"

    response = client.get(reverse("partner:payment_advice", args=[payment.pk]))
    assert "avis-de-paiement-2026-12-07.pdf" in response["Content-Disposition"]


def test_coupure_is_not_shown_to_partners_on_their_transfers(client: Client) -> None:
    organisation = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    paid = PaymentFactory(
        organisation=organisation,
        paid=True,
        run__cut_off=dt.datetime(2026, 11, 16, tzinfo=PARIS),
        settled_at=dt.datetime(2026, 12, 7, 10, tzinfo=PARIS),
    )

    listing = text_of(parse_html(client.get(reverse("partner:reimbursements"))), "main")
    detail = text_of(parse_html(client.get(reverse("partner:payment", args=[paid.pk]))), "main")
    for text in (listing, detail):
        assert "coupure" not in text.lower()
    assert "tickets saisis jusqu'au 15/11/2026 inclus" in detail
