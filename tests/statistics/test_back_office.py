"""The back office dashboard: figures checked against known data, in the page, in the SVG
charts and in the CSV files; the same figures computed from the demo data."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import User
from passplus.campaigns.models import SchoolYear
from passplus.core.enums import Domain, WalletDomain
from passplus.pupils.models import Wallet
from passplus.statistics.figures import Scope, uptake_by_college
from passplus.statistics.svg import Bar, bar_chart
from passplus.tickets.models import Redemption, RedemptionStatus
from tests.helpers.dashboards import (
    ELUARD,
    MOULIN,
    SVG,
    csv_text,
    euros,
    figure,
    paris,
    redemption,
    svgs,
    table,
)
from tests.helpers.factories import ActivityFactory, OrganisationFactory, WalletFactory, commune
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


def test_back_office_headline_figures_match_the_known_data(
    staff: Client, known: dict[str, Any]
) -> None:
    soup = parse_html(staff.get(reverse("backoffice:home")))

    assert figure(soup, "figure-collegiens") == "5"
    assert "dont 1 boursier" in soup.find(id="figure-collegiens").parent.get_text()
    assert euros(figure(soup, "figure-credit")) == "420,00 €"
    assert figure(soup, "figure-tickets") == "4"
    assert euros(figure(soup, "figure-saisies")) == "65,00 €"
    assert euros(figure(soup, "figure-rembourse")) == "30,00 €"
    assert euros(figure(soup, "figure-a-payer")) == "35,00 €"
    assert figure(soup, "figure-affilies") == "2"
    tickets = table(soup, "tickets-par-etat")
    assert tickets["Utilisé"] == ["3", "65,00\u00a0€"]
    assert tickets["Disponible"] == ["1", "10,00\u00a0€"]
    redemptions = table(soup, "saisies-par-etat")
    assert redemptions["Saisi"] == ["1", "20,00\u00a0€"]
    assert redemptions["En cours de paiement"] == ["1", "15,00\u00a0€"]
    assert redemptions["Remboursé"] == ["1", "30,00\u00a0€"]
    assert redemptions["Annulé"] == ["1", "10,00\u00a0€"]


def test_the_next_cut_off_is_the_next_1st_or_16th(staff: Client, year: SchoolYear) -> None:
    text = figure(parse_html(staff.get(reverse("backoffice:home"))), "figure-coupure")
    day = dt.datetime.strptime(text, "%d/%m/%Y").date()
    assert day.day in (1, 16)
    today = timezone.localdate()
    assert today < day <= today + dt.timedelta(days=16)


def test_amounts_by_commune_in_the_table_and_the_csv(staff: Client, known: dict[str, Any]) -> None:
    soup = parse_html(staff.get(reverse("backoffice:home")))

    assert table(soup, "donnees-montants-par-commune") == {
        "Antony": ["92002", "1", "15,00\u00a0€"],
        "Nanterre": ["92050", "2", "50,00\u00a0€"],
    }
    link = soup.find("a", href=re.compile("montants-par-commune.csv"))
    response = staff.get(link["href"])
    assert csv_text(response) == (
        "Commune;Code INSEE;Saisies;Montant (€)\r\n"
        "Antony;92002;1;15,00\r\n"
        "Nanterre;92050;2;50,00\r\n"
    )
    assert "attachment" in response["Content-Disposition"]


def test_entries_per_week_count_paris_weeks_and_show_empty_weeks(
    staff: Client, known: dict[str, Any]
) -> None:
    soup = parse_html(staff.get(reverse("backoffice:home")))

    assert table(soup, "donnees-saisies-par-semaine") == {
        "2025-S37": ["08/09/2025", "2", "50,00\u00a0€"],
        "2025-S38": ["15/09/2025", "0", "0,00\u00a0€"],
        "2025-S39": ["22/09/2025", "1", "15,00\u00a0€"],
    }
    response = staff.get(reverse("backoffice:dashboard_csv", args=["saisies-par-semaine"]))
    assert csv_text(response).splitlines() == [
        "Semaine;Lundi;Saisies;Montant (€)",
        "2025-S37;08/09/2025;2;50,00",
        "2025-S38;15/09/2025;0;0,00",
        "2025-S39;22/09/2025;1;15,00",
    ]


def test_amounts_by_domain_follow_the_activity_then_the_credit_then_the_partner(
    staff: Client, known: dict[str, Any]
) -> None:
    both = OrganisationFactory(offers_sport=True, offers_culture=True)
    redemption(
        both,
        700,
        paris(2025, 9, 8, 10),
        activity=ActivityFactory(organisation=both, domain=Domain.CULTURE),
    )
    redemption(both, 500, paris(2025, 9, 8, 10), wallet=WalletFactory(domain=WalletDomain.SPORT))
    redemption(both, 300, paris(2025, 9, 8, 10))  # "all" credit, no activity: not known

    soup = parse_html(staff.get(reverse("backoffice:home")))

    assert table(soup, "donnees-montants-par-domaine") == {
        "Sport": ["3", "55,00\u00a0€"],
        "Culture": ["2", "22,00\u00a0€"],
        "Non précisé": ["1", "3,00\u00a0€"],
    }
    response = staff.get(reverse("backoffice:dashboard_csv", args=["montants-par-domaine"]))
    assert csv_text(response).splitlines()[1:] == [
        "Sport;3;55,00",
        "Culture;2;22,00",
        "Non précisé;1;3,00",
    ]


def test_uptake_by_college_counts_pupils_with_a_live_redemption(
    staff: Client, known: dict[str, Any]
) -> None:
    soup = parse_html(staff.get(reverse("backoffice:home")))

    # Jean Moulin: 3 pupils, one used a ticket; the cancelled redemption does not count.
    assert table(soup, "donnees-recours-par-college") == {
        MOULIN: ["3", "1", "33,3\u00a0%"],
        ELUARD: ["2", "2", "100,0\u00a0%"],
    }
    response = staff.get(reverse("backoffice:dashboard_csv", args=["recours-par-college"]))
    assert csv_text(response).splitlines() == [
        "Collège;Collégiens;Ayant utilisé un ticket;Taux de recours (%)",
        f"{MOULIN};3;1;33,3",
        f"{ELUARD};2;2;100,0",
    ]


def test_a_pupil_with_two_credits_counts_once(year: SchoolYear) -> None:
    wallet = WalletFactory(pupil__college=ELUARD, domain=WalletDomain.SPORT)
    Wallet.objects.create(
        pupil=wallet.pupil, school_year=year, domain=WalletDomain.CULTURE, granted_cents=4000
    )
    redemption(OrganisationFactory(), 1000, paris(2025, 9, 8, 10), wallet=wallet)
    redemption(OrganisationFactory(), 1000, paris(2025, 9, 8, 10), wallet=wallet)

    rows = uptake_by_college(year)

    assert [(row["pupils"], row["users"], row["rate_tenths"]) for row in rows] == [(1, 1, 1000)]


def test_each_chart_is_valid_svg_with_one_bar_per_row(staff: Client, known: dict[str, Any]) -> None:
    html = staff.get(reverse("backoffice:home")).content.decode()
    soup = parse_html(html)

    charts = svgs(html)
    expected = {
        "saisies-par-semaine": 3,
        "montants-par-commune": 2,
        "montants-par-domaine": 2,
        "recours-par-college": 2,
    }
    assert set(charts) == {f"graphique-{slug}" for slug in expected}
    for slug, bars in expected.items():
        svg = charts[f"graphique-{slug}"]
        assert svg.get("role") == "img"
        title_id, desc_id = svg.get("aria-labelledby"), svg.get("aria-describedby")
        assert svg.find(f"{SVG}title").get("id") == title_id
        assert svg.find(f"{SVG}desc").get("id") == desc_id
        rects = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("class") == "bar"]
        assert len(rects) == bars == len(table(soup, f"donnees-{slug}"))
    # The longest bar is the largest amount: Nanterre, 50 EUR.
    communes = charts["graphique-montants-par-commune"]
    widths = [rect.get("width") for rect in communes.iter(f"{SVG}rect")]
    assert widths == ["21.00%", "70.00%"]


def test_chart_labels_are_escaped_and_shortened() -> None:
    markup = bar_chart(
        chart_id="essai",
        title="Titre <b>",
        description="Description",
        bars=[Bar("Collège « Très long » & <script>" + "x" * 60, 5, "5")],
    )
    svg = ET.fromstring(str(markup))  # noqa: S314 - our own markup
    label = svg.find(f"{SVG}g/{SVG}text").text
    assert label.startswith("Collège « Très long » & <script>") and label.endswith("…")
    assert len(label) == 42
    assert svg.find(f"{SVG}title").text == "Titre <b>"


def test_a_year_without_any_entry_says_so(staff: Client, year: SchoolYear) -> None:
    soup = parse_html(staff.get(reverse("backoffice:home")))

    assert not svgs(str(soup))
    assert "Aucune donnée pour cette année scolaire." in soup.get_text()
    assert soup.find(id="saisies-par-etat") is None


def test_the_page_runs_the_same_queries_for_more_data(staff: Client, known: dict[str, Any]) -> None:
    with CaptureQueriesContext(connection) as before:
        staff.get(reverse("backoffice:home"))
    for index in range(6):
        redemption(
            OrganisationFactory(commune=commune(["92012", "92025", "92040"][index % 3])),
            1000 + index,
            paris(2025, 10, 1, 10) + dt.timedelta(weeks=index),
            wallet=WalletFactory(pupil__college=f"Collège n°{index}"),
        )
    with CaptureQueriesContext(connection) as after:
        staff.get(reverse("backoffice:home"))

    assert len(after.captured_queries) == len(before.captured_queries)


# Demo data --------------------------------------------------------------------------------


def test_the_figures_match_the_demo_data(client: Client) -> None:
    call_command("demo", stdout=StringIO())
    year = SchoolYear.objects.current()
    assert year is not None
    live = (
        Redemption.objects.filter(ticket__wallet__school_year=year)
        .exclude(status=RedemptionStatus.CANCELLED)
        .select_related("organisation__commune")
    )
    by_commune: Counter[str] = Counter()
    for entry in live:
        by_commune[entry.organisation.commune.insee_code] += entry.amount_cents
    pupils: dict[str, set[int]] = defaultdict(set)
    users: dict[str, set[int]] = defaultdict(set)
    for wallet in Wallet.objects.filter(school_year=year).select_related("pupil"):
        pupils[wallet.pupil.college].add(wallet.pupil_id)
    for entry in live.select_related("ticket__wallet__pupil"):
        users[entry.ticket.wallet.pupil.college].add(entry.ticket.wallet.pupil_id)

    client.force_login(User.objects.get(email="gestionnaire@demo.passplus.fr"))
    rows = csv_text(client.get(reverse("backoffice:dashboard_csv", args=["montants-par-commune"])))
    assert {
        line.split(";")[1]: int(line.split(";")[3].replace(",", ""))
        for line in rows.splitlines()[1:]
    } == dict(by_commune)
    uptake = {row["college"]: (row["pupils"], row["users"]) for row in uptake_by_college(year)}
    assert uptake == {college: (len(ids), len(users[college])) for college, ids in pupils.items()}

    correspondent = User.objects.get(email="correspondant.1@demo.passplus.fr")
    followed = set(correspondent.communes.values_list("insee_code", flat=True))
    client.force_login(correspondent)
    url = reverse("correspondent:dashboard_csv", args=["montants-par-commune"])
    rows = csv_text(client.get(url))
    assert {line.split(";")[1] for line in rows.splitlines()[1:]} == followed & set(by_commune)
    scoped = Scope(year, communes=correspondent.communes.all()).live_redemptions()
    assert scoped.count() == sum(
        1 for entry in live if entry.organisation.commune.insee_code in followed
    )
