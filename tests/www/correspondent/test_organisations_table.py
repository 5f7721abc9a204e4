"""The correspondent's organisations table (issue 33 §4): filtered by state and sorted by GET
parameters (no script), with the wizard step reached, the date of the last invitation and the
contact; « Révoquer » is a distinct action behind a confirmation page; a never-invited
organisation is offered « Envoyer l'invitation », not « Aucune invitation » beside a resend."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import Invitation
from passplus.organisations.models import IdentificationForm, Organisation
from tests.helpers.affiliation import correspondent_of, register
from tests.helpers.database import assert_unchanged
from tests.helpers.factories import OrganisationFactory, commune
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

HOME = reverse("correspondent:home")


@pytest.fixture
def nanterre(client: Client) -> Client:
    client.force_login(correspondent_of("92050"))
    assert register(client).status_code == 302  # Union sportive de Nanterre, invited
    OrganisationFactory(public_name="Aviron de Nanterre", commune=commune("92050"))
    OrganisationFactory(public_name="Cirque de Nanterre", commune=commune("92050"), signing=True)
    return client


def names(client: Client, query: dict[str, str]) -> list[str]:
    page = parse_html(client.get(HOME, query))
    return [text_of(row, "td") for row in page.select("#organismes tbody tr")]


def test_the_table_is_filtered_by_state(nanterre: Client) -> None:
    assert names(nanterre, {"etat": "signing"}) == ["Cirque de Nanterre"]
    assert names(nanterre, {"etat": "identified"}) == ["USN"]
    assert len(names(nanterre, {"etat": "nonsense"})) == 3  # unknown: no filter


def test_the_table_is_sorted_by_name_or_state(nanterre: Client) -> None:
    assert names(nanterre, {"tri": "nom"}) == [
        "Aviron de Nanterre",
        "Cirque de Nanterre",
        "USN",  # its public name, registered as its acronym
    ]
    assert names(nanterre, {"tri": "-nom"})[0] == "USN"
    page = parse_html(nanterre.get(HOME))
    assert page.select_one("form#filtre-organismes select[name=etat]") is not None


def test_a_row_shows_the_step_reached_the_last_invitation_and_the_contact(
    nanterre: Client,
) -> None:
    page = parse_html(nanterre.get(HOME, {"etat": "identified"}))
    row = " ".join(page.select_one("#organismes tbody tr").get_text(" ").split())

    today = f"{timezone.localdate():%d/%m/%Y}"
    assert f"Invitation envoyée le {today}" in row
    assert "Jeanne Martin" in row and "jeanne.martin@usn.example.fr" in row
    assert "Compte pas encore créé" in row

    signing = parse_html(nanterre.get(HOME, {"etat": "signing"}))
    signing_row = " ".join(signing.select_one("#organismes tbody tr").get_text(" ").split())
    assert "Étape 2 sur 7 : Éligibilité" in signing_row


def test_revoking_asks_for_confirmation_on_its_own_page(nanterre: Client) -> None:
    organisation = Organisation.objects.get(legal_name="Union sportive de Nanterre")
    url = reverse("correspondent:revoke_invitation", args=[organisation.pk])
    page = parse_html(nanterre.get(HOME, {"etat": "identified"}))
    revoke = page.select_one(f'#organismes a[href="{url}"]')
    assert revoke is not None and "button-danger" in revoke.get("class", [])
    assert page.select_one(f'#organismes form[action="{url}"]') is None

    with assert_unchanged(Invitation.objects.get(organisation=organisation)):
        confirm = nanterre.get(url)
    assert confirm.status_code == 200
    assert "Révoquer l'invitation" in text_of(parse_html(confirm), "main")
    nanterre.post(url)
    assert Invitation.objects.get(organisation=organisation).revoked_at is not None


def test_a_never_invited_organisation_is_offered_an_invitation_not_told_it_has_none(
    nanterre: Client,
) -> None:
    organisation = Organisation.objects.get(legal_name="Union sportive de Nanterre")
    IdentificationForm.objects.filter(organisation=organisation).update(invitation=None)

    row = text_of(parse_html(nanterre.get(HOME, {"etat": "identified"})), "#organismes tbody tr")

    assert "Aucune invitation" not in row
    assert "Envoyer l'invitation" in row and "Renvoyer" not in row
