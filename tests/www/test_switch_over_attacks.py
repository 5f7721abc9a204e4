"""The switch-over (issue 34) attacked from outside: other organisations' and other roles' access
to the previous system's conventions, the import pages and the unclaimed page; a claim link used
while signed in as another organisation's member; unknown or foreign job ids; « importer »
posted when it must be refused; hostile files through the page; an IBAN change for a known
organisation through the command's `--apply --valid-only`."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Role, User
from passplus.core.errors import DomainError
from passplus.core.imports import ImportStatus
from passplus.organisations.models import (
    BankAccount,
    ImportedOrganisation,
    Organisation,
    OrganisationImport,
    OrganisationImportMode,
    OrganisationImportStatus,
)
from passplus.organisations.switch_over import requests as import_requests
from passplus.pupils.import_jobs import ImportJob
from tests.helpers import factories
from tests.helpers.accounts import log_in_new_user
from tests.helpers.affiliation import PDF_BYTES, STRONG_PASSWORD
from tests.helpers.backoffice import messages_of
from tests.helpers.claims import imported_organisation as invited_organisation
from tests.helpers.claims import last_claim_path
from tests.helpers.database import assert_unchanged
from tests.helpers.imported_organisations import imported_organisation
from tests.helpers.pages import parse_html
from tests.helpers.races import held_together, run_together
from tests.helpers.switch_over import bic_of_iban, organisation_csv, organisation_row, valid_iban
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

S = OrganisationImportStatus
UPLOAD = reverse("backoffice:organisation_import")
IMPORTED_ROWS = [Organisation, ImportedOrganisation, BankAccount]


def job_url(pk: int, name: str = "organisation_import_job") -> str:
    return reverse(f"backoffice:{name}", args=[pk])


def upload(client: Client, data: bytes) -> Any:
    return client.post(UPLOAD, {"file": SimpleUploadedFile("organismes.csv", data, "text/csv")})


def checked(client: Client, data: bytes) -> OrganisationImport:
    response = upload(client, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    run_queued_tasks()
    return OrganisationImport.objects.latest("pk")


def confirm(client: Client, pk: int, mode: str) -> Any:
    return client.post(job_url(pk, "organisation_import_confirm"), {"mode": mode}, follow=True)


# The previous system's conventions ----------------------------------------------------------


def test_a_member_of_another_organisation_never_gets_its_previous_convention(
    client: Client,
) -> None:
    importer = factories.UserFactory(gestionnaire=True)
    theirs = imported_organisation(importer=importer)
    url = reverse("partner:previous_convention_pdf")
    # A member of an organisation that joined here: nothing of theirs to download.
    other = factories.OrganisationFactory()
    client.force_login(factories.UserFactory(role=Role.ORGANISATION, organisation=other))
    assert client.get(url).status_code == 404
    # A member of another imported organisation: its own file only, never theirs.
    mine = imported_organisation(importer=importer)
    assert mine.convention_document.name != theirs.convention_document.name
    client.force_login(
        factories.UserFactory(role=Role.ORGANISATION, organisation=mine.organisation)
    )
    response: Any = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] == (
        'attachment; filename="convention-systeme-precedent.pdf"'
    )
    # The back office's URL of the other organisation is not theirs either.
    back_office = reverse("backoffice:previous_convention_pdf", args=[theirs.organisation_id])
    assert client.get(back_office).status_code == 403


def test_finance_reads_the_previous_convention_as_it_reads_the_platform_s_own(
    client: Client,
) -> None:
    """Finance staff read the organisation pages, their RIBs and signed conventions (DESIGN's
    roles): the previous system's convention is one more of those documents; a correspondent
    reads none of them."""
    imported = imported_organisation(importer=factories.UserFactory(gestionnaire=True))
    url = reverse("backoffice:previous_convention_pdf", args=[imported.organisation_id])
    log_in_new_user(client, Role.FINANCE)
    assert client.get(url).status_code == 200
    assert (
        client.get(reverse("backoffice:organisation", args=[imported.organisation_id])).status_code
        == 200
    )
    log_in_new_user(client, Role.CORRESPONDENT)
    assert client.get(url).status_code == 403


# Roles without rights on the import pages and the unclaimed page ---------------------------


@pytest.mark.parametrize("role", [Role.FINANCE, Role.CORRESPONDENT, Role.ORGANISATION])
def test_roles_without_rights_get_403_on_every_switch_over_page_and_change_nothing(
    client: Client, role: str
) -> None:
    gestionnaire = factories.UserFactory(gestionnaire=True)
    job = OrganisationImport.objects.create(
        original_name="organismes.csv", sha256="ab" * 32, status=S.VALID, created_by=gestionnaire
    )
    unclaimed = invited_organisation()
    log_in_new_user(client, role)
    pages = [
        UPLOAD,
        job_url(job.pk),
        reverse("backoffice:unclaimed_organisations"),
        reverse("backoffice:unclaimed_organisations_csv"),
    ]
    actions = [
        (UPLOAD, {}),
        (job_url(job.pk, "organisation_import_confirm"), {"mode": "all"}),
        (job_url(job.pk, "organisation_import_retry"), {}),
        (reverse("backoffice:claim_invitation_resend", args=[unclaimed.pk]), {}),
        (reverse("backoffice:claim_invitations_resend_all"), {}),
    ]
    with assert_unchanged(job, unclaimed, counted=[OrganisationImport, DBTaskResult]):
        assert [client.get(page).status_code for page in pages] == [403] * len(pages)
        statuses = [client.post(url, data).status_code for url, data in actions]
    assert statuses == [403] * len(actions)


# A claim link of X used while signed in as a member of Y -------------------------------------


def test_a_claim_link_used_while_signed_in_elsewhere_gives_the_member_nothing_of_x(
    client: Client,
) -> None:
    x = invited_organisation(contact_email="contact@x.example.fr", legal_name="Club X")
    y = factories.OrganisationFactory(legal_name="Club Y")
    member = factories.UserFactory(role=Role.ORGANISATION, organisation=y)
    client.force_login(member)
    path = last_claim_path("contact@x.example.fr")

    response = client.post(
        path,
        {
            "first_name": "Marie",
            "last_name": "Dupont",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )

    assert response.status_code == 302
    # One new account, X's contact's; the member stays Y's, with no rights on X.
    created = User.objects.get(organisation=x.organisation)
    assert created.email == "contact@x.example.fr" and created.pk != member.pk
    member.refresh_from_db()
    assert member.organisation == y
    assert User.objects.filter(organisation=y).count() == 1
    # The session is now the new account's, not the member's.
    assert int(client.session["_auth_user_id"]) == created.pk


def test_a_claim_link_whose_contact_is_the_signed_in_member_creates_no_second_account(
    client: Client,
) -> None:
    y = factories.OrganisationFactory()
    member = factories.UserFactory(
        role=Role.ORGANISATION, organisation=y, email="benevole@club.example.fr"
    )
    x = invited_organisation(contact_email="benevole@club.example.fr")
    client.force_login(member)
    path = last_claim_path("benevole@club.example.fr")

    with assert_unchanged(x, counted=[User]):
        response = client.post(path, {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})

    assert response.status_code == 409
    member.refresh_from_db()
    assert member.organisation == y


# Unknown or foreign job ids ---------------------------------------------------------------------


@pytest.mark.parametrize("pk", [999_999, 2**31, 2**63, 2**70])
def test_an_unknown_job_id_is_404_on_every_import_page(client: Client, pk: int) -> None:
    log_in_new_user(client)
    assert client.get(job_url(pk)).status_code == 404
    with assert_unchanged(counted=[OrganisationImport, DBTaskResult]):
        assert (
            client.post(job_url(pk, "organisation_import_confirm"), {"mode": "all"}).status_code
            == 404
        )
        assert client.post(job_url(pk, "organisation_import_retry")).status_code == 404


def test_the_id_of_a_pupil_import_or_of_an_imported_organisation_is_not_an_import_job(
    client: Client,
) -> None:
    log_in_new_user(client)
    pupils = ImportJob.objects.create(
        school_year=factories.SchoolYearFactory(),
        original_name="eleves.csv",
        status=ImportStatus.VALID,
    )
    imported = invited_organisation()
    plain = factories.OrganisationFactory()
    assert not OrganisationImport.objects.exists()

    with assert_unchanged(pupils, imported, counted=[*IMPORTED_ROWS, DBTaskResult]):
        for pk in {pupils.pk, imported.pk, imported.organisation_id}:
            assert client.get(job_url(pk)).status_code == 404
            confirmed = client.post(job_url(pk, "organisation_import_confirm"), {"mode": "all"})
            assert confirmed.status_code == 404
            assert client.post(job_url(pk, "organisation_import_retry")).status_code == 404
        # The resend takes an imported organisation's id, never a plain organisation's.
        assert not ImportedOrganisation.objects.filter(pk=plain.pk + 1000).exists()
        resend = reverse("backoffice:claim_invitation_resend", args=[plain.pk + 1000])
        assert client.post(resend).status_code == 404


# « Importer » when it must be refused ----------------------------------------------------------


def test_import_all_of_an_invalid_job_is_refused_and_imports_nothing(client: Client) -> None:
    log_in_new_user(client)
    job = checked(client, organisation_csv(3, planted={3: {"iban": "FR76 1234"}}))
    assert job.status == S.INVALID

    with assert_unchanged(job, counted=[*IMPORTED_ROWS, DBTaskResult]):
        refused = confirm(client, job.pk, "all")
        unknown = confirm(client, job.pk, "everything")
        missing = client.post(job_url(job.pk, "organisation_import_confirm"), follow=True)

    assert "Le fichier contient des erreurs" in messages_of(refused)[0]
    assert messages_of(unknown) == messages_of(missing) == ["Choix d'import inconnu."]


def test_import_of_an_imported_job_or_of_a_file_error_is_refused(client: Client) -> None:
    log_in_new_user(client)
    done = checked(client, organisation_csv(2))
    confirm(client, done.pk, "all")
    run_queued_tasks()
    done.refresh_from_db()
    assert done.status == S.IMPORTED
    broken = checked(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    assert broken.status == S.INVALID and broken.file_error

    with assert_unchanged(done, broken, counted=[*IMPORTED_ROWS, DBTaskResult]):
        again = [confirm(client, done.pk, mode) for mode in ("all", "valid_only")]
        file_error = [confirm(client, broken.pk, mode) for mode in ("all", "valid_only")]

    assert [messages_of(r) for r in again] == [["Cette reprise a déjà été importée."]] * 2
    assert "Le fichier contient des erreurs" in messages_of(file_error[0])[0]
    assert messages_of(file_error[1]) == ["Aucune ligne valide à importer."]


def test_import_requested_twice_at_once_is_queued_once() -> None:
    staff = factories.UserFactory(gestionnaire=True)
    job = OrganisationImport.objects.create(
        original_name="organismes.csv", sha256="ab" * 32, status=S.VALID, created_by=staff
    )
    # Two requests that each read the job before either wrote (two tabs, one double click).
    first, second = (OrganisationImport.objects.get(pk=job.pk) for _ in range(2))
    other = factories.UserFactory(gestionnaire=True)

    import_requests.organisation_import_request(
        job=first, mode=OrganisationImportMode.ALL, actor=staff
    )
    with assert_unchanged(counted=[DBTaskResult]), pytest.raises(DomainError) as refused:
        import_requests.organisation_import_request(
            job=second, mode=OrganisationImportMode.VALID_ONLY, actor=other
        )

    assert refused.value.message == "Cette reprise a déjà été lancée."
    job.refresh_from_db()
    assert (job.status, job.mode, job.imported_by) == (S.IMPORT_PENDING, "all", staff)
    assert (
        DBTaskResult.objects.filter(
            task_path="passplus.organisations.tasks.organisation_import_run"
        ).count()
        == 1
    )


# Hostile files through the page ----------------------------------------------------------------


def test_ten_thousand_columns_through_the_page_get_a_message_and_import_nothing(
    client: Client,
) -> None:
    log_in_new_user(client)
    wide = organisation_csv(3).replace(b"\r\n", b";" * 10_000 + b"\r\n", 1)

    job = checked(client, wide)

    assert job.status == S.INVALID and job.file_error
    assert not any(model.objects.exists() for model in IMPORTED_ROWS)
    page = parse_html(client.get(job_url(job.pk)))
    shown = page.select_one("main [role=alert]")
    assert shown is not None
    assert shown.get_text().split() == job.file_error.split()
    assert "colonnes, 200 au plus" in job.file_error
    assert page.select("main button") == []


def test_a_formula_through_the_page_is_imported_as_text_and_exported_neutralised(
    client: Client,
) -> None:
    log_in_new_user(client)
    formula = '=HYPERLINK("http://evil.example","clic")'
    job = checked(client, organisation_csv(1, planted={2: {"legal_name": formula}}))
    assert job.status == S.VALID
    confirm(client, job.pk, "all")
    run_queued_tasks()
    assert Organisation.objects.get().legal_name == formula

    export: Any = client.get(reverse("backoffice:unclaimed_organisations_csv"))
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    _header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert row[0] == "'" + formula  # read as text by a spreadsheet, never run


def test_a_file_over_twenty_mebibytes_through_the_page_is_refused_before_anything_is_stored(
    client: Client, settings: Any
) -> None:
    log_in_new_user(client)
    big = organisation_csv(1) + b"x" * (import_requests.MAX_FILE_BYTES)
    assert len(big) > 20 * 2**20
    assert len(big) < settings.PASSPLUS_MAX_ORGANISATION_IMPORT_REQUEST_BYTES

    with assert_unchanged(counted=[OrganisationImport, DBTaskResult]):
        response: Any = upload(client, big)

    assert response.status_code == 200
    assert "Le fichier dépasse 20 Mo : découpez-le." in response.content.decode()


def test_a_request_over_the_page_s_limit_is_refused_whole(client: Client) -> None:
    log_in_new_user(client)
    limit = settings.PASSPLUS_MAX_ORGANISATION_IMPORT_REQUEST_BYTES

    with assert_unchanged(counted=[OrganisationImport, DBTaskResult]):
        response = upload(client, b"x" * (limit + 1))

    assert response.status_code == 413


# An IBAN change for a known organisation through the command -----------------------------------


def test_the_command_s_apply_valid_only_never_applies_a_changed_iban(tmp_path: Path) -> None:
    factories.UserFactory(gestionnaire=True, email="gestion@cd.example.fr")
    first = tmp_path / "premier.csv"
    first.write_bytes(organisation_csv(3))
    call_command(
        "import_organisations",
        str(first),
        "--apply",
        "--as",
        "gestion@cd.example.fr",
        stdout=io.StringIO(),
    )
    accounts = list(BankAccount.objects.order_by("pk").values())
    assert len(accounts) == 3
    new_iban = valid_iban(4_242)
    assert organisation_row(3)["iban"].replace(" ", "") != new_iban
    later = tmp_path / "second.csv"
    later.write_bytes(
        organisation_csv(
            3,
            planted={
                3: {"iban": new_iban, "bic": bic_of_iban(new_iban), "bank_validated": "oui"},
                4: {"siret": "123"},  # a wrong line, so that --valid-only is what runs
            },
        )
    )
    out = io.StringIO()

    try:
        call_command(
            "import_organisations",
            str(later),
            "--apply",
            "--valid-only",
            "--as",
            "gestion@cd.example.fr",
            stdout=out,
            stderr=out,
        )
    except CommandError as error:  # a non-zero exit for the wrong line is fine
        out.write(str(error))

    assert list(BankAccount.objects.order_by("pk").values()) == accounts
    assert not BankAccount.objects.filter(iban=new_iban).exists()
    assert "coordonnées différentes : à faire confirmer par l'organisme" in out.getvalue()
    job = OrganisationImport.objects.latest("pk")
    assert [row["line"] for row in job.bank_differences] == [3]


# Four eyes: the person who uploaded the file is not a second person ----------------------------


def test_whoever_uploaded_the_file_cannot_validate_the_bank_details_another_imported(
    client: Client,
) -> None:
    """A uploads a file (its IBANs are A's), B clicks « Importer »: A confirming them would
    leave one person deciding which account is paid. Neither may validate; a third may."""
    uploader = log_in_new_user(client)
    job = checked(client, organisation_csv(1))
    importer = factories.UserFactory(gestionnaire=True)
    import_requests.organisation_import_request(
        job=job, mode=OrganisationImportMode.ALL, actor=importer
    )
    run_queued_tasks()
    account = BankAccount.objects.get()
    assert account.entered_by == importer
    validate = reverse(
        "backoffice:bank_account_validate", args=[account.organisation_id, account.pk]
    )

    with assert_unchanged(account):
        with pytest.raises(DomainError, match="une autre personne"):
            account.validate(actor=uploader)
        page = parse_html(
            client.get(reverse("backoffice:organisation", args=[account.organisation_id]))
        )
        assert page.select(f'form[action="{validate}"]') == []
        refused = client.post(validate, follow=True)
    assert messages_of(refused) == [
        "Les coordonnées bancaires doivent être validées par une autre personne "
        "que celle qui les a saisies."
    ]

    third = factories.UserFactory(gestionnaire=True)
    account.validate(actor=third)
    account.refresh_from_db()
    assert account.reviewed_by == third


@pytest.mark.django_db(transaction=True)
def test_import_requested_by_two_people_at_the_same_instant_is_queued_once() -> None:
    """Two gestionnaires press « Importer » at the same instant, each with the job as it was
    read: one import queued, the other told it has already started."""
    staff = [factories.UserFactory(gestionnaire=True) for _ in range(2)]
    job = OrganisationImport.objects.create(
        original_name="organismes.csv", sha256="ab" * 32, status=S.VALID, created_by=staff[0]
    )
    held = held_together(OrganisationImport.claim)

    def request(actor: User) -> Any:
        return import_requests.organisation_import_request(
            job=OrganisationImport.objects.get(pk=job.pk),
            mode=OrganisationImportMode.ALL,
            actor=actor,
        )

    with mock.patch.object(OrganisationImport, "claim", held):
        outcomes = run_together(lambda: request(staff[0]), lambda: request(staff[1]))

    refusals = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
    assert outcomes.count(None) == 1 and len(refusals) == 1, outcomes
    assert str(refusals[0]) in {
        "Cette reprise a déjà été lancée.",
        "Cette reprise est déjà en cours.",
    }
    job.refresh_from_db()
    assert job.status == S.IMPORT_PENDING
    assert (
        DBTaskResult.objects.filter(
            task_path="passplus.organisations.tasks.organisation_import_run"
        ).count()
        == 1
    )
