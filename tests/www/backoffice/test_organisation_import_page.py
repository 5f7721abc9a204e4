"""The back office's « Reprise des organismes » page (issue 34): who may use it, the report by
line number, the explicit import of only the valid lines, the counts and the organisations whose
bank details differ after an import, the retry of a failed job. The jobs are made in each state
directly: the check and the import have their own tests (tests/organisations/)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Role
from passplus.organisations.models import (
    OrganisationImport,
    OrganisationImportMode,
    OrganisationImportStatus,
)
from tests.helpers import factories
from tests.helpers.accounts import log_in_new_user
from tests.helpers.backoffice import messages_of
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

UPLOAD = reverse("backoffice:organisation_import")
S = OrganisationImportStatus


def job_url(job: OrganisationImport, name: str = "organisation_import_job") -> str:
    return reverse(f"backoffice:{name}", args=[job.pk])


def make_job(status: str = S.VALID, **fields: Any) -> OrganisationImport:
    values: dict[str, Any] = {
        "original_name": "organismes.csv",
        "sha256": "cd" * 32,
        "status": status,
        "created_by": factories.UserFactory(gestionnaire=True),
        "total_lines": 3,
        "processed_lines": 3,
        "valid_lines": 3,
        **fields,
    }
    return OrganisationImport.objects.create(**values)


def invalid_job(status: str = S.INVALID, **fields: Any) -> OrganisationImport:
    return make_job(
        status,
        valid_lines=2,
        error_lines=1,
        errors=[{"line": 3, "messages": ["SIRET invalide.", "Commune inconnue : « Paris »."]}],
        **fields,
    )


def page_text(response: Any) -> str:
    return " ".join(parse_html(response).get_text(" ").split())


def buttons(response: Any) -> list[str]:
    return [" ".join(b.get_text().split()) for b in parse_html(response).select("main button")]


def report(response: Any) -> dict[int, str]:
    rows = parse_html(response).select("table[aria-labelledby] tbody tr, .table-wrap tbody tr")
    return {
        int(row.th.get_text()): " ".join(row.td.get_text(" ").split())
        for row in rows
        if row.th and row.th.get_text().strip().isdigit() and row.td
    }


# Who may use it -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.ADMIN])
def test_gestionnaire_and_admin_reach_the_page_from_the_menu(client: Client, role: str) -> None:
    log_in_new_user(client, role)

    home = parse_html(client.get(reverse("backoffice:home")))
    assert UPLOAD in [a["href"] for a in home.select("header nav a, nav a")]
    response = client.get(UPLOAD)

    assert response.status_code == 200
    assert text_of(parse_html(response), "h1") == "Reprise des organismes"
    text = page_text(response)
    assert "Fichier CSV des organismes" in text
    assert "une ligne d'en-tête. 20 Mo au plus." in text
    assert "« fichier convention ». 2048 Mo au plus." in text


def test_finance_has_no_link_and_no_access(client: Client) -> None:
    log_in_new_user(client, Role.FINANCE)
    job = invalid_job()

    home = parse_html(client.get(reverse("backoffice:home")))
    assert UPLOAD not in [a["href"] for a in home.select("a")]
    assert client.get(UPLOAD).status_code == 403
    assert client.get(job_url(job)).status_code == 403
    with assert_unchanged(job, counted=[OrganisationImport, DBTaskResult]):
        assert client.post(UPLOAD, {}).status_code == 403
        confirm = client.post(job_url(job, "organisation_import_confirm"), {"mode": "valid_only"})
        assert confirm.status_code == 403


@pytest.mark.parametrize("role", [Role.ORGANISATION, Role.CORRESPONDENT, Role.FAMILY])
def test_other_roles_get_403_whatever_the_job(client: Client, role: str) -> None:
    job = invalid_job()
    failed = make_job(S.FAILED, file_error="Interrompu.")
    log_in_new_user(client, role)

    assert client.get(UPLOAD).status_code == 403
    assert client.get(job_url(job)).status_code == 403
    with assert_unchanged(job, failed, counted=[OrganisationImport, DBTaskResult]):
        assert client.post(UPLOAD, {}).status_code == 403
        confirm = client.post(job_url(job, "organisation_import_confirm"), {"mode": "valid_only"})
        assert confirm.status_code == 403
        assert client.post(job_url(failed, "organisation_import_retry")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client) -> None:
    response: Any = client.get(UPLOAD)
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_an_unknown_job_is_not_found(client: Client) -> None:
    log_in_new_user(client)
    assert client.get(reverse("backoffice:organisation_import_job", args=[999])).status_code == 404


# The upload form ------------------------------------------------------------------------------


def test_the_form_lists_every_column_and_marks_the_required_ones(client: Client) -> None:
    log_in_new_user(client)

    items = [
        " ".join(li.get_text().split()) for li in parse_html(client.get(UPLOAD)).select("ol li")
    ]

    assert "« nom » (obligatoire)" in items
    assert "« iban » (obligatoire)" in items
    assert "« sigle »" in items
    assert "« fichier convention »" in items


def test_sending_no_file_is_explained_and_creates_nothing(client: Client) -> None:
    log_in_new_user(client)

    with assert_unchanged(counted=[OrganisationImport, DBTaskResult]):
        response = client.post(UPLOAD, {})

    assert response.status_code == 200
    assert "Choisissez un fichier." in page_text(response)


def test_the_latest_jobs_are_listed_with_their_state(client: Client) -> None:
    log_in_new_user(client)
    job = invalid_job(original_name="export-2026.csv")

    page = parse_html(client.get(UPLOAD))

    link = page.select_one(f'a[href="{job_url(job)}"]')
    assert link is not None and link.get_text() == "export-2026.csv"
    assert "Erreurs à corriger" in page_text(client.get(UPLOAD))


# The report -----------------------------------------------------------------------------------


def test_the_report_names_each_wrong_line_with_its_messages(client: Client) -> None:
    log_in_new_user(client)
    job = invalid_job()

    response = client.get(job_url(job))

    assert report(response) == {3: "SIRET invalide. Commune inconnue : « Paris »."}
    text = page_text(response)
    assert "Lignes 3 Lignes valides 2 Lignes en erreur 1" in text
    assert "Rien n'a été importé." in text


def test_with_a_wrong_line_only_the_explicit_valid_lines_import_is_offered(client: Client) -> None:
    log_in_new_user(client)
    job = invalid_job()

    response = client.get(job_url(job))

    assert buttons(response) == ["Importer les 2 lignes valides"]
    form = parse_html(response).select_one("main form")
    assert form is not None
    assert form["action"] == job_url(job, "organisation_import_confirm")
    mode = form.select_one("input[name=mode]")
    assert mode is not None and mode["value"] == OrganisationImportMode.VALID_ONLY


def test_a_clean_file_offers_to_import_every_line(client: Client) -> None:
    log_in_new_user(client)
    job = make_job(S.VALID)

    response = client.get(job_url(job))

    assert buttons(response) == ["Importer les 3 lignes"]
    mode = parse_html(response).select_one("main form input[name=mode]")
    assert mode is not None and mode["value"] == OrganisationImportMode.ALL


def test_a_file_refused_as_a_whole_shows_its_message_and_offers_no_import(client: Client) -> None:
    log_in_new_user(client)
    job = make_job(
        S.INVALID,
        total_lines=0,
        valid_lines=0,
        file_error="L'archive contient un chemin (« ../rib.pdf ») : rien n'en a été extrait.",
    )

    response = client.get(job_url(job))

    alert = parse_html(response).select_one("[role=alert]")
    assert alert is not None
    assert "« ../rib.pdf »" in alert.get_text()
    assert buttons(response) == []


def test_an_unknown_mode_is_refused_and_nothing_is_queued(client: Client) -> None:
    log_in_new_user(client)
    job = invalid_job()

    with assert_unchanged(job, counted=[DBTaskResult]):
        response = client.post(
            job_url(job, "organisation_import_confirm"), {"mode": "tout"}, follow=True
        )

    assert messages_of(response) == ["Choix d'import inconnu."]


def test_the_report_is_paginated_by_fifty(client: Client) -> None:
    log_in_new_user(client)
    errors = [{"line": n, "messages": ["Courriel invalide."]} for n in range(2, 122)]
    job = make_job(S.INVALID, total_lines=120, valid_lines=0, error_lines=120, errors=errors)

    assert len(report(client.get(job_url(job)))) == 50
    assert sorted(report(client.get(job_url(job), {"page": 3}))) == list(range(102, 122))


def test_a_running_check_shows_its_progress_and_a_plain_refresh_link(client: Client) -> None:
    log_in_new_user(client)
    job = make_job(S.VALIDATING, total_lines=200, processed_lines=100, valid_lines=0)

    page = parse_html(client.get(job_url(job)))

    zone = page.select_one("#avancement-reprise[data-live-progress]")
    assert zone is not None
    progress = zone.select_one("progress")
    assert progress is not None and progress["value"] == "50"
    manual = zone.select_one("[data-progress-manual]")
    assert manual is not None and manual["href"] == job_url(job)
    assert page.select_one("meta[http-equiv]") is None  # a reload would throw the focus away
    assert buttons(client.get(job_url(job))) == ["Arrêter la mise à jour"]


# After the import -----------------------------------------------------------------------------


def test_after_an_import_the_counts_and_the_bank_differences_are_listed(client: Client) -> None:
    log_in_new_user(client)
    known = factories.OrganisationFactory(legal_name="Judo Club de Sceaux")
    job = make_job(
        S.IMPORTED,
        mode=OrganisationImportMode.ALL,
        imported_by=factories.UserFactory(gestionnaire=True, first_name="Inès", last_name="Roy"),
        created_organisations=1,
        updated_organisations=1,
        unchanged_organisations=1,
        bank_differences=[{"line": 4, "organisation_id": known.pk, "name": known.legal_name}],
    )

    response = client.get(job_url(job))

    text = page_text(response)
    assert (
        "Organismes créés 1 Organismes mis à jour 1 Organismes inchangés 1 Importé par Inès Roy"
    ) in text
    heading = parse_html(response).select_one("#coordonnees-differentes")
    assert heading is not None
    assert heading.get_text() == "Coordonnées différentes : à faire confirmer par l'organisme"
    assert report(response) == {4: "Judo Club de Sceaux"}
    link = parse_html(response).select_one("#coordonnees-differentes ~ div a")
    assert link is not None
    assert link["href"] == reverse("backoffice:organisation", args=[known.pk])
    assert buttons(response) == []


def test_after_a_valid_lines_import_the_lines_left_out_are_listed(client: Client) -> None:
    log_in_new_user(client)
    job = invalid_job(status=S.IMPORTED, mode=OrganisationImportMode.VALID_ONLY)

    response = client.get(job_url(job))

    heading = parse_html(response).select_one("#erreurs")
    assert heading is not None and heading.get_text() == "Lignes laissées de côté"
    assert report(response) == {3: "SIRET invalide. Commune inconnue : « Paris »."}
    assert "Lignes importées 2 (seulement les lignes valides)" in page_text(response)
    assert parse_html(response).select_one("#coordonnees-differentes") is None
    assert buttons(response) == []


def test_a_failed_job_offers_its_retry(client: Client) -> None:
    log_in_new_user(client)
    check = make_job(S.FAILED, file_error="Le traitement a été interrompu.")
    imports = make_job(S.FAILED, mode=OrganisationImportMode.ALL, file_error="Interrompu.")

    assert buttons(client.get(job_url(check))) == ["Relancer la vérification"]
    assert buttons(client.get(job_url(imports))) == ["Relancer l'import"]
    form = parse_html(client.get(job_url(check))).select_one("main form")
    assert form is not None and form["action"] == job_url(check, "organisation_import_retry")
