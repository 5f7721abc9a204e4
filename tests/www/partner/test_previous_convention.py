"""An organisation imported from the previous system (issue 34) sees, where its convention is
shown, the one it signed there, « non scellée », with its PDF if the import brought one: its
own only, and only until it signs a convention here."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.helpers import factories
from tests.helpers.affiliation import PDF_BYTES
from tests.helpers.imported_organisations import imported_organisation
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db

PDF = reverse("partner:previous_convention_pdf")
PAGES = ["partner:home", "partner:account"]
WORDING = (
    "Convention signée dans le système précédent le 01/09/2025 (version 2025-1) — non scellée "
    f"par {settings.PASSPLUS_SCHEME_NAME}."
)


def member_of(client: Client, organisation: object) -> None:
    client.force_login(factories.UserFactory(organisation_member=True, organisation=organisation))


def main_text(client: Client, name: str) -> str:
    main = parse_html(client.get(reverse(name))).main
    assert main is not None
    return " ".join(main.get_text(" ").split())


@pytest.mark.parametrize("name", PAGES)
def test_an_imported_organisation_sees_its_previous_convention_not_sealed(
    client: Client, name: str
) -> None:
    imported = imported_organisation(importer=factories.UserFactory(gestionnaire=True))
    member_of(client, imported.organisation)

    text = main_text(client, name)

    assert WORDING in text
    assert "Aucune convention signée" not in text
    links = [a["href"] for a in parse_html(client.get(reverse(name))).select("main a")]
    assert PDF in links
    download = client.get(PDF)
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF_BYTES


@pytest.mark.parametrize("name", PAGES)
def test_once_signed_here_the_sealed_convention_replaces_the_previous_one(
    client: Client, name: str
) -> None:
    imported = imported_organisation(importer=factories.UserFactory(gestionnaire=True))
    factories.ConventionFactory(organisation=imported.organisation, signed=True)
    member_of(client, imported.organisation)

    assert "système précédent" not in main_text(client, name)


def test_without_a_document_nothing_is_offered_to_download(client: Client) -> None:
    imported = imported_organisation(
        importer=factories.UserFactory(gestionnaire=True), document=False
    )
    member_of(client, imported.organisation)

    assert "Aucun document n'a été repris." in main_text(client, "partner:home")
    assert client.get(PDF).status_code == 404


def test_a_member_of_another_organisation_never_gets_the_imported_pdf(client: Client) -> None:
    imported_organisation(importer=factories.UserFactory(gestionnaire=True))
    member_of(client, factories.OrganisationFactory())

    assert "système précédent" not in main_text(client, "partner:home")
    assert client.get(PDF).status_code == 404


@pytest.mark.parametrize("trait", ["gestionnaire", "correspondent", "finance"])
def test_other_roles_are_refused(client: Client, trait: str) -> None:
    imported_organisation(importer=factories.UserFactory(gestionnaire=True))
    client.force_login(factories.UserFactory(**{trait: True}))

    assert client.get(PDF).status_code == 403
