"""The commune correspondent's dashboard: the figures, charts and CSV files of the communes
they follow, and only those."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers.dashboards import csv_text, euros, figure, paris, redemption, svgs, table
from tests.helpers.factories import OrganisationFactory, UserFactory, commune
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def boulogne(known: dict[str, Any]) -> Any:
    """A partner of a third commune with one 40 EUR redemption."""
    club = OrganisationFactory(commune=commune("92012"), public_name="Club de Boulogne")
    redemption(club, 4000, paris(2025, 9, 10, 10))
    return club


@pytest.fixture
def correspondent(client: Client, known: dict[str, Any]) -> Client:
    user = UserFactory(correspondent=True)
    user.communes.add(known["nanterre"])
    client.force_login(user)
    return client


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
