"""`manage.py analyze_database` gives the query planner its statistics."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from tests.helpers import factories

pytestmark = pytest.mark.django_db(transaction=True)


def analysed_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return set()
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        else:
            cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        return {name for (name,) in cursor.fetchall()}


def forget_statistics() -> None:
    """Another test (or the scheduler's statistics job) may have analysed this database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is not None:
                cursor.execute("DELETE FROM sqlite_stat1")
        else:
            cursor.execute("SELECT pg_stat_reset()")


def test_the_command_analyses_the_tables() -> None:
    factories.OrganisationFactory.create_batch(3)
    forget_statistics()
    before = analysed_tables()
    out = io.StringIO()
    call_command("analyze_database", stdout=out)
    assert "organisations_organisation" not in before
    assert "organisations_organisation" in analysed_tables()
    assert "Statistiques à jour" in out.getvalue()
