"""The switch-over's pages are valid HTML (RGAA 8.2; issue 34) in each of their states: the
demo holds no import job, so the crawls of tests/www/test_html_validity.py never reach the job's
page. Checked together in one run of the Nu HTML Checker."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import Role
from passplus.organisations.models import (
    OrganisationImport,
    OrganisationImportMode,
    OrganisationImportStatus,
)
from tests.helpers import factories
from tests.helpers.accounts import log_in_new_user
from tests.helpers.html_validity import needs_the_checker, validation_errors
from tests.helpers.imported_organisations import imported_bank_account, imported_organisation

pytestmark = [pytest.mark.django_db, needs_the_checker]

S = OrganisationImportStatus
ERRORS = [
    {"line": 3, "messages": ["SIRET invalide."]},
    {"line": 5, "messages": ["BIC invalide.", "Commune inconnue : « Paris »."]},
]


def content(client: Client, url: str, *, post: bool = False) -> bytes:
    response = client.post(url) if post else client.get(url)
    assert response.status_code == 200, url
    return response.content


def job(status: str, **fields: object) -> OrganisationImport:
    values: dict[str, object] = {
        "original_name": "organismes.csv",
        "sha256": "cd" * 32,
        "status": status,
        "total_lines": 4,
        "processed_lines": 2,
        "valid_lines": 2,
        "error_lines": 2,
        "errors": ERRORS,
        **fields,
    }
    return OrganisationImport.objects.create(**values)


def test_every_state_of_the_switch_over_pages_is_valid_html(client: Client, tmp_path: Path) -> None:
    staff = log_in_new_user(client)
    imported = imported_organisation(importer=staff)
    imported_bank_account(imported, importer=staff)
    jobs = [
        job(S.VALIDATING),
        job(S.IMPORTING, mode=OrganisationImportMode.ALL),
        job(S.INVALID),
        job(S.VALID, error_lines=0, errors=[]),
        job(S.INVALID, total_lines=0, valid_lines=0, file_error="Ce n'est pas un fichier CSV."),
        job(S.FAILED, file_error="Le traitement a été interrompu."),
        job(
            S.IMPORTED,
            mode=OrganisationImportMode.VALID_ONLY,
            imported_by=staff,
            created_organisations=1,
            bank_differences=[
                {
                    "line": 4,
                    "organisation_id": imported.organisation_id,
                    "name": imported.organisation.legal_name,
                }
            ],
        ),
    ]
    upload = reverse("backoffice:organisation_import")
    pages = {upload: content(client, upload), f"{upload}?refus": content(client, upload, post=True)}
    for each in jobs:
        url = reverse("backoffice:organisation_import_job", args=[each.pk])
        pages[url] = content(client, url)
    organisation = reverse("backoffice:organisation", args=[imported.organisation_id])
    pages[organisation] = content(client, organisation)
    member = Client()
    member.force_login(
        factories.UserFactory(role=Role.ORGANISATION, organisation=imported.organisation)
    )
    for name in ("partner:home", "partner:account"):
        pages[reverse(name)] = content(member, reverse(name))

    assert validation_errors(pages, tmp_path) == []
