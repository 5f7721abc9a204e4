"""`manage.py import_organisations FILE [--documents ZIP] [--apply [--valid-only] --as EMAIL]`:
without --apply it checks and changes nothing (exit status 1 when a line is wrong); with
--apply it imports all lines, or explicitly only the valid ones, as a named gestionnaire, who
then cannot validate the imported bank details."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Invitation, User
from passplus.core.errors import DomainError
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import (
    BankAccount,
    ImportedOrganisation,
    Organisation,
    OrganisationImport,
    OrganisationImportMode,
    OrganisationImportStatus,
)
from tests.helpers import factories
from tests.helpers.affiliation import PDF_BYTES
from tests.helpers.database import assert_unchanged
from tests.helpers.switch_over import bic_of_iban, organisation_csv, valid_iban, zip_archive
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

COUNTED = [Organisation, ImportedOrganisation, BankAccount, Invitation, OrganisationImport]
STAFF_EMAIL = "gestion@departement.example.fr"


@pytest.fixture
def staff() -> User:
    return factories.UserFactory(gestionnaire=True, email=STAFF_EMAIL)


def write(tmp_path: Path, data: bytes, name: str = "organismes.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def command(*args: str) -> tuple[int, str]:
    """(exit status, what it printed, errors included) of the command."""
    out = io.StringIO()
    try:
        call_command("import_organisations", *args, stdout=out, stderr=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def test_a_check_without_apply_changes_nothing_and_exits_zero(tmp_path: Path, staff: User) -> None:
    path = write(tmp_path, organisation_csv(2))

    with assert_unchanged(counted=[*COUNTED, DBTaskResult]):
        status, output = command(path)

    assert status == 0
    assert "organismes.csv : 2 lignes, 2 valide(s), 0 en erreur." in output
    assert "Rien n'a été importé : ajoutez --apply" in output


def test_a_wrong_line_exits_non_zero_with_the_report_by_line(tmp_path: Path, staff: User) -> None:
    wrong = {"iban": "FR76 1234", "contact_email": "pas-un-mail"}
    path = write(tmp_path, organisation_csv(2, planted={3: wrong}))

    with assert_unchanged(counted=[*COUNTED, DBTaskResult]):
        status, output = command(path)

    assert status == 1
    report = [line for line in output.splitlines() if line.startswith("Ligne ")]
    assert len(report) >= 2 and all(line.startswith("Ligne 3 : ") for line in report)
    assert "1 ligne en erreur : corrigez le fichier (rien n'a été importé)." in output


def test_apply_imports_every_line_as_the_named_staff_member(tmp_path: Path, staff: User) -> None:
    path = write(tmp_path, organisation_csv(2))

    status, output = command(path, "--apply", "--as", STAFF_EMAIL)

    assert status == 0, output
    assert "Import terminé : 2 organisme(s) créé(s), 0 mis à jour, 0 inchangé(s)." in output
    organisation = ImportedOrganisation.objects.get(line=2).organisation
    assert organisation.status == OrganisationStatus.AFFILIATED
    job = OrganisationImport.objects.get()
    assert (job.status, job.mode, job.imported_by) == (
        OrganisationImportStatus.IMPORTED,
        OrganisationImportMode.ALL,
        staff,
    )
    assert organisation.imported.source == job
    with job.file.open("rb") as stored:
        assert stored.read() == Path(path).read_bytes()
    # Four eyes: the importer entered the bank details, so another person validates them.
    account = organisation.bank_accounts.get()
    assert (account.status, account.entered_by) == (BankAccountStatus.PENDING, staff)
    with pytest.raises(DomainError, match="autre personne"):
        account.validate(actor=staff)
    account.validate(actor=factories.UserFactory(gestionnaire=True))
    assert account.status == BankAccountStatus.VALIDATED

    # The same file again: nothing changes.
    status, output = command(path, "--apply", "--as", STAFF_EMAIL)
    assert status == 0
    assert "0 organisme(s) créé(s), 0 mis à jour, 2 inchangé(s)." in output
    run_queued_tasks()
    assert Invitation.objects.count() == 2


def test_apply_is_refused_while_a_line_is_wrong(tmp_path: Path, staff: User) -> None:
    path = write(tmp_path, organisation_csv(2, planted={3: {"iban": "FR76 1234"}}))

    with assert_unchanged(counted=[*COUNTED, DBTaskResult]):
        status, output = command(path, "--apply", "--as", STAFF_EMAIL)

    assert status == 1
    assert "1 ligne(s) en erreur : rien n'a été importé" in output


def test_valid_only_imports_the_valid_lines_and_lists_the_others(
    tmp_path: Path, staff: User
) -> None:
    path = write(tmp_path, organisation_csv(3, planted={3: {"iban": "FR76 1234"}}))

    status, output = command(path, "--apply", "--valid-only", "--as", STAFF_EMAIL)

    assert status == 0, output
    assert "2 organisme(s) créé(s)" in output
    assert "Lignes laissées de côté (en erreur) : 3." in output
    job = OrganisationImport.objects.get()
    assert job.mode == OrganisationImportMode.VALID_ONLY
    assert [error["line"] for error in job.errors] == [3]


def test_a_later_file_lists_the_different_iban(tmp_path: Path, staff: User) -> None:
    command(write(tmp_path, organisation_csv(1)), "--apply", "--as", STAFF_EMAIL)

    new_iban = valid_iban(999)
    changed = organisation_csv(1, planted={2: {"iban": new_iban, "bic": bic_of_iban(new_iban)}})
    status, output = command(write(tmp_path, changed, "second.csv"), "--apply", "--as", STAFF_EMAIL)

    assert status == 0, output
    name = Organisation.objects.get().display_name
    difference = f"Ligne 2 : {name} — coordonnées différentes : à faire confirmer par l'organisme."
    assert difference in output
    assert BankAccount.objects.get().iban == valid_iban(2)


def test_the_documents_archive_is_read(tmp_path: Path, staff: User) -> None:
    documents = write(tmp_path, zip_archive({"convention-1.pdf": PDF_BYTES}), "documents.zip")
    named = organisation_csv(1, planted={2: {"convention_file": "convention-1.pdf"}})
    path = write(tmp_path, named)

    status, output = command(path, "--documents", documents, "--apply", "--as", STAFF_EMAIL)

    assert status == 0, output
    imported = ImportedOrganisation.objects.get()
    assert imported.convention_sha256 and imported.convention_document.name
    assert OrganisationImport.objects.get().documents_name == "documents.zip"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--apply"], "--apply demande --as COURRIEL"),
        (["--apply", "--as", "inconnu@example.fr"], "n'est pas le compte actif"),
        (["--valid-only"], "--valid-only ne s'emploie qu'avec --apply"),
        (["--documents", "/nulle/part.zip"], "ne peut pas être lu"),
    ],
)
def test_wrong_options_exit_non_zero_and_change_nothing(
    tmp_path: Path, staff: User, extra: list[str], message: str
) -> None:
    path = write(tmp_path, organisation_csv(1))

    with assert_unchanged(counted=[*COUNTED, DBTaskResult]):
        status, output = command(path, *extra)

    assert status == 1
    assert message in output


def test_a_finance_user_cannot_import(tmp_path: Path) -> None:
    finance = factories.UserFactory(finance=True)
    path = write(tmp_path, organisation_csv(1))

    with assert_unchanged(counted=COUNTED):
        status, output = command(path, "--apply", "--as", finance.email)

    assert status == 1 and "gestionnaire ou d'un administrateur" in output


@pytest.mark.parametrize(
    ("data", "documents", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", None, "pas un fichier CSV"),
        (None, b"not a zip", "ZIP"),
    ],
)
def test_an_unusable_file_or_archive_exits_non_zero(
    tmp_path: Path, staff: User, data: bytes | None, documents: bytes | None, message: str
) -> None:
    path = write(tmp_path, data if data is not None else organisation_csv(1))
    extra: list[Any] = ["--documents", write(tmp_path, documents, "d.zip")] if documents else []

    with assert_unchanged(counted=COUNTED):
        status, output = command(path, *extra, "--apply", "--as", STAFF_EMAIL)

    assert status == 1
    assert message in output and "Traceback" not in output
