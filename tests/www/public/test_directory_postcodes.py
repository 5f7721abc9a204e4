"""Issue 33 §5, the directory: a postcode typed in the search box finds the organisations of
that commune (or with that postcode in their address); the commune filter lists communes with
partners first and marks the others; an empty result suggests the nearest communes that have
partners, as links."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.organisations.models import Organisation
from passplus.organisations.search import nearest_communes_with_partners
from tests.helpers import factories
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("public:directory")


def names(client: Client, **params: Any) -> list[str]:
    response = client.get(DIRECTORY, params)
    assert response.status_code == 200
    return [" ".join(h.get_text().split()) for h in parse_html(response).select(".cards h2")]


def org(name: str, insee: str, **kwargs: Any) -> Organisation:
    return factories.OrganisationFactory(
        public_name=name, commune=factories.commune(insee), **kwargs
    )


def test_a_postcode_finds_the_organisations_of_its_commune_and_address(client: Client) -> None:
    org("Judo Club", "92050")  # Nanterre: 92000
    org("Club de voile", "92063", postcode="92000")  # its address is in Nanterre
    org("Théâtre d'Antony", "92002", postcode="92160")

    assert names(client, q="92000") == ["Club de voile", "Judo Club"]
    assert names(client, q="judo 92000") == ["Judo Club"]
    assert names(client, q="92160") == ["Théâtre d'Antony"]
    assert names(client, q="92999") == []


def test_a_commune_with_two_postcodes_is_found_by_either(client: Client) -> None:
    org("Meudon Escrime", "92048")  # Meudon: 92190 and 92360

    assert names(client, q="92360") == ["Meudon Escrime"]
    assert names(client, q="92190") == ["Meudon Escrime"]


def test_the_commune_filter_lists_communes_with_partners_first(client: Client) -> None:
    org("Judo Club", "92050")
    org("Théâtre d'Antony", "92002")
    factories.OrganisationFactory(commune=factories.commune("92004"), suspended=True)

    html = parse_html(client.get(DIRECTORY))

    labels = [option.get_text() for option in html.select("#id_commune option")]
    assert labels[:3] == ["Toutes les communes", "Antony", "Nanterre"]
    assert "Asnières-sur-Seine (aucun partenaire)" in labels  # a suspended one is not listed
    assert labels.index("Asnières-sur-Seine (aucun partenaire)") > labels.index("Nanterre")


def test_an_empty_commune_suggests_the_nearest_communes_with_partners(client: Client) -> None:
    org("Judo Club", "92050")  # 92000
    org("Théâtre d'Antony", "92002")  # 92160
    org("Escrime", "92023")  # Clamart: 92140

    response = client.get(DIRECTORY, {"commune": "92040", "domain": "sport"})  # Issy: 92130

    empty = parse_html(response).select_one(".directory-empty")
    assert empty is not None
    assert "Communes proches avec des partenaires" in empty.get_text()
    links = [(a.get_text(" ", strip=True), a["href"]) for a in empty.select("a[href^='?']")]
    assert links[0] == ("Clamart", "?commune=92023&domain=sport")  # the other criteria kept
    assert [label for label, _href in links][:3] == ["Clamart", "Antony", "Nanterre"]


def test_no_suggestion_when_results_are_found(client: Client) -> None:
    org("Judo Club", "92050")

    html = parse_html(client.get(DIRECTORY, {"commune": "92050"}))

    assert html.select_one(".directory-empty") is None
    assert "Communes proches" not in html.get_text()


def test_nearest_communes_prefer_close_postcodes() -> None:
    for insee in ("92050", "92002", "92023", "92040"):  # 92000, 92160, 92140, Issy 92130
        org(f"Club {insee}", insee)

    nearest = nearest_communes_with_partners(
        factories.commune("92040"), Organisation.objects.listed()
    )

    # Issy itself left out; same first three digits first, then the closest number.
    assert [commune.name for commune in nearest] == ["Clamart", "Antony", "Nanterre"]
