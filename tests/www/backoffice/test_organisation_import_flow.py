"""« Reprise des organismes » through the back office's page, with the real services and tasks
(issue 34): a file uploaded, checked, imported; a wrong line reported by number and imported only
when the valid lines are asked for explicitly; hostile files refused with the services' French
messages, nothing imported; a later file's different IBAN listed; a failed job retried."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.organisations.models import (
    BankAccount,
    ImportedOrganisation,
    Organisation,
    OrganisationImport,
    OrganisationImportStatus,
)
from tests.helpers.accounts import log_in_new_user
from tests.helpers.backoffice import messages_of
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.pages import parse_html
from tests.helpers.switch_over import organisation_csv, organisation_row, valid_iban
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

UPLOAD = reverse("backoffice:organisation_import")
S = OrganisationImportStatus
IMPORTED_ROWS = [Organisation, ImportedOrganisation, BankAccount]


def upload(client: Client, data: bytes, documents: bytes | None = None) -> Any:
    files = {"file": SimpleUploadedFile("organismes.csv", data, "text/csv")}
    if documents is not None:
        files["documents"] = SimpleUploadedFile("documents.zip", documents, "application/zip")
    return client.post(UPLOAD, files)


def checked(client: Client, data: bytes, documents: bytes | None = None) -> OrganisationImport:
    response = upload(client, data, documents)
    assert response.status_code == 302, response.content.decode()
    job = OrganisationImport.objects.latest("pk")
    assert response["Location"] == job_url(job)
    run_queued_tasks()
    job.refresh_from_db()
    return job


def job_url(job: OrganisationImport, name: str = "organisation_import_job") -> str:
    return reverse(f"backoffice:{name}", args=[job.pk])


def confirm(client: Client, job: OrganisationImport, mode: str) -> Any:
    response = client.post(job_url(job, "organisation_import_confirm"), {"mode": mode}, follow=True)
    run_queued_tasks()
    job.refresh_from_db()
    return response


def report(client: Client, job: OrganisationImport) -> dict[int, str]:
    page = parse_html(client.get(job_url(job)))
    return {
        int(row.th.get_text()): " ".join(row.td.get_text(" ").split())
        for row in page.select("#erreurs ~ .table-wrap tbody tr")
    }


def nothing_imported() -> bool:
    return not any(model.objects.exists() for model in IMPORTED_ROWS)


def buttons(client: Client, job: OrganisationImport) -> list[str]:
    page = parse_html(client.get(job_url(job)))
    return [" ".join(button.get_text().split()) for button in page.select("main button")]


def alert(client: Client, job: OrganisationImport) -> str:
    shown = parse_html(client.get(job_url(job))).select_one("main [role=alert]")
    assert shown is not None
    return " ".join(shown.get_text().split())


def test_a_clean_file_is_uploaded_checked_and_imported_from_the_page(client: Client) -> None:
    staff = log_in_new_user(client)

    job = checked(client, organisation_csv(5))

    assert job.status == S.VALID and job.created_by == staff
    assert audit_trail(job)[0] == ("organisation_import.upload", staff.pk)
    assert buttons(client, job) == ["Importer les 5 lignes"]
    response = confirm(client, job, "all")
    assert messages_of(response) == ["Import lancé : cette page se met à jour toute seule."]
    assert job.status == S.IMPORTED and job.created_organisations == 5
    assert ImportedOrganisation.objects.filter(source=job).count() == 5
    text = " ".join(parse_html(client.get(job_url(job))).get_text(" ").split())
    assert "Organismes créés 5 Organismes mis à jour 0 Organismes inchangés 0" in text


def test_a_wrong_line_is_reported_and_only_the_explicit_valid_lines_import_runs(
    client: Client,
) -> None:
    log_in_new_user(client)
    job = checked(client, organisation_csv(4, planted={3: {"siret": "123"}, 5: {"bic": "?"}}))

    assert job.status == S.INVALID
    assert sorted(report(client, job)) == [3, 5]
    assert buttons(client, job) == ["Importer les 2 lignes valides"]

    # « Importer » for every line is refused while a line is wrong: nothing imported.
    with assert_unchanged(job, counted=[*IMPORTED_ROWS, DBTaskResult]):
        refused = confirm(client, job, "all")
    assert "Le fichier contient des erreurs" in messages_of(refused)[0]

    confirm(client, job, "valid_only")
    assert job.status == S.IMPORTED and job.created_organisations == 2
    assert sorted(ImportedOrganisation.objects.values_list("line", flat=True)) == [2, 4]
    page = parse_html(client.get(job_url(job)))
    heading = page.select_one("#erreurs")
    assert heading is not None and heading.get_text() == "Lignes laissées de côté"
    assert sorted(report(client, job)) == [3, 5]


def test_a_second_request_is_refused_with_the_services_message(client: Client) -> None:
    log_in_new_user(client)
    job = checked(client, organisation_csv(2))
    confirm(client, job, "all")

    with assert_unchanged(job, counted=[*IMPORTED_ROWS, DBTaskResult]):
        again = confirm(client, job, "all")

    assert messages_of(again) == ["Cette reprise a déjà été importée."]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "ce n'est pas un fichier CSV"),  # an image
        (b"nom;forme juridique\r\nClub;association\r\n", "Colonnes manquantes"),
    ],
)
def test_a_hostile_file_gets_a_french_message_and_nothing_is_imported(
    client: Client, data: bytes, words: str
) -> None:
    log_in_new_user(client)

    job = checked(client, data)

    assert nothing_imported()
    assert job.status == S.INVALID and words in job.file_error
    assert alert(client, job) == job.file_error
    assert buttons(client, job) == []


def test_a_zip_bomb_is_refused_with_a_message_and_nothing_is_imported(
    client: Client, settings: Any
) -> None:
    settings.PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES = 4 * 2**20
    log_in_new_user(client)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("rib-12.pdf", b"%PDF-1.4\n" + b"\x00" * (16 * 2**20))
    bomb = out.getvalue()
    assert len(bomb) < 100_000  # 16 MiB once decompressed

    job = checked(client, organisation_csv(3), bomb)

    assert nothing_imported()
    assert job.status == S.INVALID and "une fois décompressés" in job.file_error
    assert alert(client, job) == job.file_error
    assert buttons(client, job) == []


def test_an_empty_file_is_refused_on_the_form(client: Client) -> None:
    log_in_new_user(client)

    with assert_unchanged(counted=[OrganisationImport, DBTaskResult]):
        response = upload(client, b"")

    assert response.status_code == 200
    summary = parse_html(response).select_one(".error-summary")
    assert summary is not None and "Le fichier est vide." in summary.get_text()


def test_a_later_file_lists_the_organisation_whose_iban_differs(client: Client) -> None:
    log_in_new_user(client)
    confirm(client, checked(client, organisation_csv(3)), "all")
    changed = organisation_csv(3, planted={3: {"iban": valid_iban(999), "bic": "AGRIFRPP"}})
    assert organisation_row(3)["iban"].replace(" ", "") != valid_iban(999)

    job = checked(client, changed)
    confirm(client, job, "all")

    assert job.status == S.IMPORTED
    known = ImportedOrganisation.objects.get(line=3, source__isnull=False).organisation
    page = parse_html(client.get(job_url(job)))
    heading = page.select_one("#coordonnees-differentes")
    assert heading is not None
    assert heading.get_text() == "Coordonnées différentes : à faire confirmer par l'organisme"
    rows = page.select("#coordonnees-differentes ~ .table-wrap tbody tr")
    assert [(row.th.get_text(), row.a["href"]) for row in rows if row.th and row.a] == [
        ("3", reverse("backoffice:organisation", args=[known.pk]))
    ]


def test_a_failed_check_is_retried_from_the_page(client: Client) -> None:
    staff = log_in_new_user(client)
    response = upload(client, organisation_csv(2))
    assert response.status_code == 302
    job = OrganisationImport.objects.get()
    OrganisationImport.interrupt_all(OrganisationImport.objects.filter(pk=job.pk))

    response = client.post(job_url(job, "organisation_import_retry"), follow=True)

    assert messages_of(response) == [
        "Vérification relancée : cette page se met à jour toute seule."
    ]
    job.refresh_from_db()
    assert job.status == S.PENDING
    assert audit_trail(job)[-1] == ("organisation_import.retry", staff.pk)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == S.VALID
