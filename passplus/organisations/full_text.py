"""The database's own full-text index over the folded `search_text` column (see search.py).

A directory query tests "each word starts a word of the organisation's text". Without an index
that is a substring test on every listed row; with one, the database reads only the postings of
the words asked for:

- SQLite: an FTS5 table with external content (`organisations_search`), kept in step with
  `organisations_organisation.search_text` by three triggers. A query word `foot` becomes the
  prefix query `"foot"*`.
- PostgreSQL: a GIN index on `to_tsvector('simple', search_text)`; `foot` becomes
  `to_tsquery('simple', 'foot:*')`. The 'simple' configuration neither stems nor drops words,
  and `search_text` is already folded (accents, case, ligatures): unaccent is done in Python,
  the same way for both databases.

The words reaching here come from `query_words()`: letters and digits only (no quote, space or
operator), so they cannot break out of the quoted FTS5 string or the tsquery.

Django rebuilds an SQLite table to alter it, which drops its triggers: a test checks that the
triggers exist after all migrations, and `install(connection)` can run again (it rebuilds the
index).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

FTS_TABLE = "organisations_search"
TABLE = "organisations_organisation"
PG_INDEX = "organisation_search_text_fts"
# The SQL names the tables literally: no string is built from a variable.
SQLITE_TRIGGERS = {
    "organisations_search_insert": (
        "AFTER INSERT ON organisations_organisation BEGIN "
        "INSERT INTO organisations_search(rowid, search_text) "
        "VALUES (new.id, new.search_text); END"
    ),
    "organisations_search_delete": (
        "AFTER DELETE ON organisations_organisation BEGIN "
        "INSERT INTO organisations_search(organisations_search, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    ),
    "organisations_search_update": (
        "AFTER UPDATE OF search_text ON organisations_organisation BEGIN "
        "INSERT INTO organisations_search(organisations_search, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO organisations_search(rowid, search_text) "
        "VALUES (new.id, new.search_text); END"
    ),
}


def install(database: BaseDatabaseWrapper) -> None:
    """Create the index (idempotent) and fill it from the rows already there."""
    with database.cursor() as cursor:
        if database.vendor == "sqlite":
            install_sqlite(cursor)
        elif database.vendor == "postgresql":
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS organisation_search_text_fts "
                "ON organisations_organisation "
                "USING gin (to_tsvector('simple'::regconfig, search_text))"
            )


def install_sqlite(cursor: Any) -> None:
    cursor.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS organisations_search USING fts5("
        "search_text, content='organisations_organisation', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0', prefix='2 3')"
    )
    for name, body in SQLITE_TRIGGERS.items():
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"CREATE TRIGGER {name} {body}")
    cursor.execute("INSERT INTO organisations_search(organisations_search) VALUES ('rebuild')")


def uninstall(database: BaseDatabaseWrapper) -> None:
    with database.cursor() as cursor:
        if database.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS organisations_search")
        elif database.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS organisation_search_text_fts")


def installed_triggers() -> set[str]:
    """The SQLite triggers that keep the index in step (a test checks all are there)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
        )
        return {name for (name,) in cursor.fetchall()}


def starting_every_word(words: list[str]) -> RawSQL:
    """A filter: every word starts a word of the organisation's `search_text`, answered by
    the full-text index. `words` must be non-empty `query_words()`."""
    if connection.vendor == "postgresql":
        return RawSQL(  # fixed SQL; the words are a bound parameter
            'to_tsvector(\'simple\'::regconfig, "organisations_organisation"."search_text") '
            "@@ to_tsquery('simple'::regconfig, %s)",
            [" & ".join(f"{word}:*" for word in words)],
            output_field=BooleanField(),
        )
    return RawSQL(  # fixed SQL; the words are a bound parameter
        '"organisations_organisation"."id" IN '
        "(SELECT rowid FROM organisations_search WHERE organisations_search MATCH %s)",
        [" AND ".join(f'"{word}"*' for word in words)],
        output_field=BooleanField(),
    )
