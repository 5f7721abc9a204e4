"""The switch-over from the command line (docs/switch-over.md):
`manage.py import_organisations FILE [--documents ZIP] [--apply [--valid-only] --as EMAIL]`.

Without --apply it only checks (the same checks as the back office's « Reprise des
organismes »): the report by line number, nothing written; the exit status is 1 when a line
(or the file, or the archive) is wrong, 0 otherwise. With --apply it imports every line, all or
nothing, and is refused (status 1, nothing written) while a line is wrong, unless --valid-only
(the valid lines imported, the others listed). --as names the gestionnaire or admin who
imports: they are the one who entered the imported bank details, so another staff person must
confirm them (four eyes); required with --apply. The import is recorded as a job, listed on the
back office page like an uploaded one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from passplus.accounts.models import User
from passplus.core.csv_files import FileError
from passplus.core.errors import DomainError
from passplus.organisations.models import OrganisationImportMode
from passplus.organisations.switch_over.checking import CheckResult, check_file
from passplus.organisations.switch_over.documents import (
    ArchiveError,
    DocumentArchive,
    open_archive,
)
from passplus.organisations.switch_over.jobs import organisation_import_now
from passplus.organisations.switch_over.requests import MAX_FILE_BYTES


class Command(BaseCommand):
    help = (
        "Vérifie un fichier CSV d'organismes du système précédent (reprise), puis l'importe "
        "avec --apply. Sans --apply, rien n'est modifié ; le code de sortie est 1 si une ligne "
        "est en erreur."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FICHIER", help="Le fichier CSV des organismes.")
        parser.add_argument(
            "--documents",
            metavar="ZIP",
            help="L'archive ZIP des RIB et des conventions signées (colonnes « fichier rib » "
            "et « fichier convention »).",
        )
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Importer (sans cette option : vérification seule, rien n'est modifié).",
        )
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="Avec --apply : importer seulement les lignes valides, les autres restent "
            "dans le rapport.",
        )
        parser.add_argument(
            "--as",
            dest="actor_email",
            metavar="COURRIEL",
            help="Avec --apply (obligatoire) : l'adresse du gestionnaire ou de l'administrateur "
            "qui importe. Les coordonnées bancaires importées devront être validées par une "
            "autre personne.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["valid_only"] and not options["apply"]:
            raise CommandError("--valid-only ne s'emploie qu'avec --apply.")
        actor = _actor(options["actor_email"]) if options["apply"] else None
        path = Path(options["file"])
        data = _read(path, MAX_FILE_BYTES, "Le fichier")
        archive_data = (
            _read(Path(options["documents"]), None, "L'archive des documents")
            if options["documents"]
            else None
        )
        try:
            archive = open_archive(archive_data) if archive_data is not None else None
            result = check_file(data, archive=archive)
        except (FileError, ArchiveError) as error:
            raise CommandError(str(error)) from error
        self._report(path.name, result)
        if actor is None:
            if result.errors:
                raise CommandError(
                    f"{_lines(len(result.errors))} en erreur : corrigez le fichier (rien n'a été "
                    "importé)."
                )
            self.stdout.write(
                "Fichier valide. Rien n'a été importé : ajoutez --apply pour importer."
            )
            return
        self._import(path.name, data, result, archive, actor, options)

    def _import(
        self,
        name: str,
        data: bytes,
        result: CheckResult,
        archive: DocumentArchive | None,
        actor: User,
        options: dict[str, Any],
    ) -> None:
        valid_only = options["valid_only"]
        mode = OrganisationImportMode.VALID_ONLY if valid_only else OrganisationImportMode.ALL
        try:
            job = organisation_import_now(
                data=data,
                name=name,
                result=result,
                archive=archive,
                documents_name=Path(options["documents"]).name if options["documents"] else "",
                mode=mode,
                actor=actor,
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Import terminé : {job.created_organisations} organisme(s) créé(s), "
            f"{job.updated_organisations} mis à jour, {job.unchanged_organisations} inchangé(s)."
        )
        if result.errors:
            left_out = ", ".join(str(line) for line, _messages in result.errors)
            self.stdout.write(f"Lignes laissées de côté (en erreur) : {left_out}.")
        for difference in job.bank_differences:
            self.stdout.write(
                f"Ligne {difference['line']} : {difference['name']} — {difference['message']}."
            )

    def _report(self, name: str, result: CheckResult) -> None:
        self.stdout.write(
            f"{name} : {_lines(result.total)}, {len(result.valid)} valide(s), "
            f"{len(result.errors)} en erreur."
        )
        for line, messages in result.errors:
            for message in messages:
                self.stdout.write(f"Ligne {line} : {message}")


def _lines(count: int) -> str:
    return f"{count} ligne" + ("s" if count > 1 else "")


def _read(path: Path, limit: int | None, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise CommandError(f"{what} {path} dépasse la taille admise : découpez-le.")
        return path.read_bytes()
    except OSError as error:
        raise CommandError(f"{what} {path} ne peut pas être lu : {error.strerror}.") from error


def _actor(email: str | None) -> User:
    if not email:
        raise CommandError(
            "--apply demande --as COURRIEL : l'adresse du gestionnaire ou de l'administrateur "
            "qui importe (les coordonnées bancaires importées seront validées par une autre "
            "personne)."
        )
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_manager:
        raise CommandError(
            f"{email} n'est pas le compte actif d'un gestionnaire ou d'un administrateur."
        )
    return user
