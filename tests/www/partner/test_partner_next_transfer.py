"""Issue 33 §3: « Prochain virement : 300,00 € pour 11 tickets, vers le <date> » on « Mes
remboursements » and the partner's home — the expected payment day, never the cut-off."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    RedemptionFactory,
    UserFactory,
)
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("page", ["partner:reimbursements", "partner:home"])
def test_the_next_transfer_names_its_amount_tickets_and_payment_day(
    client: Client, page: str, settings: object
) -> None:
    settings.PASSPLUS_PAYMENT_DELAY_DAYS = 10  # type: ignore[attr-defined]
    organisation = OrganisationFactory()
    BankAccountFactory(organisation=organisation, validated=True)
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    with time_machine.travel(dt.datetime(2026, 12, 7, 12, tzinfo=PARIS), tick=False):
        for _ in range(11):
            RedemptionFactory(organisation=organisation, amount_cents=2000)
        RedemptionFactory(organisation=organisation, amount_cents=10000)
        text = text_of(parse_html(client.get(reverse(page))), "main")
    # The cut-off is 16/12 at 00:00: entries up to 15/12 included, paid around 26/12.
    assert "Prochain virement : 320,00 € pour 12 tickets, vers le 26/12/2026" in text
    assert "jusqu'au 15/12/2026 inclus" in text
    assert "coupure" not in text.lower()


def test_the_receipt_names_the_day_of_the_transfer_the_entry_will_be_in(
    client: Client, settings: object
) -> None:
    settings.PASSPLUS_PAYMENT_DELAY_DAYS = 10  # type: ignore[attr-defined]
    organisation = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    redemption = RedemptionFactory(
        organisation=organisation, entered_at=dt.datetime(2026, 12, 7, 12, tzinfo=PARIS)
    )
    page = client.get(reverse("partner:redemption", args=[redemption.pk]))
    text = text_of(parse_html(page), "main")
    assert "Ce ticket sera payé dans le virement attendu vers le 26/12/2026." in text
