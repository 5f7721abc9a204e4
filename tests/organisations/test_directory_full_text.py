"""The directory's full-text index (organisations/full_text.py) stays in step with the rows and
is the one the text search uses, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from passplus.organisations import full_text
from passplus.organisations.models import Activity, Organisation
from passplus.organisations.search import rebuild_search_columns
from tests.helpers import factories

pytestmark = pytest.mark.django_db


def matching(text: str) -> list[str]:
    return list(Organisation.objects.search(text).values_list("public_name", flat=True))


def check_sqlite_index() -> None:
    """FTS5's own check: raises when the index disagrees with the content table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO organisations_search(organisations_search, rank) "
            "VALUES ('integrity-check', 1)"
        )


def assert_installed() -> None:
    if connection.vendor == "sqlite":
        assert set(full_text.SQLITE_TRIGGERS) <= full_text.installed_triggers()
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [full_text.PG_INDEX]
            )
            (definition,) = cursor.fetchone()
        assert "to_tsvector('simple'::regconfig, search_text)" in definition


def test_the_index_is_installed_after_every_migration() -> None:
    """A later migration that rebuilds the organisations table on SQLite drops its triggers:
    this test then fails, and the migration must call full_text.install() again."""
    assert_installed()


def test_the_index_follows_creation_update_bulk_rebuild_and_deletion() -> None:
    club = factories.OrganisationFactory(public_name="Cercle d'Escrime")
    other = factories.OrganisationFactory(public_name="Judo Club")
    assert matching("escrime") == ["Cercle d'Escrime"]

    club.public_name = "Cercle de Théâtre"
    club.save()
    assert matching("escrime") == []
    assert matching("theatre") == ["Cercle de Théâtre"]

    # bulk_create bypasses save(): the bulk rebuild writes the columns, the index follows.
    Activity.objects.bulk_create(
        [Activity(organisation=other, name="Natation", domain="sport", activity_type="natation")]
    )
    assert matching("natation") == []
    rebuild_search_columns(Organisation, Activity, [other.pk])
    assert matching("natation") == ["Judo Club"]

    other.delete()
    assert matching("natation") == []
    assert matching("club") == []
    if connection.vendor == "sqlite":
        check_sqlite_index()


def test_every_word_must_start_a_word_and_the_index_is_used() -> None:
    factories.OrganisationFactory(public_name="Football Club des Amandiers")
    factories.OrganisationFactory(public_name="Basket-ball Club")
    assert matching("foot amand") == ["Football Club des Amandiers"]
    assert matching("ball") == ["Basket-ball Club"]  # "-" separates words
    assert matching("otball") == []
    sql, params = Organisation.objects.search("foot").values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert f"{full_text.FTS_TABLE} VIRTUAL TABLE INDEX" in plan
        else:
            # With a handful of rows a sequential scan is cheaper: forbid it to show the index
            # matches the query's expression.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert full_text.PG_INDEX in plan


@pytest.mark.django_db(transaction=True)
def test_install_can_run_again_and_rebuilds_the_index() -> None:
    factories.OrganisationFactory(public_name="Maison de la Musique")
    full_text.uninstall(connection)
    if connection.vendor == "sqlite":
        assert full_text.installed_triggers() == set()
    full_text.install(connection)  # the row written without the index is indexed now
    full_text.install(connection)  # and a second run changes nothing
    assert_installed()
    assert matching("musique") == ["Maison de la Musique"]
    if connection.vendor == "sqlite":
        check_sqlite_index()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("foot*", ["Football Club"]),
        ("foot')--", ["Football Club"]),
        ("foot & !club", ["Football Club"]),  # the words "foot" and "club"
        ('foot" OR "a', []),  # "or" is a word that no organisation has
        ("foot:* | x", []),
        ("(foot) NEAR/2", []),
    ],
)
def test_query_syntax_typed_by_a_visitor_is_only_words(text: str, expected: list[str]) -> None:
    """Quotes and operators of FTS5 or tsquery are folded away: the words are searched, nothing
    else, and the database never sees a query it cannot parse."""
    factories.OrganisationFactory(public_name="Football Club")
    factories.OrganisationFactory(public_name="Judo")
    assert matching(text) == expected
