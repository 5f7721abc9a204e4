#!/usr/bin/env python3
"""The restore drill (`make restore-drill`; docs/operations.md, "The restore drill"; issue 31):
proves that a dump of the PostgreSQL database restores whole, and that what the restored rows
point to still holds. It reads the database of DATABASE_URL and writes only a scratch one.

1. Opens a read-only REPEATABLE READ transaction on the database and exports its snapshot:
   `pg_dump --format=custom --snapshot=…` (the nightly backup's format, deployment.md) dumps
   exactly what that transaction sees, and the rows are counted in it, so the site may keep
   writing meanwhile and the comparison stays exact.
2. Restores the dump into a scratch database (`<name>_restore_drill` unless `--scratch`; dropped
   and created afresh) with `pg_restore --exit-on-error --no-owner --no-acl`.
3. Compares the row count of every table of the two.
4. On the restored rows: each signed convention's PDF is in MEDIA_ROOT with the SHA-256 stored,
   and its PAdES seal validates (intact, valid, trusted) against the configured seal
   certificate; each payment run's SEPA file is there with its stored SHA-256; each e-mail and
   SMS waiting in the task queue decrypts with this SECRET_KEY (without it they cannot be sent).
5. Drops the scratch database (`--keep` keeps it), prints one line per check (in French, for
   the operator) and exits 1 when one fails.

`--dump FILE` restores a given backup instead of making one (the quarterly test of the real
backups): its rows are counted and the files checked, but nothing is there to compare the
counts with.

Needs pg_dump and pg_restore (Debian's postgresql-client, installed with the server), a role
that may create databases, and the application's environment (/etc/passplus.env: SECRET_KEY,
MEDIA_ROOT, the seal's settings), read through passplus.settings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
import psycopg
from django.conf import settings
from django.db import connections
from psycopg import sql
from psycopg.conninfo import make_conninfo

ROOT = Path(__file__).resolve().parent.parent
# Run as `python scripts/restore_drill.py`: the project's root on the path for `passplus`; the
# checks (apart from any database, for the tests) are next to this file.
sys.path.insert(0, str(ROOT))
from restore_drill_checks import (  # noqa: E402
    Report,
    StoredFile,
    check_conventions,
    check_hashes,
    check_queue,
    compare_counts,
    plural,
)

# Task arguments that hold an e-mail or an SMS encrypted with SECRET_KEY
# (passplus.notifications.tasks: send_email's `sealed`, send_sms's `sealed_text`).
SEALED_ARGUMENTS = ("sealed", "sealed_text")
WAITING_STATUSES = ("READY", "RUNNING")


@dataclass(frozen=True)
class Database:
    """How to reach the server, and the database drilled (from Django's settings)."""

    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, settings_dict: Mapping[str, Any]) -> Database:
        if settings_dict["ENGINE"] != "django.db.backends.postgresql":
            raise SystemExit("L'exercice de restauration demande PostgreSQL (DATABASE_URL).")
        return cls(
            name=str(settings_dict["NAME"]),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
        )

    def environment(self) -> dict[str, str]:
        """libpq's variables for pg_dump and pg_restore (no password on their command line)."""
        values = {"PGUSER": self.user, "PGPASSWORD": self.password}
        values |= {"PGHOST": self.host, "PGPORT": self.port}
        return {**os.environ, **{key: value for key, value in values.items() if value}}

    def connect(self, name: str | None = None, **options: Any) -> Any:

        parameters = {"user": self.user, "password": self.password}
        parameters |= {"host": self.host, "port": self.port}
        given = {key: value for key, value in parameters.items() if value}
        return psycopg.connect(make_conninfo(dbname=name or self.name, **given), **options)


# Row counts --------------------------------------------------------------------------------


def table_counts(cursor: Any) -> dict[str, int]:
    """The row count of every table outside PostgreSQL's own schemas, by `schema.table`."""

    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    )
    counts = {}
    for schema, table in cursor.fetchall():
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        cursor.execute(query)
        counts[f"{schema}.{table}"] = int(cursor.fetchone()[0])
    return counts


def stored_files(
    cursor: Any, model: Any, file_field: str, hash_field: str, label: str
) -> list[StoredFile]:
    """The rows of `model` (in the restored database) that name a file or store a hash."""

    meta = model._meta
    query = sql.SQL("SELECT {}, {}, {} FROM {} WHERE {} <> '' OR {} <> '' ORDER BY 1").format(
        sql.Identifier(meta.pk.column),
        sql.Identifier(meta.get_field(file_field).column),
        sql.Identifier(meta.get_field(hash_field).column),
        sql.Identifier(meta.db_table),
        sql.Identifier(meta.get_field(file_field).column),
        sql.Identifier(meta.get_field(hash_field).column),
    )
    cursor.execute(query)
    return [StoredFile(f"{label} {pk}", name, sha256) for pk, name, sha256 in cursor.fetchall()]


# The task queue ----------------------------------------------------------------------------


def waiting_sealed_arguments(cursor: Any, model: Any) -> list[tuple[str, str]]:
    """(task id, encrypted text) of every argument of a waiting task that needs SECRET_KEY."""

    meta = model._meta
    query = sql.SQL("SELECT {}, {} FROM {} WHERE {} = ANY(%s) ORDER BY 1").format(
        sql.Identifier(meta.pk.column),
        sql.Identifier(meta.get_field("args_kwargs").column),
        sql.Identifier(meta.db_table),
        sql.Identifier(meta.get_field("status").column),
    )
    cursor.execute(query, [list(WAITING_STATUSES)])
    found = []
    for pk, args_kwargs in cursor.fetchall():
        values = args_kwargs if isinstance(args_kwargs, dict) else json.loads(args_kwargs)
        kwargs = values.get("kwargs") or {}
        found += [(str(pk), kwargs[name]) for name in SEALED_ARGUMENTS if kwargs.get(name)]
    return found


# The drill ---------------------------------------------------------------------------------


def run(command: list[str], database: Database) -> None:
    completed = subprocess.run(  # noqa: S603 (pg_dump, pg_restore, with our own arguments)
        command, env=database.environment(), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(
            f"{command[0]} a échoué ({completed.returncode}) : {completed.stderr.strip()}"
        )


def dump_and_count(database: Database, dump: Path) -> dict[str, int]:
    """Dump the database to `dump` and count its rows, both in one snapshot."""

    with database.connect(autocommit=False) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                    database.name,
                ],
                database,
            )
            counts = table_counts(cursor)
        connection.rollback()
    return counts


@contextmanager
def scratch_database(database: Database, scratch: str, *, keep: bool) -> Iterator[str]:
    """A new, empty database named `scratch` on the same server; dropped afterwards."""

    if scratch == database.name:
        raise SystemExit("La base de l'exercice ne peut pas être la base d'origine.")
    with database.connect(autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    try:
        yield scratch
    finally:
        if not keep:
            with database.connect(autocommit=True) as connection:
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                connection.execute(drop.format(sql.Identifier(scratch)))


def restore(database: Database, dump: Path, scratch: str) -> None:
    run(
        [
            "pg_restore",
            "--exit-on-error",
            "--no-owner",
            "--no-acl",
            f"--dbname={scratch}",
            str(dump),
        ],
        database,
    )


def verify(
    database: Database, scratch: str, media_root: Path, source_counts: Mapping[str, int] | None
) -> Report:
    """Every check on the restored database `scratch`; `source_counts` None: nothing to compare."""
    # Models and the seal's settings: only once django.setup() has run (main).
    from django_tasks_db.models import DBTaskResult

    from passplus.conventions.models import Convention
    from passplus.payments.models import PaymentRun
    from passplus.signatures.sealing import seal_trust_root

    report = Report()
    with database.connect(scratch) as connection, connection.cursor() as cursor:
        counts = table_counts(cursor)
        rows = plural(sum(counts.values()), "ligne", "lignes")
        if source_counts is None:
            report.check("Lignes", [], f"{len(counts)} tables, {rows} restaurées")
        else:
            report.check(
                "Lignes",
                compare_counts(source_counts, counts),
                f"{len(counts)} tables, {rows}, autant dans la base restaurée",
            )
        conventions = stored_files(cursor, Convention, "signed_pdf", "pdf_sha256", "convention")
        runs = stored_files(
            cursor, PaymentRun, "sepa_file", "sepa_sha256", "campagne de remboursement"
        )
        sealed = waiting_sealed_arguments(cursor, DBTaskResult)
    report.check(
        "Conventions signées",
        check_conventions(conventions, media_root, seal_trust_root()),
        plural(
            len(conventions),
            "PDF présent, empreinte et cachet valides",
            "PDF présents, empreintes et cachets valides",
        ),
    )
    report.check(
        "Fichiers SEPA",
        check_hashes(runs, media_root),
        plural(
            len(runs),
            "fichier présent, empreinte conforme",
            "fichiers présents, empreintes conformes",
        ),
    )
    report.check(
        "File de tâches",
        check_queue(sealed),
        plural(len(sealed), "e-mail ou SMS en attente", "e-mails et SMS en attente")
        + ", déchiffrables avec SECRET_KEY",
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--dump",
        type=Path,
        help="restaurer cette sauvegarde (pg_dump --format=custom) au lieu d'en faire une",
    )
    parser.add_argument(
        "--scratch", help="nom de la base de l'exercice (défaut : <base>_restore_drill)"
    )
    parser.add_argument(
        "--media-root", type=Path, help="dossier des fichiers restaurés (défaut : MEDIA_ROOT)"
    )
    parser.add_argument("--keep", action="store_true", help="garder la base de l'exercice")
    arguments = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passplus.settings")
    django.setup()

    database = Database.from_settings(connections["default"].settings_dict)
    scratch = arguments.scratch or f"{database.name}_restore_drill"
    if scratch == database.name:
        raise SystemExit("La base de l'exercice ne peut pas être la base d'origine.")
    media_root = arguments.media_root or Path(settings.MEDIA_ROOT)
    print(f"Exercice de restauration : {database.name} → {scratch}, fichiers de {media_root}")
    with tempfile.TemporaryDirectory() as directory:
        dump = arguments.dump or Path(directory) / f"{database.name}.dump"
        source_counts = None if arguments.dump else dump_and_count(database, dump)
        size = plural(dump.stat().st_size, "octet", "octets")
        made = "fournie" if arguments.dump else "pg_dump --format=custom"
        print(f"OK    Sauvegarde : {dump.name} ({made}), {size}")
        with scratch_database(database, scratch, keep=arguments.keep):
            restore(database, dump, scratch)
            print("OK    Restauration : pg_restore sans erreur")
            report = verify(database, scratch, media_root, source_counts)
    print("\n".join(report.lines))
    if report.problems:
        print(f"Exercice en échec : {plural(len(report.problems), 'problème', 'problèmes')}.")
        return 1
    print("Exercice réussi." + (f" Base gardée : {scratch}." if arguments.keep else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
