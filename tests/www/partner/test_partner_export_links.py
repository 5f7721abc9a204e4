"""Issue 33 §3: one link per export format that says it once with its size; the file is named
by the organisation and the period; the CSV lists rows in the screen's order."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.helpers.factories import OrganisationFactory, RedemptionFactory, UserFactory
from tests.helpers.pages import parse_html, read_csv

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def test_each_export_link_names_its_format_once_with_its_size(client: Client) -> None:
    organisation = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    RedemptionFactory(organisation=organisation)

    html = parse_html(client.get(reverse("partner:redemptions")))
    csv_link = html.select_one(f'a[href^="{reverse("partner:redemptions_csv")}"]')
    xlsx_link = html.select_one(f'a[href^="{reverse("partner:redemptions_xlsx")}"]')
    assert csv_link is not None and xlsx_link is not None
    csv_text = " ".join(csv_link.get_text().split())
    xlsx_text = " ".join(xlsx_link.get_text().split())
    assert csv_text.count("CSV") == 1 and "Excel" not in csv_text and "Ko" in csv_text
    assert xlsx_text.count("XLSX") == 1 and "CSV" not in xlsx_text and "Ko" in xlsx_text


def test_the_file_name_carries_the_organisation_and_the_period(client: Client) -> None:
    organisation = OrganisationFactory(legal_name="Judo Club d'Antony")
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    RedemptionFactory(organisation=organisation)

    response = client.get(
        reverse("partner:redemptions_csv"), {"start": "2026-09-01", "end": "2026-12-07"}
    )
    assert (
        'filename="passplus-saisies-judo-club-dantony-2026-09-01-2026-12-07.csv"'
        in response["Content-Disposition"]
    )
    xlsx = client.get(reverse("partner:redemptions_xlsx"))  # no period typed: up to today
    assert "passplus-saisies-judo-club-dantony-" in xlsx["Content-Disposition"]
    assert f"-{timezone.localdate():%Y-%m-%d}.xlsx" in xlsx["Content-Disposition"]


def test_the_csv_lists_rows_in_the_screens_order(client: Client) -> None:
    organisation = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    for day in (3, 1, 2):
        RedemptionFactory(
            organisation=organisation, entered_at=dt.datetime(2026, 11, day, 10, tzinfo=PARIS)
        )

    page = parse_html(client.get(reverse("partner:redemptions")))
    table = page.select_one("table:has(#liste-saisies)")
    assert table is not None
    screen = "".join(table.get_text().split())  # spaces aside: numbers compare as digits
    rows = read_csv(client.get(reverse("partner:redemptions_csv")))[1:]
    assert [row[2] for row in rows] == ["03/11/2026", "02/11/2026", "01/11/2026"]
    positions = [screen.find("".join(row[0].split())) for row in rows]  # ticket numbers, as printed
    assert -1 not in positions and positions == sorted(positions)
