"""The public information pages: home, help for families and partners, rules, legal notices,
privacy and accessibility — their figures come from the database and the settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.tickets.models import RedemptionStatus, TicketStatus
from passplus.www.public.pages import REDEMPTION_STATES, TICKET_STATES
from tests import factories
from tests.helpers import parse_html, text_of

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


def main_text(client: Client, name: str, **params: Any) -> str:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return text_of(parse_html(response), "main")


@pytest.mark.parametrize("name", PAGES)
def test_every_page_answers_without_any_school_year_or_convention(
    client: Client, name: str
) -> None:
    assert main_text(client, name)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_links_to_the_legal_pages_in_its_footer(client: Client, name: str) -> None:
    footer = parse_html(client.get(reverse(name))).select_one("footer")
    links = {a.get_text(" ", strip=True): a["href"] for a in footer.select("a")}
    assert links["Accessibilité : partiellement conforme"] == reverse("public:accessibility")
    assert links["Mentions légales"] == reverse("public:legal_notices")
    assert links["Données personnelles"] == reverse("public:privacy")
    assert links["Règlement"] == reverse("public:rules")


def test_the_home_page_shows_the_current_years_amounts(client: Client) -> None:
    factories.SchoolYearFactory(standard_cents=8000, scholarship_cents=10000)
    text = main_text(client, "public:home")
    assert "80,00 € par collégien, 100,00 € pour un collégien boursier" in text


def test_the_home_page_follows_a_change_of_amounts_and_split_wallets(client: Client) -> None:
    factories.SchoolYearFactory(split=True, sport_standard_cents=4500)
    text = main_text(client, "public:home")
    assert "45,00 € pour le sport (50,00 € pour un collégien boursier)" in text
    assert "40,00 € pour la culture" in text
    assert "ne se cumulent pas" in text


def test_the_home_page_counts_listed_partners(client: Client) -> None:
    factories.OrganisationFactory.create_batch(2)
    factories.OrganisationFactory(suspended=True)
    factories.OrganisationFactory(listed_in_directory=False)
    assert "parmi 2 organismes partenaires" in main_text(client, "public:home")


def test_payment_days_come_from_the_settings(client: Client, settings: Any) -> None:
    settings.PASSPLUS_CUTOFF_DAYS = [5, 20]
    assert "Les 5 et 20 de chaque mois, le département" in main_text(client, "public:help_partners")
    assert "les 5 et 20 de chaque mois" in main_text(client, "public:home")


def test_every_ticket_and_entry_state_is_explained_with_its_label(client: Client) -> None:
    assert set(TICKET_STATES) == set(TicketStatus)
    assert set(REDEMPTION_STATES) == set(RedemptionStatus)
    partners = parse_html(client.get(reverse("public:help_partners")))
    terms = [dt.get_text(strip=True) for dt in partners.select("main dl dt")]
    assert [str(label) for label in RedemptionStatus.labels] == terms[: len(RedemptionStatus)]
    families = parse_html(client.get(reverse("public:help_families")))
    assert [dt.get_text(strip=True) for dt in families.select("main dl dt")] == [
        str(label) for label in TicketStatus.labels
    ]


def test_the_partner_help_gives_the_lookup_limits(client: Client, settings: Any) -> None:
    settings.PASSPLUS_LOOKUP_MAX_FAILURES = 7
    settings.PASSPLUS_LOOKUP_BLOCK_MINUTES = 30
    text = main_text(client, "public:help_partners")
    assert "Après 7 essais infructueux" in text and "bloquée 30 minutes" in text


def test_the_rules_page_shows_the_current_version_only(client: Client) -> None:
    factories.ConventionVersionFactory(
        label="2025-1", is_current=False, rules="Ancien règlement.", body="Anciennes conditions."
    )
    factories.ConventionVersionFactory(
        label="2026-1", rules="Article 1. Le crédit est personnel.", body="Article A. Paiement."
    )
    text = main_text(client, "public:rules")
    assert "Version 2026-1" in text
    assert "Article 1. Le crédit est personnel." in text and "Article A. Paiement." in text
    assert "Ancien règlement" not in text


def test_the_rules_page_without_a_version_says_so(client: Client) -> None:
    assert "pas encore publié" in main_text(client, "public:rules")


@pytest.mark.parametrize(
    ("days", "shown"), [(365, "anonymisées 1 an après"), (730, "2 ans"), (400, "400 jours")]
)
def test_the_privacy_page_states_the_retention_from_the_setting(
    client: Client, settings: Any, days: int, shown: str
) -> None:
    settings.PASSPLUS_RETENTION_DAYS = days
    text = main_text(client, "public:privacy")
    assert shown in text
    assert "date de naissance" in text and "jamais imprimée" in text
    assert "CNIL" in text


def test_the_legal_notices_name_the_publisher_and_host(client: Client, settings: Any) -> None:
    settings.PASSPLUS_AUTHORITY_NAME = "Département de l'Exemple"
    settings.PASSPLUS_HOST_NAME = "Hébergeur Public"
    settings.PASSPLUS_HOST_ADDRESS = "1 rue de la Paix, 75000 Paris"
    text = main_text(client, "public:legal_notices")
    assert "édité par le Département de l'Exemple" in text
    assert "Hébergeur Public, 1 rue de la Paix, 75000 Paris" in text


def test_the_accessibility_statement_has_status_date_contact_and_recourse(
    client: Client,
) -> None:
    text = main_text(client, "public:accessibility")
    assert "partiellement conforme" in text and "RGAA 4.1" in text
    assert "Déclaration établie le 28/11/2026" in text
    assert "Défenseur des droits" in text


def test_the_help_hub_links_both_audiences_and_the_identification_form(client: Client) -> None:
    page = parse_html(client.get(reverse("public:help")))
    hrefs = {a["href"] for a in page.select("main a")}
    assert {
        reverse("public:help_families"),
        reverse("public:help_partners"),
        reverse("public:identification_form_pdf"),
    } <= hrefs


def test_unknown_public_pages_give_404(client: Client) -> None:
    assert client.get("/aide/inconnue/").status_code == 404
