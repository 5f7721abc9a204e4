"""The partner's CSV of its redemptions: French Excel format, filters, no formula injection,
only its own rows, streamed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse

from passplus.core.exports import neutralise
from passplus.payments.models import Payment, PaymentStatus
from tests.helpers.factories import (
    OrganisationFactory,
    PupilFactory,
    RedemptionFactory,
    TicketFactory,
    UserFactory,
    WalletFactory,
)
from tests.helpers.pages import read_csv

pytestmark = pytest.mark.django_db


def test_the_export_is_french_excel_csv_of_the_organisations_own_rows(client: Client) -> None:
    organisation = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    pupil = PupilFactory(first_name='=HYPERLINK("http://x")', last_name="Éloïse")
    ticket = TicketFactory(wallet=WalletFactory(pupil=pupil), amount_cents=2050, used=True)
    RedemptionFactory(ticket=ticket, organisation=organisation)
    RedemptionFactory(organisation=organisation, reimbursed=True)
    RedemptionFactory(organisation=OrganisationFactory())  # another organisation's

    response = client.get(reverse("partner:redemptions_csv"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:4] == ["Numéro du ticket", "Collégien", "Date de saisie", "Montant (€)"]
    assert len(rows) == 3
    mine = next(row for row in rows[1:] if "Éloïse" in row[1])
    assert mine[1].startswith("'=")  # the formula is neutralised
    assert mine[3] == "20,50"
    assert mine[5] == "Saisi"
    assert len(mine[2]) == 10 and mine[2][2] == "/"  # dd/mm/yyyy


def test_the_export_keeps_the_lists_filters(client: Client) -> None:
    organisation = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    RedemptionFactory(organisation=organisation)
    RedemptionFactory(organisation=organisation, reimbursed=True)

    rows = read_csv(client.get(reverse("partner:redemptions_csv"), {"status": "reimbursed"}))

    assert [row[5] for row in rows[1:]] == ["Remboursé"]


@pytest.mark.parametrize("value", ["=1+1", "+33", "-2", "@SUM(A1)", "\tx"])
def test_formula_prefixes_are_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise("Club") == "Club"


def test_other_roles_cannot_export(client: Client) -> None:
    client.force_login(UserFactory(gestionnaire=True))
    assert client.get(reverse("partner:redemptions_csv")).status_code == 403


def test_the_same_export_as_an_excel_workbook(client: Client) -> None:
    from openpyxl import load_workbook

    organisation = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    pupil = PupilFactory(first_name="@SOMME(A1)", last_name="Zoé")
    ticket = TicketFactory(wallet=WalletFactory(pupil=pupil), amount_cents=1500, used=True)
    RedemptionFactory(ticket=ticket, organisation=organisation)
    RedemptionFactory(organisation=OrganisationFactory())

    response = client.get(reverse("partner:redemptions_xlsx"))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Numéro du ticket"
    assert len(rows) == 2
    assert rows[1][1] == "'@SOMME(A1) Zoé"  # text, never a formula
    assert rows[1][3] == 15


def test_the_xlsx_holds_numbers_in_euros_and_real_dates_that_excel_can_add_and_sort(
    client: Client,
) -> None:
    """Issue 18: amounts were text ("35,00") and dates text: Excel could neither add nor sort."""
    organisation = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    amounts = [2050, 3500, 1000]
    for cents in amounts:
        RedemptionFactory(
            ticket=TicketFactory(amount_cents=cents, used=True), organisation=organisation
        )
    paid = RedemptionFactory(organisation=organisation, reimbursed=True)
    Payment.objects.filter(pk=paid.payment_id).update(
        status=PaymentStatus.PAID, settled_at=dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.UTC)
    )
    response = client.get(reverse("partner:redemptions_xlsx"))
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    sheet = workbook.active
    body = list(sheet.iter_rows(min_row=2))
    assert len(body) == 4
    for row in body:
        amount, entered = row[3], row[2]
        assert amount.data_type == "n" and isinstance(amount.value, (int, float))
        assert "€" in amount.number_format
        assert entered.is_date and entered.number_format == "DD/MM/YYYY"
        assert isinstance(row[0].value, str)  # the ticket number stays text
    total_cents = sum(amounts) + paid.amount_cents
    assert round(sum(row[3].value for row in body) * 100) == total_cents
    settled = next(row for row in body if row[8].value is not None)[8]
    # 23:30 UTC on 20 November is 21 November in Paris.
    assert settled.is_date and settled.value.date() == dt.date(2026, 11, 21)
