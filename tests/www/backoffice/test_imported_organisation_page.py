"""The back office's page of an organisation imported from the previous system (issue 34): its
convention « signée dans le système précédent … non scellée », the PDF behind a role check, and
bank details the previous system had validated, confirmed only by a second person."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import Role
from passplus.organisations.enums import BankAccountStatus
from tests.helpers import factories
from tests.helpers.accounts import log_in_new_user
from tests.helpers.affiliation import PDF_BYTES
from tests.helpers.backoffice import detail_url, messages_of
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.imported_organisations import imported_bank_account, imported_organisation
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return " ".join(parse_html(response).get_text(" ").split())


def pdf_url(organisation_pk: int) -> str:
    return reverse("backoffice:previous_convention_pdf", args=[organisation_pk])


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.FINANCE, Role.ADMIN])
def test_the_page_says_the_convention_was_signed_in_the_previous_system_not_sealed(
    client: Client, role: str
) -> None:
    log_in_new_user(client, role)
    importer = factories.UserFactory(gestionnaire=True)
    imported = imported_organisation(importer=importer)

    response = client.get(detail_url(imported.organisation))

    assert (
        "Convention signée dans le système précédent le 01/09/2025 (version 2025-1) — non "
        f"scellée par {settings.PASSPLUS_SCHEME_NAME}."
    ) in text(response)
    assert "Aucune convention signée sur la plateforme." in text(response)
    assert "Reprise Ligne 7 du fichier « organismes.csv » Importé le" in text(response)
    assert imported.convention_sha256 in text(response)
    links = {a["href"] for a in parse_html(response).select("main a")}
    assert pdf_url(imported.organisation_id) in links
    # The job's page is for those who may import (finance reads the file's name only).
    assert imported.source is not None
    job = reverse("backoffice:organisation_import_job", args=[imported.source.pk])
    assert (job in links) is (role != Role.FINANCE)
    download = client.get(pdf_url(imported.organisation_id))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_without_a_document_the_page_says_so_and_offers_no_download(client: Client) -> None:
    log_in_new_user(client)
    imported = imported_organisation(
        importer=factories.UserFactory(gestionnaire=True), document=False
    )

    response = client.get(detail_url(imported.organisation))

    assert "non scellée par" in text(response)
    assert "Aucun document n'a été repris." in text(response)
    assert pdf_url(imported.organisation_id) not in {a["href"] for a in parse_html(response)("a")}
    assert client.get(pdf_url(imported.organisation_id)).status_code == 404


def test_an_organisation_signed_here_shows_no_previous_convention(client: Client) -> None:
    log_in_new_user(client)
    organisation = factories.OrganisationFactory()
    factories.ConventionFactory(organisation=organisation, signed=True)

    response = client.get(detail_url(organisation))

    assert "système précédent" not in text(response)
    assert client.get(pdf_url(organisation.pk)).status_code == 404


@pytest.mark.parametrize("role", [Role.ORGANISATION, Role.CORRESPONDENT, Role.FAMILY])
def test_other_roles_cannot_download_the_previous_convention(client: Client, role: str) -> None:
    imported = imported_organisation(importer=factories.UserFactory(gestionnaire=True))
    # A member of this very organisation too: the back office's URL is not theirs.
    if role == Role.ORGANISATION:
        client.force_login(
            factories.UserFactory(role=Role.ORGANISATION, organisation=imported.organisation)
        )
    else:
        log_in_new_user(client, role)

    assert client.get(pdf_url(imported.organisation_id)).status_code == 403


# Bank details the previous system had validated -------------------------------------------------


def pending_section(response: Any) -> str:
    """The text of the « À vérifier » block of the pending account, up to the next heading."""
    page = parse_html(response)
    heading = next(h for h in page.select("main h3") if h.get_text().startswith("À vérifier"))
    parts = []
    for sibling in heading.find_next_siblings():
        if sibling.name in ("h2", "h3"):
            break
        parts.append(sibling.get_text(" "))
    return " ".join(" ".join(parts).split())


def validate_buttons(response: Any, organisation_pk: int, account_pk: int) -> list[Any]:
    action = reverse("backoffice:bank_account_validate", args=[organisation_pk, account_pk])
    return parse_html(response).select(f'form[action="{action}"]')


def test_the_importer_is_told_someone_else_must_confirm_and_is_offered_no_validation(
    client: Client,
) -> None:
    importer = log_in_new_user(client)
    imported = imported_organisation(importer=importer)
    account = imported_bank_account(imported, importer=importer)

    response = client.get(detail_url(imported.organisation))

    section = pending_section(response)
    assert "Validées dans le système précédent : à confirmer par une seconde personne." in section
    assert f"Importées par {importer.full_name}" in section
    assert (
        "Vous avez importé ces coordonnées : une autre personne de l'équipe doit les comparer "
        "avec le RIB et les valider."
    ) in section
    assert validate_buttons(response, imported.organisation_id, account.pk) == []
    # Posted anyway, the validation is refused: four eyes.
    with assert_unchanged(account):
        refused = client.post(
            reverse("backoffice:bank_account_validate", args=[account.organisation_id, account.pk]),
            follow=True,
        )
    assert messages_of(refused) == [
        "Les coordonnées bancaires doivent être validées par une autre personne "
        "que celle qui les a saisies."
    ]


def test_a_second_person_sees_who_imported_them_and_validates_them(client: Client) -> None:
    importer = factories.UserFactory(gestionnaire=True, first_name="Inès", last_name="Porteur")
    imported = imported_organisation(importer=importer)
    account = imported_bank_account(imported, importer=importer)
    second = log_in_new_user(client)

    response = client.get(detail_url(imported.organisation))

    section = pending_section(response)
    assert "Validées dans le système précédent : à confirmer par une seconde personne." in section
    assert "Importées par Inès Porteur" in section
    assert "Vous avez importé" not in section
    assert len(validate_buttons(response, imported.organisation_id, account.pk)) == 1

    client.post(
        reverse("backoffice:bank_account_validate", args=[account.organisation_id, account.pk])
    )
    account.refresh_from_db()
    assert (account.status, account.reviewed_by) == (BankAccountStatus.VALIDATED, second)
    assert audit_trail(account)[-1] == ("bank_account.validate", second.pk)


def test_imported_details_not_validated_before_are_not_called_validated(client: Client) -> None:
    importer = log_in_new_user(client)
    imported = imported_organisation(importer=importer)
    imported_bank_account(imported, importer=importer, previously_validated=False)

    section = pending_section(client.get(detail_url(imported.organisation)))

    assert "système précédent" not in section
    assert f"Saisies par {importer.full_name}" in section
    assert "Vous avez saisi ces coordonnées : une autre personne de l'équipe" in section
