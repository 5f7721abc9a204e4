"""The public directory (/annuaire/): search, filters, pages, help block and open data."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.core.enums import Domain
from passplus.organisations.models import Activity, Organisation
from passplus.organisations.search import normalise, rebuild_search_columns
from passplus.www.public.directory_forms import DirectorySearchForm
from tests.helpers import factories
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("public:directory")


def names(client: Client, **params: Any) -> list[str]:
    """The organisation names the directory lists for these GET parameters, in order."""
    response = client.get(DIRECTORY, params)
    assert response.status_code == 200
    return [" ".join(h.get_text().split()) for h in parse_html(response).select(".cards h2")]


def csv_text(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def org(name: str, **kwargs: Any) -> Organisation:
    return factories.OrganisationFactory(public_name=name, **kwargs)


def activity(organisation: Organisation, **kwargs: Any) -> Activity:
    return factories.ActivityFactory(organisation=organisation, **kwargs)


# Text search ----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["theatre", "THEATRE", "Théâtre", "thé", "THEÂTRE amandiers"])
def test_text_search_ignores_accents_and_case(client: Client, query: str) -> None:
    org("Théâtre des Amandiers")
    org("Judo Club")
    assert names(client, q=query) == ["Théâtre des Amandiers"]


def test_text_search_matches_the_start_of_words_only(client: Client) -> None:
    org("Football Club")
    org("Quartier libre")
    assert names(client, q="foot") == ["Football Club"]
    assert names(client, q="art") == []


def test_every_word_must_match_and_small_words_are_ignored(client: Client) -> None:
    org("Judo Club de Nanterre", city="Nanterre")
    org("Judo Club", city="Sceaux")
    assert names(client, q="club de judo nanterre") == ["Judo Club de Nanterre"]


def test_activities_and_description_are_searched_and_follow_changes(client: Client) -> None:
    club = org("Club Omnisports", description="Ouvert le mercredi")
    fencing = activity(club, name="Escrime artistique", activity_type="escrime")
    assert names(client, q="mercredi") == ["Club Omnisports"]
    assert names(client, q="escrime") == ["Club Omnisports"]
    fencing.delete()
    assert names(client, q="escrime") == []


def test_a_renamed_organisation_is_found_by_its_new_name(client: Client) -> None:
    club = org("Ancien nom")
    activity(club, name="Échecs", activity_type="échecs")
    club.public_name = "Cercle Philidor"
    club.save(update_fields=["public_name"])
    assert names(client, q="philidor") == ["Cercle Philidor"]
    assert names(client, q="ancien") == []
    # The activity words survive a save of the organisation's own fields.
    assert names(client, q="echecs") == ["Cercle Philidor"]


def test_a_name_match_ranks_above_an_activity_match_above_a_description_match(
    client: Client,
) -> None:
    org("Atelier Zèbre", description="On y danse le jeudi")
    activity(org("Maison pour tous"), name="Danse contemporaine", activity_type="danse")
    org("Danse Passion")
    org("Club de voile")
    assert names(client, q="danse") == ["Danse Passion", "Maison pour tous", "Atelier Zèbre"]


def test_without_a_query_organisations_are_sorted_by_name_ignoring_accents(client: Client) -> None:
    for name in ["Zumba", "École de cirque", "Aviron", "escalade"]:
        org(name)
    assert names(client) == ["Aviron", "École de cirque", "escalade", "Zumba"]


def test_bulk_written_organisations_are_found_after_a_rebuild(client: Client) -> None:
    source = org("Modèle")
    Organisation.objects.filter(pk=source.pk).update(public_name="Capoeira Brasil", search_text="")
    assert names(client, q="capoeira") == []
    assert rebuild_search_columns(Organisation, Activity) == 1
    assert names(client, q="capoeira") == ["Capoeira Brasil"]


def test_normalise_folds_accents_ligatures_and_punctuation() -> None:
    assert normalise("Cœur d'Élan — ÉTÉ_2025") == " coeur d elan ete 2025 "
    assert normalise("", "  ") == ""


# Filters --------------------------------------------------------------------------------------


def test_the_commune_filter(client: Client) -> None:
    org("Club de Nanterre", commune=factories.commune("92050"))
    org("Club d'Antony", commune=factories.commune("92002"))
    assert names(client, commune="92002") == ["Club d'Antony"]


def test_the_commune_list_is_cached_and_follows_a_renamed_commune(
    client: Client, django_assert_num_queries: Any
) -> None:
    def commune_options() -> list[str]:
        page = parse_html(client.get(DIRECTORY))
        return [option.get_text() for option in page.select("#id_commune option")]

    # No partner in Antony: marked so (issue 33 §5).
    assert "Antony (aucun partenaire)" in commune_options()
    antony = factories.commune("92002")
    antony.name = "Antony-la-Belle"
    antony.save()
    options = commune_options()
    assert "Antony-la-Belle (aucun partenaire)" in options
    assert "Antony (aucun partenaire)" not in options
    assert options[0] == "Toutes les communes" and len(options) == 37  # the 36 communes
    # Once cached, the list costs no query (a chosen commune is still checked by the field).
    with django_assert_num_queries(0):
        DirectorySearchForm(listed=Organisation.objects.listed())["commune"].as_widget()
    response = client.get(DIRECTORY, {"commune": "99999"})
    assert "ne fait pas partie du territoire" in response.content.decode()


def test_the_domain_filter_uses_activities_and_the_organisation_flags(client: Client) -> None:
    activity(org("Conservatoire", offers_sport=False), domain=Domain.CULTURE, name="Piano")
    org("Théâtre sans activité décrite", culture=True)
    activity(org("Stade"), domain=Domain.SPORT)
    assert names(client, domain="culture") == ["Conservatoire", "Théâtre sans activité décrite"]
    assert names(client, domain="sport") == ["Stade"]
    # The empty choice means any domain, and says so (issue 18: it read "Sport et culture").
    page = parse_html(client.get(DIRECTORY))
    labels = [label.get_text(" ", strip=True) for label in page.select("label[for^=id_domain_]")]
    assert labels[0] == "Tous les domaines"
    assert len(names(client, domain="")) == 3


def test_the_activity_type_filter_groups_spellings(client: Client) -> None:
    activity(org("Les Tréteaux"), activity_type="théâtre", domain=Domain.CULTURE)
    activity(org("La Scène"), activity_type="Theatre", domain=Domain.CULTURE)
    activity(org("Dojo"), activity_type="judo")
    page = parse_html(client.get(DIRECTORY))
    options = [option.get_text() for option in page.select("#id_activity_type option")]
    assert options == ["Tous les types", "Judo", "Théâtre"]
    assert names(client, activity_type="theatre") == ["La Scène", "Les Tréteaux"]


def test_the_activity_types_list_follows_new_and_removed_activities(client: Client) -> None:
    dojo = org("Dojo")
    judo = activity(dojo, activity_type="judo")

    def types() -> list[str]:
        page = parse_html(client.get(DIRECTORY))
        return [option.get_text() for option in page.select("#id_activity_type option")][1:]

    assert types() == ["Judo"]  # now cached
    activity(dojo, activity_type="karaté")
    assert types() == ["Judo", "Karaté"]
    assert names(client, activity_type="karate") == ["Dojo"]
    judo.delete()
    assert types() == ["Karaté"]
    dojo.listed_in_directory = False
    dojo.save()
    assert types() == []


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (10, ["Éveil (tous âges)"]),
        (11, ["Collège (11-15)", "Éveil (tous âges)"]),
        (15, ["Collège (11-15)", "Éveil (tous âges)", "Lycée (15+)"]),
        (16, ["Éveil (tous âges)", "Lycée (15+)"]),
    ],
)
def test_the_age_filter_respects_both_bounds(client: Client, age: int, expected: list[str]) -> None:
    activity(org("Collège (11-15)"), min_age=11, max_age=15)
    activity(org("Lycée (15+)"), min_age=15, max_age=None)
    activity(org("Éveil (tous âges)"), min_age=None, max_age=None)
    assert names(client, age=age) == expected


def test_combined_filters_apply_to_one_and_the_same_activity(client: Client) -> None:
    nanterre = factories.commune("92050")
    both = org("Maison des jeunes", commune=nanterre, offers_culture=True)
    activity(both, domain=Domain.SPORT, min_age=6, max_age=10, name="Baby gym")
    activity(both, domain=Domain.CULTURE, min_age=12, max_age=17, name="Théâtre ados")
    other = org("Théâtre d'Antony", commune=factories.commune("92002"), culture=True)
    activity(other, domain=Domain.CULTURE, min_age=12, max_age=17, name="Théâtre")
    assert names(client, domain="culture", age=12, commune="92050") == ["Maison des jeunes"]
    assert names(client, domain="sport", age=12) == []
    assert names(client, domain="culture", age=12, q="theatre") == [
        "Théâtre d'Antony",
        "Maison des jeunes",
    ]


def test_pagination_keeps_the_search_in_its_links(client: Client) -> None:
    for number in range(25):
        org(f"Club {number:02d}", commune=factories.commune("92002"))
    org("Autre structure", commune=factories.commune("92002"))
    first = parse_html(client.get(DIRECTORY, {"q": "club", "commune": "92002"}))
    assert len(first.select(".cards h2")) == 20
    assert "25 organismes trouvés, page 1 sur 2" in text_of(first, "#nombre-resultats")
    next_link = first.select_one("nav[aria-label='Pages de résultats'] a")["href"]
    assert next_link == "?q=club&commune=92002&page=2"
    second = parse_html(client.get(DIRECTORY + next_link))
    assert len(second.select(".cards h2")) == 5
    assert first.select_one("a[href^='/annuaire/annuaire.csv']")["href"] == (
        "/annuaire/annuaire.csv?q=club&commune=92002"
    )


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"commune": "99999"}, "commune", "Cette commune ne fait pas partie du territoire"),
        ({"age": "abc"}, "age", "Indiquez un âge en chiffres"),
        ({"age": "-3"}, "age", "Indiquez un âge en chiffres"),
        ({"age": "250"}, "age", "Indiquez un âge en chiffres"),
        ({"domain": "cuisine"}, "domain", "Choisissez « Sport », « Culture »"),
        ({"activity_type": "plongee"}, "activity_type", "Aucun organisme ne propose ce type"),
        ({"q": "x" * 101}, "q", "Raccourcissez la recherche"),
    ],
)
def test_a_wrong_criterion_is_explained_in_french_and_left_out(
    client: Client, params: dict[str, str], field: str, message: str
) -> None:
    org("Judo Club")
    response = client.get(DIRECTORY, params)
    assert response.status_code == 200
    page = parse_html(response)
    assert message in text_of(page, f"#id_{field}_error")
    summary = page.select_one("#resume-erreurs")  # the error summary, focused on load
    assert summary is not None and summary.has_attr("autofocus")
    assert message in text_of(page, "#resume-erreurs")
    links = {str(link["href"]) for link in summary.select("a[href]")}
    assert {f"#id_{field}", f"#id_{field}_0"} & links  # a group links to its first input
    assert page.title is not None and page.title.get_text().startswith("Erreur : ")
    assert [h.get_text(strip=True) for h in page.select(".cards h2")] == ["Judo Club"]


@pytest.mark.parametrize("page_number", ["9999", "abc", "-1"])
@pytest.mark.parametrize("search", [{}, {"q": "club"}])
def test_an_impossible_page_number_shows_a_real_page(
    client: Client, page_number: str, search: dict[str, str]
) -> None:
    for number in range(21):
        org(f"Club {number:02d}")
    page = parse_html(client.get(DIRECTORY, {**search, "page": page_number}))
    last = page_number in ("9999", "-1")  # Django: out of range gives the last page
    expected = ["Club 20"] if last else [f"Club {n:02d}" for n in range(20)]
    assert [h.get_text(strip=True) for h in page.select(".cards h2")] == expected


def test_searched_pages_keep_the_relevance_order_across_pages(client: Client) -> None:
    for number in range(22):
        org(f"Association {number:02d}", description="Judo pour les collégiens")
    org("Judo Club de Sceaux")  # the word in the name: first
    first = names(client, q="judo")
    second = names(client, q="judo", page="2")
    assert first[0] == "Judo Club de Sceaux" and len(first) == 20
    assert first[1:] == [f"Association {n:02d}" for n in range(19)]
    assert second == ["Association 19", "Association 20", "Association 21"]


@pytest.mark.parametrize("url_name", ["public:directory_csv", "public:directory_json"])
def test_open_data_refuses_a_wrong_criterion_in_french(client: Client, url_name: str) -> None:
    response = client.get(reverse(url_name), {"age": "abc", "commune": "99999"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Recherche invalide" in text
    assert "Indiquez un âge en chiffres" in text
    assert "ne fait pas partie du territoire" in text


# Who is shown ---------------------------------------------------------------------------------


@pytest.fixture
def hidden() -> list[Organisation]:
    """Organisations that must never appear, each findable by the word 'caché'."""
    return [
        org("Club caché suspendu", suspended=True),
        org("Club caché résilié", terminated=True),
        org("Club caché discret", listed_in_directory=False),
        org("Club caché en signature", signing=True),
    ]


def test_hidden_organisations_never_appear_in_the_list(
    client: Client, hidden: list[Organisation]
) -> None:
    org("Club visible caché")
    assert names(client, q="cache") == ["Club visible caché"]
    assert names(client) == ["Club visible caché"]


def test_hidden_organisations_have_no_page(client: Client, hidden: list[Organisation]) -> None:
    for organisation in hidden:
        response = client.get(reverse("public:organisation", args=[organisation.pk]))
        assert response.status_code == 404
    assert client.get(reverse("public:organisation", args=[987654])).status_code == 404


def test_hidden_organisations_never_appear_in_open_data(
    client: Client, hidden: list[Organisation]
) -> None:
    org("Club visible")
    csv_lines = csv_text(client.get(reverse("public:directory_csv"))).splitlines()
    data = json.loads(client.get(reverse("public:directory_json")).content)
    assert len(csv_lines) == 2 and csv_lines[1].startswith("Club visible;")
    assert [record["nom"] for record in data["organismes"]] == ["Club visible"]
    assert data["nombre"] == 1
    assert "caché" not in "".join(csv_lines)


# Open data ------------------------------------------------------------------------------------


@pytest.fixture
def private_club() -> Organisation:
    """A listed organisation with every private field filled in."""
    club = org(
        "Club Ouvert",
        legal_name="ASSOCIATION SECRETE DU CLUB OUVERT",
        siret="73282932000074",
        rna="W921234567",
        representative_name="Hortense Privée",
        representative_email="hortense.privee@example.fr",
        representative_mobile="+33698765432",
        representative_role="Trésorière confidentielle",
        eligibility_justification="Justification interne",
        public_email="contact@club-ouvert.example.fr",
    )
    activity(club, name="Tennis", activity_type="tennis")
    factories.BankAccountFactory(organisation=club, validated=True)
    return club


def test_open_data_carries_only_public_fields(client: Client, private_club: Organisation) -> None:
    csv_file = csv_text(client.get(reverse("public:directory_csv")))
    raw_json = client.get(reverse("public:directory_json")).content.decode()
    for secret in [
        "73282932000074",
        "W921234567",
        "Hortense",
        "hortense.privee",
        "98765432",
        "confidentielle",
        "Justification interne",
        "FR7630006000011234567890189",
        "AGRIFRPP",
        "SECRETE",
    ]:
        assert secret not in csv_file
        assert secret not in raw_json
    assert "contact@club-ouvert.example.fr" in csv_file
    assert "contact@club-ouvert.example.fr" in raw_json


def test_the_csv_opens_in_french_excel(client: Client) -> None:
    club = org('=HYPERLINK("http://evil")', public_phone="01 47 00 00 00", city="Sceaux")
    activity(club, name="Tennis", activity_type="tennis", min_age=11, max_age=15, place="Stade")
    response = client.get(reverse("public:directory_csv"), {"q": "hyperlink"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, line = csv.reader(io.StringIO(csv_text(response)), delimiter=";")
    assert header[:4] == ["\ufeffNom", "Commune", "Code INSEE", "Adresse"]
    assert line[0] == '\'=HYPERLINK("http://evil")'
    assert line[11] == "Tennis, tennis, de 11 à 15 ans, Stade"
    assert line[-1] == f"http://testserver/annuaire/{club.pk}/"


def test_the_json_follows_the_filters_and_the_order(client: Client) -> None:
    activity(org("Danse Passion"), name="Hip-hop", domain=Domain.CULTURE, min_age=12, max_age=None)
    org("Atelier", description="On y danse")
    org("Judo")
    data = json.loads(client.get(reverse("public:directory_json"), {"q": "danse"}).content)
    assert [record["nom"] for record in data["organismes"]] == ["Danse Passion", "Atelier"]
    hip_hop = data["organismes"][0]["activites"][0]
    assert hip_hop == {
        "nom": "Hip-hop",
        "domaine": "Culture",
        "type": "football",
        "lieu": "",
        "age_minimum": 12,
        "age_maximum": None,
    }


# Organisation page and help -------------------------------------------------------------------


def test_the_organisation_page_shows_the_public_card(client: Client) -> None:
    club = org(
        "Tennis Club de Sceaux",
        street="1 allée des Sports",
        postcode="92330",
        city="Sceaux",
        public_contact_name="Paul Service",
        public_phone="+33147000000",
        public_email="accueil@tcs.example.fr",
        website="https://tcs.example.fr/",
        commune=factories.commune("92071"),
    )
    activity(club, name="Tennis loisir", place="Courts du parc", min_age=8, max_age=None)
    page = parse_html(client.get(reverse("public:organisation", args=[club.pk])))
    assert text_of(page, "h1") == "Tennis Club de Sceaux"
    main = text_of(page, "main")
    assert "1 allée des Sports 92330 Sceaux" in main and "Paul Service" in main
    assert page.select_one("a[href^='tel:']")["href"] == "tel:+33147000000"
    assert text_of(page, "a[href^='tel:']") == "01 47 00 00 00"
    assert page.select_one("a[href^='mailto:accueil']").get_text() == "accueil@tcs.example.fr"
    assert page.select_one("a[href='https://tcs.example.fr/']")
    assert "Courts du parc" in main and "à partir de 8 ans" in main
    commune_link = page.find("a", string=lambda s: s and "autres partenaires" in s)
    assert commune_link["href"] == "/annuaire/?commune=92071"


def test_the_help_block_lists_the_correspondents(client: Client) -> None:
    nanterre, antony = factories.commune("92050"), factories.commune("92002")
    factories.UserFactory(
        correspondent=True, first_name="Nina", last_name="Nanterre", communes=[nanterre]
    )
    factories.UserFactory(
        correspondent=True,
        first_name="Alex",
        last_name="Antony",
        communes=[antony],
        email="alex@antony.example.fr",
        public_email="mairie@antony.example.fr",
    )
    factories.UserFactory(correspondent=True, last_name="Parti", communes=[antony], is_active=False)
    everywhere = text_of(parse_html(client.get(DIRECTORY)), ".directory-help")
    assert "Nina Nanterre" in everywhere and "Alex Antony" in everywhere
    assert "Parti" not in everywhere
    page = parse_html(client.get(DIRECTORY, {"commune": "92002"}))
    only_antony = text_of(page, ".directory-help")
    assert "Correspondant de Antony" in only_antony
    assert "Nina" not in only_antony
    assert page.select_one(".directory-help a[href='mailto:mairie@antony.example.fr']")
    assert "alex@antony.example.fr" not in str(page)  # the login address stays private
    sceaux = text_of(parse_html(client.get(DIRECTORY, {"commune": "92071"})), ".directory-help")
    assert "Sceaux n'a pas encore de correspondant" in sceaux


def test_the_javascript_gets_the_results_block_only(client: Client) -> None:
    org("Théâtre du Fil")
    response = client.get(DIRECTORY, {"q": "theatre"}, headers={"X-Requested-With": "fetch"})
    assert "X-Requested-With" in response["Vary"]
    page = parse_html(response)
    assert page.select_one("html") is None and page.select_one("form") is None
    assert page.select_one("[data-directory-results] h2").get_text(strip=True) == "Théâtre du Fil"
    assert "1 organisme trouvé" in page.select_one("template").decode_contents()


def test_the_page_runs_few_queries_whatever_the_number_of_results(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    for number in range(30):
        activity(org(f"Club {number:02d}"), name="Football")
    with django_assert_max_num_queries(8):
        response = client.get(DIRECTORY, {"q": "club", "domain": "sport", "age": "12"})
    assert len(parse_html(response).select(".cards h2")) == 20
