"""The public information pages: home, help for families and partners, rules, legal notices,
privacy and accessibility — their figures come from the database and the settings, their state
names from the enums."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.db.models import TextChoices
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.payments.models import PaymentStatus
from passplus.tickets.models import RedemptionStatus, TicketStatus
from passplus.www.public.accessibility_audit import current_grid
from passplus.www.public.pages import (
    BANK_ACCOUNT_STATES,
    ORGANISATION_STATES,
    PAYMENT_STATES,
    REDEMPTION_STATES,
    TICKET_STATES,
)
from tests.helpers import factories
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

PAGES = [
    "public:home",
    "public:help",
    "public:help_families",
    "public:help_partners",
    "public:rules",
    "public:legal_notices",
    "public:privacy",
    "public:accessibility",
]


def page_of(client: Client, name: str) -> BeautifulSoup:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return parse_html(response)


def main_text(client: Client, name: str) -> str:
    return text_of(page_of(client, name), "main")


def year_from(starts: int, generation: int, redemption: int, **extra: Any) -> Any:
    """A school year whose dates are these numbers of days from today."""
    today = timezone.localdate()
    return factories.SchoolYearFactory(
        label="2026-2027",
        starts_on=today + dt.timedelta(days=starts),
        ends_on=today + dt.timedelta(days=max(redemption, starts) + 30),
        generation_deadline=today + dt.timedelta(days=generation),
        redemption_deadline=today + dt.timedelta(days=redemption),
        **extra,
    )


def day(offset: int) -> str:
    return f"{timezone.localdate() + dt.timedelta(days=offset):%d/%m/%Y}"


def state_terms(soup: BeautifulSoup, question: str) -> list[str]:
    """The terms of the state list inside the FAQ answer whose question contains `question`."""
    for details in soup.select("main details"):
        summary = details.select_one("summary")
        if summary is not None and question in summary.get_text():
            return [term.get_text(strip=True) for term in details.select("dl dt")]
    raise AssertionError(f"no question contains {question!r}")


def labels(enum: type[TextChoices]) -> list[str]:
    return [str(label) for label in enum.labels]


# Every page --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_every_page_answers_without_any_school_year_or_convention(
    client: Client, name: str
) -> None:
    assert main_text(client, name)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_answers_with_a_split_year_and_a_convention(client: Client, name: str) -> None:
    factories.SchoolYearFactory(split=True)
    factories.ConventionVersionFactory()
    assert main_text(client, name)


@pytest.mark.parametrize("name", [*PAGES, "public:directory"])
def test_every_page_links_to_the_help_and_legal_pages_in_its_footer(
    client: Client, name: str
) -> None:
    footer = page_of(client, name).select_one("footer")
    assert footer is not None
    links = {a.get_text(" ", strip=True): a["href"] for a in footer.select("a")}
    # The level and rate computed from the grid (issue 32), never typed.
    assert links[f"Accessibilité : {current_grid().summary}"] == reverse("public:accessibility")
    assert links["Mentions légales"] == reverse("public:legal_notices")
    assert links["Données personnelles"] == reverse("public:privacy")
    assert links["Règlement"] == reverse("public:rules")
    assert links["Aide aux familles"] == reverse("public:help_families")
    assert links["Aide aux partenaires"] == reverse("public:help_partners")


def test_the_footer_names_the_publishing_authority(client: Client, settings: Any) -> None:
    settings.PASSPLUS_AUTHORITY_NAME = "Département de l'Exemple"
    footer = text_of(page_of(client, "public:home"), "footer")
    assert "un dispositif du Département de l'Exemple" in footer


def test_unknown_public_pages_give_404(client: Client) -> None:
    assert client.get("/aide/inconnue/").status_code == 404


# Home --------------------------------------------------------------------------------------


def test_the_home_page_shows_the_current_years_amounts(client: Client) -> None:
    factories.SchoolYearFactory(standard_cents=8000, scholarship_cents=10000)
    text = main_text(client, "public:home")
    assert "80,00 € par collégien, 100,00 € pour un collégien boursier" in text


def test_the_home_page_follows_a_change_of_amounts(client: Client) -> None:
    year = factories.SchoolYearFactory(standard_cents=8000, scholarship_cents=10000)
    year.standard_cents, year.scholarship_cents = 9000, 12000
    year.save()
    text = main_text(client, "public:home")
    assert "90,00 € par collégien, 120,00 € pour un collégien boursier" in text
    assert "80,00 €" not in text


def test_the_home_page_shows_split_wallets(client: Client) -> None:
    factories.SchoolYearFactory(split=True, sport_standard_cents=4500)
    items = [
        " ".join(li.get_text(" ").split())
        for li in page_of(client, "public:home").select("#montants li")
    ]
    assert items == [
        "45,00 € pour le sport (50,00 € pour un collégien boursier) ;",
        "40,00 € pour la culture (50,00 € pour un collégien boursier).",
    ]
    assert "ne se cumulent pas" in main_text(client, "public:home")


def test_the_home_page_without_a_school_year_says_amounts_will_come(client: Client) -> None:
    text = main_text(client, "public:home")
    assert "Les montants de la prochaine année scolaire seront publiés" in text
    assert "Campagne" not in text


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (
            (-10, 100, 200),
            "Les tickets sont à créer jusqu'au {g} et à remettre à un organisme jusqu'au {r}.",
        ),
        ((10, 100, 200), "Les tickets pourront être créés du {s} au {g}"),
        ((-100, -1, 200), "La création de tickets est close depuis le {g} ; les tickets déjà"),
        ((-300, -100, -1), "L'année scolaire 2026-2027 est terminée"),
    ],
)
def test_the_home_page_gives_the_deadlines_that_apply_today(
    client: Client, dates: tuple[int, int, int], expected: str
) -> None:
    year_from(*dates)
    starts, generation, redemption = dates
    text = text_of(page_of(client, "public:home"), "#dates")
    assert expected.format(s=day(starts), g=day(generation), r=day(redemption)) in text


def test_the_home_page_counts_listed_partners_and_links_the_directory(client: Client) -> None:
    factories.OrganisationFactory.create_batch(2)
    factories.OrganisationFactory(suspended=True)
    factories.OrganisationFactory(listed_in_directory=False)
    page = page_of(client, "public:home")
    assert "Auprès de 2 organismes partenaires" in text_of(page, "main")
    assert reverse("public:directory") in {a["href"] for a in page.select("main a")}


def test_the_home_page_counts_the_communes_that_have_a_listed_partner(client: Client) -> None:
    """Issue 18: "25 organismes partenaires dans 36 communes" counted every commune."""
    nanterre, sceaux = factories.commune("92050"), factories.commune("92071")
    factories.commune("92040")  # a commune of the territory with no partner
    factories.OrganisationFactory.create_batch(2, commune=nanterre)
    factories.OrganisationFactory(commune=sceaux, suspended=True)  # not listed
    text = text_of(page_of(client, "public:home"), "main")
    assert "Auprès de 2 organismes partenaires dans 1 commune :" in text.replace("\xa0", " ")
    factories.OrganisationFactory(commune=sceaux)
    text = text_of(page_of(client, "public:home"), "main")
    assert "Auprès de 3 organismes partenaires dans 2 communes :" in text.replace("\xa0", " ")


def test_the_home_page_explains_the_partner_side(client: Client) -> None:
    text = main_text(client, "public:home")
    assert "correspondant Pass de la commune" in text
    assert "code reçu par SMS" in text
    assert "numéro du ticket" in text and "date de naissance" in text


def test_payment_days_come_from_the_settings(client: Client, settings: Any) -> None:
    settings.PASSPLUS_CUTOFF_DAYS = [20, 5]
    assert "Les 5 et 20 de chaque mois, le département" in main_text(client, "public:help_partners")
    assert "Les 5 et 20 de chaque mois, les tickets saisis" in main_text(client, "public:home")
    settings.PASSPLUS_CUTOFF_DAYS = [1, 10, 20]
    assert "Les 1, 10 et 20 de chaque mois" in main_text(client, "public:home")


# Help --------------------------------------------------------------------------------------


def test_the_help_hub_links_both_audiences_and_the_identification_form(client: Client) -> None:
    hrefs = {a["href"] for a in page_of(client, "public:help").select("main a")}
    assert {
        reverse("public:help_families"),
        reverse("public:help_partners"),
        reverse("public:identification_form_pdf"),
        reverse("public:rules"),
    } <= hrefs


def test_the_help_hub_gives_the_minimum_age_of_an_organisation(
    client: Client, settings: Any
) -> None:
    settings.PASSPLUS_MIN_ORGANISATION_AGE_YEARS = 3
    assert "au moins 3 ans d'existence" in main_text(client, "public:help")
    settings.PASSPLUS_MIN_ORGANISATION_AGE_YEARS = 1
    assert "au moins 1 an d'existence" in main_text(client, "public:help")


def test_every_state_has_an_explanation() -> None:
    assert list(TICKET_STATES) == list(TicketStatus)
    assert list(REDEMPTION_STATES) == list(RedemptionStatus)
    assert list(PAYMENT_STATES) == list(PaymentStatus)
    assert list(BANK_ACCOUNT_STATES) == list(BankAccountStatus)
    assert list(ORGANISATION_STATES) == list(OrganisationStatus)


def test_the_family_help_names_ticket_states_with_the_enum_labels(client: Client) -> None:
    families = page_of(client, "public:help_families")
    assert state_terms(families, "l'état de mon ticket") == labels(TicketStatus)


def test_the_partner_help_names_every_state_with_the_enum_labels(client: Client) -> None:
    partners = page_of(client, "public:help_partners")
    assert state_terms(partners, "l'état d'une saisie") == labels(RedemptionStatus)
    assert state_terms(partners, "l'état d'un virement") == labels(PaymentStatus)
    assert state_terms(partners, "coordonnées bancaires") == labels(BankAccountStatus)
    assert state_terms(partners, "l'état de mon affiliation") == labels(OrganisationStatus)


def test_the_help_pages_give_the_years_deadlines(client: Client) -> None:
    year_from(-10, 100, 200)
    assert f"avant le {day(200)} inclus" in main_text(client, "public:help_families")
    assert f"jusqu'au {day(200)} inclus" in main_text(client, "public:help_partners")


def test_the_family_help_mentions_the_other_credit_only_in_split_years(client: Client) -> None:
    factories.SchoolYearFactory()
    text = main_text(client, "public:help_families")
    assert "crédit sport et l'activité est culturelle" not in text
    assert "ne se cumulent pas" not in text
    factories.SchoolYearFactory(label="partagee", split=True, starts_on=timezone.localdate())
    text = main_text(client, "public:help_families")
    assert "crédit sport et l'activité est culturelle" in text
    assert "ne se cumulent pas" in text


def test_the_partner_help_gives_the_lookup_and_bulk_limits(client: Client, settings: Any) -> None:
    settings.PASSPLUS_LOOKUP_MAX_FAILURES = 7
    settings.PASSPLUS_LOOKUP_WINDOW_MINUTES = 20
    settings.PASSPLUS_LOOKUP_BLOCK_MINUTES = 30
    settings.PASSPLUS_BULK_ENTRY_MAX_LINES = 50
    text = main_text(client, "public:help_partners")
    assert "Après 7 essais infructueux en 20 minutes, la saisie est bloquée 30 minutes" in text
    assert "jusqu'à 50 lignes" in text


def test_the_partner_help_explains_a_bank_details_change_step_by_step(client: Client) -> None:
    text = main_text(client, "public:help_partners")
    assert "joignez le nouveau RIB" in text
    assert "code reçu par SMS" in text and "représentant légal" in text
    assert "Le département vérifie le RIB et valide le changement" in text
    assert "reçoivent un e-mail" in text


# Rules -------------------------------------------------------------------------------------


def test_the_rules_page_shows_the_current_version_and_links_the_earlier_ones(
    client: Client,
) -> None:
    factories.ConventionVersionFactory(
        label="2025-1", is_current=False, rules="Ancien règlement.", body="Anciennes conditions."
    )
    factories.ConventionVersionFactory(
        label="2026-1", rules="Article 1. Le crédit est personnel.", body="Article A. Paiement."
    )
    page = page_of(client, "public:rules")
    text = text_of(page, "main")
    assert "version 2026-1" in text
    assert "Article 1. Le crédit est personnel." in text and "Article A. Paiement." in text
    assert "Ancien règlement" not in text
    hrefs = {a["href"] for a in page.select("main a")}
    assert reverse("public:convention_version", args=["2025-1"]) in hrefs
    assert reverse("public:convention_version", args=["2026-1"]) in hrefs


def test_the_rules_page_gives_the_years_amounts_and_deadlines(client: Client) -> None:
    year_from(-10, 100, 200, standard_cents=7000, scholarship_cents=9000)
    text = main_text(client, "public:rules")
    assert "Année scolaire 2026-2027" in text
    assert "70,00 € par collégien, 90,00 € pour un collégien boursier" in text
    assert f"Tickets saisis par les organismes jusqu'au {day(200)}" in text


def test_the_rules_page_without_a_version_says_so(client: Client) -> None:
    assert "pas encore publié" in main_text(client, "public:rules")


# Legal notices, privacy, accessibility -----------------------------------------------------


@pytest.mark.parametrize(
    ("days", "shown"),
    [(365, "anonymisées automatiquement 1 an après"), (730, "2 ans après"), (400, "400 jours")],
)
def test_the_privacy_page_states_the_retention_from_the_setting(
    client: Client, settings: Any, days: int, shown: str
) -> None:
    settings.PASSPLUS_RETENTION_DAYS = days
    text = main_text(client, "public:privacy")
    assert shown in text
    assert "après la date limite de saisie" in text
    assert "date de naissance" in text and "jamais imprimée" in text
    assert "mission de service public" in text
    assert "CNIL" in text


def test_the_privacy_page_names_the_controller_and_contact(client: Client, settings: Any) -> None:
    settings.PASSPLUS_AUTHORITY_NAME = "Département de l'Exemple"
    settings.PASSPLUS_CONTACT_EMAIL = "donnees@exemple.example.fr"
    page = page_of(client, "public:privacy")
    assert "Le Département de l'Exemple est responsable du traitement" in text_of(page, "main")
    assert "mailto:donnees@exemple.example.fr" in {a["href"] for a in page.select("main a")}


def test_the_legal_notices_name_the_publisher_and_host(client: Client, settings: Any) -> None:
    settings.PASSPLUS_AUTHORITY_NAME = "Département de l'Exemple"
    settings.PASSPLUS_HOST_NAME = "Hébergeur Public"
    settings.PASSPLUS_HOST_ADDRESS = "1 rue de la Paix, 75000 Paris"
    text = main_text(client, "public:legal_notices")
    assert "édité par le Département de l'Exemple" in text
    assert "Hébergeur Public, 1 rue de la Paix, 75000 Paris" in text


def test_the_accessibility_statement_has_status_tests_date_contact_and_recourse(
    client: Client,
) -> None:
    text = main_text(client, "public:accessibility")
    assert f"est {current_grid().level}" in text and "RGAA), version 4.1" in text
    assert "axe-core" in text and "360 pixels" in text and "clavier" in text
    assert "des critères du RGAA version 4.1 sont respectés" in text  # the computed rate
    assert f"Cette déclaration a été établie le {current_grid().date:%d/%m/%Y}" in text
    assert "Défenseur des droits" in text
