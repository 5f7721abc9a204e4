"""Dashboards of the back office and of the commune correspondents: figures checked against
known data, in the page, in the SVG charts and in the CSV files; the year selector; the
correspondent's scope; who may see them."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import User
from passplus.core.dashboard_figures import Scope, uptake_by_college
from passplus.core.enums import Domain, WalletDomain
from passplus.core.svg_charts import Bar, bar_chart
from passplus.pupils.models import SchoolYear, Wallet
from passplus.tickets.models import Redemption, RedemptionStatus
from tests.factories import (
    ActivityFactory,
    OrganisationFactory,
    RedemptionFactory,
    SchoolYearFactory,
    UserFactory,
    WalletFactory,
    commune,
)
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SVG = "{http://www.w3.org/2000/svg}"
ELUARD, MOULIN = "Collège Paul Éluard", "Collège Jean Moulin"


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def redemption(organisation: Any, cents: int, entered_at: dt.datetime, **extra: Any) -> Any:
    wallet = extra.pop("wallet", None) or WalletFactory()
    return RedemptionFactory(
        organisation=organisation,
        ticket__wallet=wallet,
        ticket__amount_cents=cents,
        entered_at=entered_at,
        **extra,
    )


@pytest.fixture
def year() -> SchoolYear:
    return SchoolYearFactory()


@pytest.fixture
def known(year: SchoolYear) -> dict[str, Any]:
    """3 live redemptions in 2 communes (Nanterre 20 + 30 EUR, Antony 15 EUR), a cancelled one
    (10 EUR, not counted), 5 pupils in 2 collèges (one scholarship holder)."""
    nanterre, antony = commune("92050"), commune("92002")
    judo = OrganisationFactory(commune=nanterre, public_name="Judo de Nanterre")
    theatre = OrganisationFactory(commune=antony, public_name="Théâtre d'Antony", culture=True)
    eluard_1 = WalletFactory(pupil__college=ELUARD)
    eluard_2 = WalletFactory(pupil__college=ELUARD, pupil__is_scholarship=True, granted_cents=10000)
    moulin = [WalletFactory(pupil__college=MOULIN) for _ in range(3)]
    # Monday 8 Sep 2025 (ISO week 37); the 3rd one on Monday 22 Sep at 00:30 in Paris, which is
    # still Sunday in UTC: it belongs to week 39 (the weeks are Paris weeks).
    redemption(judo, 2000, paris(2025, 9, 8, 10), wallet=eluard_1)
    redemption(judo, 3000, paris(2025, 9, 14, 23, 30), wallet=eluard_2, reimbursed=True)
    redemption(theatre, 1500, paris(2025, 9, 22, 0, 30), wallet=moulin[0], in_payment=True)
    RedemptionFactory(
        organisation=theatre,
        ticket__wallet=moulin[1],
        ticket__amount_cents=1000,
        cancelled=True,
        entered_at=paris(2025, 9, 9, 10),
    )
    return {"nanterre": nanterre, "antony": antony, "judo": judo, "theatre": theatre}


@pytest.fixture
def boulogne(known: dict[str, Any]) -> Any:
    """A partner of a third commune with one 40 EUR redemption."""
    club = OrganisationFactory(commune=commune("92012"), public_name="Club de Boulogne")
    redemption(club, 4000, paris(2025, 9, 10, 10))
    return club


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(UserFactory(gestionnaire=True))
    return client


@pytest.fixture
def correspondent(client: Client, known: dict[str, Any]) -> Client:
    user = UserFactory(correspondent=True)
    user.communes.add(known["nanterre"])
    client.force_login(user)
    return client


# Reading the page -------------------------------------------------------------------------


def table(soup: BeautifulSoup, table_id: str) -> dict[str, list[str]]:
    """{row header: [cells]} of a table."""
    element = soup.find(id=table_id)
    assert element is not None, f"no #{table_id}"
    if element.name != "table":
        element = element.find_parent("table")
    return {
        row.th.get_text(" ", strip=True): [td.get_text(" ", strip=True) for td in row("td")]
        for row in element.select("tbody tr")
    }


def figure(soup: BeautifulSoup, figure_id: str) -> str:
    element = soup.find(id=figure_id)
    assert element is not None, f"no #{figure_id}"
    return element.get_text(strip=True)


def svgs(html: str) -> dict[str, ET.Element]:
    """Each chart's SVG, parsed as XML (it must be well-formed), by id."""
    found = re.findall(r"<svg.*?</svg>", html, re.S)
    parsed = [ET.fromstring(markup) for markup in found]  # noqa: S314 - our own page
    return {element.get("id", ""): element for element in parsed}


def csv_text(response: Any) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return content.removeprefix("\ufeff")


def euros(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


# Back office ------------------------------------------------------------------------------


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
        title_id, desc_id = svg.get("aria-labelledby", "").split()
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
    assert "Aucune donnée pour cette campagne." in soup.get_text()
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


# Year selector ----------------------------------------------------------------------------


@pytest.fixture
def past_year(known: dict[str, Any]) -> SchoolYear:
    past = SchoolYearFactory(
        label="2020-2021",
        starts_on=dt.date(2020, 9, 1),
        ends_on=dt.date(2021, 8, 31),
        generation_deadline=dt.date(2021, 5, 31),
        redemption_deadline=dt.date(2021, 6, 30),
    )
    redemption(
        known["judo"],
        1234,
        paris(2020, 10, 5, 10),
        wallet=WalletFactory(school_year=past, pupil__college=ELUARD),
    )
    return past


def test_the_current_year_is_shown_by_default(staff: Client, past_year: SchoolYear) -> None:
    soup = parse_html(staff.get(reverse("backoffice:home")))

    assert soup.select_one("#choix-campagne option[selected]").get_text() == "campagne-en-cours"
    assert "12,34" not in soup.get_text()


def test_another_year_is_chosen_in_the_query_string(staff: Client, past_year: SchoolYear) -> None:
    soup = parse_html(staff.get(reverse("backoffice:home"), {"campagne": past_year.pk}))

    assert soup.select_one("#choix-campagne option[selected]").get_text() == "2020-2021"
    form = soup.find("select", id="choix-campagne").find_parent("form")
    assert form["method"] == "get" and form.find("button", type="submit")
    assert table(soup, "donnees-montants-par-commune") == {
        "Nanterre": ["92050", "1", "12,34\u00a0€"]
    }
    assert figure(soup, "figure-collegiens") == "1"
    links = [a["href"] for a in soup.find_all("a", href=re.compile(r"\.csv"))]
    assert links and all(link.endswith(f"?campagne={past_year.pk}") for link in links)
    response = staff.get(links[0].replace("saisies-par-semaine", "montants-par-commune"))
    assert csv_text(response).splitlines()[1:] == ["Nanterre;92050;1;12,34"]


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "99999999999999999999"])
def test_an_unknown_year_is_not_found(staff: Client, year: SchoolYear, value: str) -> None:
    assert staff.get(reverse("backoffice:home"), {"campagne": value}).status_code == 404
    url = reverse("backoffice:dashboard_csv", args=["montants-par-commune"])
    assert staff.get(url, {"campagne": value}).status_code == 404


def test_an_unknown_chart_is_not_found(staff: Client, year: SchoolYear) -> None:
    url = reverse("backoffice:dashboard_csv", args=["inconnu"])
    assert staff.get(url).status_code == 404


def test_without_any_year_the_home_still_answers(staff: Client) -> None:
    soup = parse_html(staff.get(reverse("backoffice:home")))
    assert "Aucune campagne n'est configurée." in soup.get_text()
    url = reverse("backoffice:dashboard_csv", args=["montants-par-commune"])
    assert staff.get(url).status_code == 404


# Correspondent ----------------------------------------------------------------------------


def test_a_correspondent_sees_only_their_communes_figures(
    correspondent: Client, boulogne: Any
) -> None:
    soup = parse_html(correspondent.get(reverse("correspondent:home")))
    text = soup.get_text()

    assert euros(figure(soup, "figure-saisies")) == "50,00 €"
    assert euros(figure(soup, "figure-rembourse")) == "30,00 €"
    assert euros(figure(soup, "figure-a-payer")) == "20,00 €"
    assert figure(soup, "figure-affilies") == "1"
    assert table(soup, "donnees-montants-par-commune") == {
        "Nanterre": ["92050", "2", "50,00\u00a0€"]
    }
    assert table(soup, "donnees-montants-par-domaine") == {
        "Sport": ["2", "50,00\u00a0€"],
        "Culture": ["0", "0,00\u00a0€"],
    }
    for other in ["Antony", "Théâtre", "Boulogne", "15,00", "40,00", "65,00", "105,00"]:
        assert other not in text, other
    # Pupils have no commune: the pupil-wide figures are the département's only.
    assert "recours-par-college" not in str(soup)
    assert soup.find(id="figure-collegiens") is None
    assert len(svgs(str(soup))) == 3


def test_the_correspondent_csv_files_are_limited_to_their_communes(
    correspondent: Client, boulogne: Any
) -> None:
    def csv(slug: str) -> list[str]:
        url = reverse("correspondent:dashboard_csv", args=[slug])
        return csv_text(correspondent.get(url)).splitlines()[1:]

    assert csv("montants-par-commune") == ["Nanterre;92050;2;50,00"]
    assert csv("saisies-par-semaine") == ["2025-S37;08/09/2025;2;50,00"]
    assert csv("montants-par-domaine") == ["Sport;2;50,00", "Culture;0;0,00"]
    url = reverse("correspondent:dashboard_csv", args=["recours-par-college"])
    assert correspondent.get(url).status_code == 404


def test_the_csv_links_of_the_correspondent_stay_in_their_space(
    correspondent: Client, known: dict[str, Any]
) -> None:
    soup = parse_html(correspondent.get(reverse("correspondent:home")))
    links = [a["href"] for a in soup.find_all("a", href=re.compile(r"\.csv"))]
    assert len(links) == 3
    assert all(link.startswith("/espace-correspondant/tableaux/") for link in links)


def test_a_correspondent_following_no_commune_sees_nothing(
    client: Client, known: dict[str, Any]
) -> None:
    client.force_login(UserFactory(correspondent=True))
    soup = parse_html(client.get(reverse("correspondent:home")))
    assert euros(figure(soup, "figure-saisies")) == "0,00 €"
    url = reverse("correspondent:dashboard_csv", args=["montants-par-commune"])
    assert csv_text(client.get(url)).splitlines() == ["Commune;Code INSEE;Saisies;Montant (€)"]


def test_a_correspondent_keeps_their_list_of_partners(
    correspondent: Client, known: dict[str, Any]
) -> None:
    soup = parse_html(correspondent.get(reverse("correspondent:home")))
    rows = soup.find(id="organismes-communes").find_parent("table").select("tbody tr")
    assert [row.td.get_text(strip=True) for row in rows] == ["Judo de Nanterre"]


# Access -----------------------------------------------------------------------------------


BACK_OFFICE_URLS = [
    ("backoffice:home", []),
    ("backoffice:dashboard_csv", ["montants-par-commune"]),
]
CORRESPONDENT_URLS = [
    ("correspondent:home", []),
    ("correspondent:dashboard_csv", ["montants-par-commune"]),
]


@pytest.mark.parametrize("traits", [{}, {"organisation_member": True}, {"correspondent": True}])
@pytest.mark.parametrize(("url_name", "args"), BACK_OFFICE_URLS)
def test_only_staff_reach_the_back_office_dashboard(
    client: Client, year: SchoolYear, traits: dict[str, Any], url_name: str, args: list[str]
) -> None:
    client.force_login(UserFactory(**traits))
    assert client.get(reverse(url_name, args=args)).status_code == 403


@pytest.mark.parametrize("traits", [{}, {"organisation_member": True}, {"gestionnaire": True}])
@pytest.mark.parametrize(("url_name", "args"), CORRESPONDENT_URLS)
def test_only_correspondents_reach_their_dashboard(
    client: Client, year: SchoolYear, traits: dict[str, Any], url_name: str, args: list[str]
) -> None:
    client.force_login(UserFactory(**traits))
    assert client.get(reverse(url_name, args=args)).status_code == 403


@pytest.mark.parametrize(("url_name", "args"), BACK_OFFICE_URLS + CORRESPONDENT_URLS)
def test_anonymous_visitors_are_sent_to_log_in(
    client: Client, year: SchoolYear, url_name: str, args: list[str]
) -> None:
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_staff_without_the_second_factor_are_asked_for_it(year: SchoolYear) -> None:
    plain = Client()
    plain.force_login(UserFactory(finance=True))
    url = reverse("backoffice:dashboard_csv", args=["montants-par-commune"])
    response = plain.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))


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
