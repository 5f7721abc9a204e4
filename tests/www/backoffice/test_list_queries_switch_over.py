"""The back office's list pages of the switch-over and « À traiter » run the same SQL queries
for few or many rows (no query per row): « Reprise des organismes » (its recent jobs, a job's
report by line and its bank differences), « Organismes repris sans accès » and its CSV, and
« À traiter » (unclaimed organisations, payment runs awaiting action)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.organisations.models import (
    OrganisationImport,
    OrganisationImportMode,
    OrganisationImportStatus,
)
from tests.helpers import factories
from tests.helpers.claims import imported_organisation
from tests.helpers.pages import parse_html
from tests.helpers.queries import page_queries, queries_few_and_many

pytestmark = pytest.mark.django_db

UPLOAD = reverse("backoffice:organisation_import")
UNCLAIMED = reverse("backoffice:unclaimed_organisations")
UNCLAIMED_CSV = reverse("backoffice:unclaimed_organisations_csv")
QUEUE = reverse("backoffice:review_queue")


@pytest.fixture
def gestionnaire(client: Client) -> Client:
    client.force_login(factories.UserFactory(gestionnaire=True))
    return client


def make_job(**fields: Any) -> OrganisationImport:
    """A job uploaded by its own gestionnaire (each row its own user to read)."""
    values: dict[str, Any] = {
        "original_name": "organismes.csv",
        "sha256": "cd" * 32,
        "status": OrganisationImportStatus.VALID,
        "created_by": factories.UserFactory(gestionnaire=True),
        "total_lines": 3,
        "processed_lines": 3,
        "valid_lines": 3,
        **fields,
    }
    return OrganisationImport.objects.create(**values)


def add_jobs(count: int) -> None:
    for _ in range(count):
        make_job()


def test_the_import_page_runs_the_same_queries_for_2_or_20_jobs(gestionnaire: Client) -> None:
    few, many = queries_few_and_many(gestionnaire, UPLOAD, add_jobs, few=2, many=20)

    assert len(many) == len(few), "\n".join(many)
    listed = parse_html(gestionnaire.get(UPLOAD)).select("a[href*='/reprise-organismes/']")
    assert len(listed) >= 10  # the recent jobs are listed, each with its uploader


def imported_job(errors: int, differences: int) -> OrganisationImport:
    """An import of only the valid lines: `errors` lines left out, `differences` organisations
    whose bank details differ from the file."""
    organisations = [factories.OrganisationFactory() for _ in range(differences)]
    return make_job(
        status=OrganisationImportStatus.IMPORTED,
        mode=OrganisationImportMode.VALID_ONLY,
        imported_by=factories.UserFactory(gestionnaire=True),
        total_lines=errors + differences,
        processed_lines=errors + differences,
        valid_lines=differences,
        error_lines=errors,
        errors=[
            {"line": line + 2, "messages": ["SIRET invalide.", "Commune inconnue : « Paris »."]}
            for line in range(errors)
        ],
        updated_organisations=differences,
        bank_differences=[
            {"line": errors + index + 2, "organisation_id": org.pk, "name": org.legal_name}
            for index, org in enumerate(organisations)
        ],
    )


def test_a_job_page_runs_the_same_queries_for_5_or_200_errors_and_1_or_30_differences(
    gestionnaire: Client,
) -> None:
    small = reverse("backoffice:organisation_import_job", args=[imported_job(5, 1).pk])
    large = reverse("backoffice:organisation_import_job", args=[imported_job(200, 30).pk])
    gestionnaire.get(small)

    few = page_queries(gestionnaire, small)
    many = page_queries(gestionnaire, large)

    assert len(many) == len(few), "\n".join(many)
    page = parse_html(gestionnaire.get(large))
    assert len(page.select("#differences ~ tbody tr")) == 30
    shown_errors = [row for row in page.select("tbody tr") if "SIRET invalide." in row.get_text()]
    assert len(shown_errors) == 50  # the report's first page


def add_unclaimed(count: int) -> None:
    """`count` imported organisations, each invited, none claimed."""
    for _ in range(count):
        imported_organisation()


def test_the_unclaimed_list_runs_the_same_queries_for_2_or_30_organisations(
    gestionnaire: Client,
) -> None:
    few, many = queries_few_and_many(gestionnaire, UNCLAIMED, add_unclaimed, few=2, many=30)

    assert len(many) == len(few), "\n".join(many)
    assert len(parse_html(gestionnaire.get(UNCLAIMED)).select("tbody tr")) == 30


def test_the_unclaimed_csv_runs_the_same_queries_for_2_or_30_organisations(
    gestionnaire: Client,
) -> None:
    few, many = queries_few_and_many(gestionnaire, UNCLAIMED_CSV, add_unclaimed, few=2, many=30)

    assert len(many) == len(few), "\n".join(many)
    response = gestionnaire.get(UNCLAIMED_CSV)
    assert b"".join(response.streaming_content).decode("utf-8-sig").count("\n") == 31


def test_the_review_queue_runs_the_same_queries_for_2_or_30_unclaimed_organisations(
    gestionnaire: Client,
) -> None:
    few, many = queries_few_and_many(gestionnaire, QUEUE, add_unclaimed, few=2, many=30)

    assert len(many) == len(few), "\n".join(many)
    section = parse_html(gestionnaire.get(QUEUE)).select_one("#sans-acces")
    assert section is not None and "(30)" in section.get_text()


def add_runs_awaiting(count: int) -> None:
    """Runs checked by another finance user: each waits for the logged-in user's approval."""
    for _ in range(count):
        factories.PaymentRunFactory(checked=True)


def test_the_review_queue_runs_the_same_queries_for_1_or_10_runs_awaiting_action(
    client: Client,
) -> None:
    client.force_login(factories.UserFactory(finance=True))

    few, many = queries_few_and_many(client, QUEUE, add_runs_awaiting, few=1, many=10)

    assert len(many) == len(few), "\n".join(many)
    listed = parse_html(client.get(QUEUE)).select("#campagnes-en-attente li")
    assert len(listed) == 10
