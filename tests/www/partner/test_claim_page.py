"""Issue 34: the claim page (/espace-affilie/reprise/<jeton>/) in each of its states — the form,
the form refused, a replaced, expired or used link, an address that already has an account —
announces a refusal as every form does (title « Erreur : », focused summary), hides masked
addresses from screen readers (RGAA 13.5) and is valid HTML for the Nu HTML Checker. No crawl
reaches these pages (they open from an e-mail): they are checked here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from passplus.accounts.models import Invitation, Role
from passplus.organisations.switch_over.claims import claim_invitation_send
from tests.helpers.claims import imported_organisation, last_claim_path
from tests.helpers.factories import UserFactory
from tests.helpers.html_validity import needs_the_checker, validation_errors
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db


def test_a_refused_form_is_announced_as_every_form_is(client: Client) -> None:
    imported_organisation()
    response = client.post(last_claim_path(), {"first_name": "", "password1": "court"})
    assert response.status_code == 200
    page = parse_html(response)
    assert page.title is not None
    assert page.title.get_text().startswith("Erreur : Créer l'accès de votre organisme")
    summary = page.select_one("#resume-erreurs")
    assert summary is not None and summary.has_attr("autofocus")
    assert {link["href"] for link in summary.select("a[href]")} >= {
        "#id_first_name",
        "#id_password2",
    }


def test_a_masked_address_is_hidden_from_screen_readers(client: Client) -> None:
    imported = imported_organisation()
    first = last_claim_path()
    Invitation.objects.filter(organisation=imported.organisation).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    page = parse_html(client.get(first))
    for text in page.find_all(string=lambda value: "••" in value):
        assert text.find_parent(attrs={"aria-hidden": "true"}) is not None, text
    assert "la même adresse" in text_of(page, "main")


def claim_page_states(client: Client) -> dict[str, bytes]:
    imported = imported_organisation()
    pages = {"formulaire": client.get(last_claim_path()).content}
    pages["refusé"] = client.post(last_claim_path(), {"first_name": ""}).content
    replaced = last_claim_path()
    imported_organisation(contact_email="deux@club.example.org")
    claim_invitation_send(imported, actor=None)
    pages["remplacé"] = client.get(replaced).content
    Invitation.objects.filter(organisation=imported.organisation).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    pages["expiré"] = client.get(last_claim_path(imported.contact_email)).content
    pages["inconnu"] = client.get("/espace-affilie/reprise/inconnu/").content
    UserFactory(email="deux@club.example.org", role=Role.FAMILY)
    pages["adresse déjà utilisée"] = client.get(last_claim_path("deux@club.example.org")).content
    return pages


@needs_the_checker
def test_every_state_of_the_claim_page_is_valid_html(client: Client, tmp_path: Path) -> None:
    pages = claim_page_states(client)
    headings = {
        state: text_of(parse_html(source.decode()), "h1") for state, source in pages.items()
    }
    assert headings == {
        "formulaire": "Votre organisme est déjà partenaire : créez votre accès",
        "refusé": "Votre organisme est déjà partenaire : créez votre accès",
        "remplacé": "Ce lien a été remplacé",
        "expiré": "Ce lien a expiré",
        "inconnu": "Lien inconnu",
        "adresse déjà utilisée": "Cette adresse a déjà un compte",
    }
    errors = validation_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)
