"""The dashboards' year selector (the current campaign by default, another one in the query
string, an unknown one not found) and who may see the dashboards."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.campaigns.models import SchoolYear
from tests.helpers.dashboards import ELUARD, csv_text, figure, paris, redemption, table
from tests.helpers.factories import SchoolYearFactory, UserFactory, WalletFactory
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


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
    assert "Aucune année scolaire n'est configurée." in soup.get_text()
    url = reverse("backoffice:dashboard_csv", args=["montants-par-commune"])
    assert staff.get(url).status_code == 404


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
