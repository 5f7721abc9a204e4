"""Issue 33 §6: the rules and the general conditions open without leaving the wizard — each
in a <details> of the conditions step, from the convention version's own text."""

from __future__ import annotations

import pytest
from django.test import Client

from passplus.conventions.models import ConventionVersion
from tests.helpers.affiliation import fill_until, signing_partner, step_url
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_rules_and_conditions_read_in_the_wizard(client: Client) -> None:
    signing_partner(client)
    fill_until(client, "recapitulatif")
    version = ConventionVersion.objects.get(is_current=True)
    version.rules = "Article 1. Le crédit est réservé aux activités.\n\nArticle 2. Gratuité."
    version.body = "Article A. L'organisme encaisse les tickets.\n\nArticle B. Résiliation."
    version.save()

    page = parse_html(client.get(step_url("conditions")))

    sections = {
        words(details.summary.get_text()): words(details.get_text(" "))
        for details in page.select("main details")
    }
    rules = f"Règlement du dispositif (version {version.label})"
    terms = f"Conditions générales de la convention (version {version.label})"
    assert list(sections) == [rules, terms]
    assert "Article 1. Le crédit est réservé aux activités." in sections[rules]
    assert "Article 2. Gratuité." in sections[rules]
    assert "Article B. Résiliation." in sections[terms]
    assert "Article 1." not in sections[terms]
