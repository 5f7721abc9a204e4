"""A commune correspondent registers identification forms, which invite the organisations."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Invitation, hash_token
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import IdentificationForm, Organisation
from tests.helpers.affiliation import (
    LA_POSTE_SIRET,
    VALID_SIRET,
    correspondent_of,
    identification_data,
    invitation_link,
    register,
)
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.factories import OrganisationFactory, UserFactory, commune
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def correspondent_client(client: Client) -> Client:
    client.force_login(correspondent_of("92050"))
    return client


def field_errors(response: object, name: str) -> str:
    soup = parse_html(response)  # type: ignore[arg-type]
    return text_of(soup, f"#id_{name}_error")


def test_registering_creates_an_identified_organisation_and_e_mails_a_single_use_link(
    correspondent_client: Client,
) -> None:
    response = register(correspondent_client)

    assert response.status_code == 302
    organisation = Organisation.objects.get(rna="W921234567")
    assert organisation.status == OrganisationStatus.IDENTIFIED
    assert organisation.commune.insee_code == "92050"
    form = IdentificationForm.objects.get(organisation=organisation)
    assert (form.contact_email, form.contact_phone) == (
        "jeanne.martin@usn.example.fr",
        "+33147000000",
    )
    assert mail.outbox == []  # queued with the registration, sent by the worker
    link = invitation_link()
    assert mail.outbox[0].to == ["jeanne.martin@usn.example.fr"]
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get(organisation=organisation)
    assert invitation.token_hash == hash_token(token) != token  # stored hashed only
    assert round((invitation.expires_at - invitation.created_at).total_seconds() / 86400) == 30
    assert ("organisation.register", form.registered_by_id) in audit_trail(organisation)
    html = mail.outbox[0].alternatives[0][0]
    assert link in html


def test_the_la_poste_siret_exception_is_accepted(correspondent_client: Client) -> None:
    response = register(correspondent_client, legal_form="public", siret=LA_POSTE_SIRET, rna="")

    assert response.status_code == 302
    assert Organisation.objects.filter(siret=LA_POSTE_SIRET).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"siret": "73282932000075", "legal_form": "company"}, "siret", "SIRET n'est pas valide"),
        ({"siret": "1234", "legal_form": "company"}, "siret", "14 chiffres"),
        ({"siret": "", "legal_form": "company"}, "siret", "obligatoire"),
        ({"rna": "921234567"}, "rna", "commence par W"),
        ({"rna": "W12"}, "rna", "commence par W"),
        ({"rna": ""}, "rna", "obligatoire pour une association"),
        ({"commune": "__other__"}, "commune", "l'une de vos communes"),
        ({"offers_sport": None}, "offers_sport", "au moins un domaine"),  # on the group
        ({"creation_date": "2999-01-01"}, "creation_date", "futur"),
        ({"contact_email": "pas-une-adresse"}, "contact_email", "adresse de courriel valide"),
        ({"contact_phone": "12"}, "contact_phone", "n'est pas valide"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_saved(
    correspondent_client: Client, overrides: dict[str, object], field: str, message: str
) -> None:
    if overrides.get("commune") == "__other__":
        overrides["commune"] = commune("92002").pk  # Antony: not this correspondent's
    with assert_unchanged(counted=[Organisation, IdentificationForm, Invitation]):
        response = register(correspondent_client, **overrides)

    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert mail.outbox == []


@pytest.mark.parametrize("number_field", ["siret", "rna"])
def test_a_duplicate_siret_or_rna_names_the_existing_organisation(
    correspondent_client: Client, number_field: str
) -> None:
    existing = OrganisationFactory(
        legal_name="Club existant", siret=VALID_SIRET, rna="W929999999", commune=commune("92002")
    )
    overrides = (
        {"siret": "732 829 320 00074", "legal_form": "company", "rna": ""}
        if number_field == "siret"
        else {"rna": "w929999999"}
    )

    with assert_unchanged(existing, counted=[Organisation, Invitation]):
        response = register(correspondent_client, **overrides)

    errors = field_errors(response, number_field)
    assert "déjà enregistré" in errors
    assert "Club existant" in errors and "Antony" in errors


def test_the_list_shows_only_the_correspondents_communes_with_states(
    correspondent_client: Client,
) -> None:
    register(correspondent_client)
    OrganisationFactory(legal_name="Club d'Antony", commune=commune("92002"))

    soup = parse_html(correspondent_client.get(reverse("correspondent:home")))

    rows = [" ".join(row.get_text(" ").split()) for row in soup.select("tbody tr")]
    assert len(rows) == 1
    assert "USN" in rows[0] and "Identifié" in rows[0] and "Invitation valable" in rows[0]


def test_resending_replaces_the_link_and_revoking_stops_it(correspondent_client: Client) -> None:
    register(correspondent_client)
    organisation = Organisation.objects.get()
    first = invitation_link()

    correspondent_client.post(reverse("correspondent:resend_invitation", args=[organisation.pk]))
    second = invitation_link()
    assert second != first
    assert Invitation.find(first.rstrip("/").rsplit("/", 1)[1]).revoked_at is not None  # type: ignore[union-attr]

    correspondent_client.post(reverse("correspondent:revoke_invitation", args=[organisation.pk]))
    assert not Invitation.objects.usable().exists()
    response = Client().get(re.sub(r"^https?://[^/]+", "", second))
    assert response.status_code == 410
    assert "révoqué" in text_of(parse_html(response), "main")


def test_another_communes_correspondent_cannot_touch_the_invitation(client: Client) -> None:
    owner = Client()
    owner.force_login(correspondent_of("92050"))
    register(owner)
    organisation = Organisation.objects.get()
    invitation = Invitation.objects.get(organisation=organisation)
    client.force_login(correspondent_of("92002"))

    with assert_unchanged(organisation, invitation, counted=[DBTaskResult]):
        for name in ("correspondent:resend_invitation", "correspondent:revoke_invitation"):
            assert client.post(reverse(name, args=[organisation.pk])).status_code == 404


def test_other_roles_cannot_register(client: Client) -> None:
    client.force_login(UserFactory(gestionnaire=True))
    assert client.get(reverse("correspondent:register")).status_code == 403
    client.logout()
    with assert_unchanged(counted=[Organisation, IdentificationForm, Invitation, DBTaskResult]):
        response = client.post(reverse("correspondent:register"), identification_data())
    assert response.status_code == 302 and "connexion" in response["Location"]
    assert not Organisation.objects.exists()


def test_the_blank_identification_form_is_offered_to_correspondents(
    correspondent_client: Client,
) -> None:
    soup = parse_html(correspondent_client.get(reverse("correspondent:home")))
    link = soup.find("a", href=reverse("public:identification_form_pdf"))
    assert link is not None
