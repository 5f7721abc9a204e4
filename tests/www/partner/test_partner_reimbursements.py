""" "Mes remboursements": totals, next cut-off, transfers and their tickets — only the
organisation's own."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers.factories import (
    OrganisationFactory,
    PaymentFactory,
    RedemptionFactory,
    UserFactory,
)
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db


def test_the_page_shows_totals_transfers_and_their_tickets(client: Client) -> None:
    organisation = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    payment = PaymentFactory(organisation=organisation, amount_cents=2000, ticket_count=1)
    RedemptionFactory(organisation=organisation, in_payment=True, payment=payment)
    RedemptionFactory(organisation=organisation)
    PaymentFactory(organisation=OrganisationFactory(), amount_cents=9900)

    page = text_of(parse_html(client.get(reverse("partner:reimbursements"))), "main")
    assert "Prochain virement" in page and "coupure" not in page
    assert "20,00" in page and "99,00" not in page

    detail = text_of(parse_html(client.get(reverse("partner:payment", args=[payment.pk]))), "main")
    assert payment.end_to_end_id in detail
    assert "L. D." in detail  # pupil initials only


def test_another_organisations_transfer_is_a_404(client: Client) -> None:
    client.force_login(UserFactory(organisation_member=True))
    other = PaymentFactory(organisation=OrganisationFactory())
    assert client.get(reverse("partner:payment", args=[other.pk])).status_code == 404


def test_the_remittance_advice_of_a_paid_transfer_downloads(client: Client) -> None:
    organisation = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    paid = PaymentFactory(organisation=organisation, paid=True)
    pending = PaymentFactory(organisation=organisation)
    foreign = PaymentFactory(organisation=OrganisationFactory(), paid=True)

    response = client.get(reverse("partner:payment_advice", args=[paid.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    for payment in (pending, foreign):
        assert client.get(reverse("partner:payment_advice", args=[payment.pk])).status_code == 404
