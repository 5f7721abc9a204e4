"""The database as stored, not as the code believes it: a refused operation wrote nothing, the
audit trail of an object, and raw SQL that bypasses every domain method (to prove the database
itself holds a rule)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.db.models import Field, Model

from tests.helpers.skips import needs_postgresql

# A race test that only a database with real row locks can make fail: on SQLite every write
# transaction runs alone, so removing the lock under test changes nothing there. CI's PostgreSQL
# pass runs it; the reason starts with "[needs PostgreSQL]" (tests/helpers/skips.py) so that the
# CI guard on skips (tests/conftest.py) tells this expected skip from a missing tool.
ROW_LOCKS_SKIP_REASON = needs_postgresql(
    "SQLite serialises writers (IMMEDIATE transactions), so this race test cannot fail here: "
    "it runs on PostgreSQL (DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make test)"
)

requires_row_locks = pytest.mark.skipif(connection.vendor == "sqlite", reason=ROW_LOCKS_SKIP_REASON)


def db_row(obj: Model) -> dict[str, Any]:
    """The row of `obj` as stored now (not its in-memory state)."""
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


@contextmanager
def assert_unchanged(*objs: Model, counted: Iterable[type[Model]] = ()) -> Iterator[None]:
    """Assert the block leaves the rows of `objs`, the audit log and the row counts of their
    models (and of `counted`) exactly as they were: a refused operation writes nothing."""
    from passplus.audit.models import AuditEvent

    models = {type(obj) for obj in objs} | set(counted) | {AuditEvent}
    rows = [db_row(obj) for obj in objs]
    counts = {model: model._default_manager.count() for model in models}
    yield
    assert [db_row(obj) for obj in objs] == rows
    assert {model: model._default_manager.count() for model in models} == counts


def audit_trail(obj: Model) -> list[tuple[str, int | None]]:
    """(action, actor id) of every audit event about `obj`, oldest first."""
    from passplus.audit.models import AuditEvent

    return list(AuditEvent.objects.for_object(obj).order_by("id").values_list("action", "actor_id"))


# Raw SQL, to prove the database itself holds a rule when the code is bypassed ------------------


def raw_insert_copy(obj: Model, **overrides: Any) -> None:
    """INSERT a copy of `obj`'s row (new primary key) with `overrides`, in plain SQL."""
    meta = obj._meta
    columns, params = [], []
    for field in meta.concrete_fields:
        if field.primary_key:
            continue
        value = overrides.pop(field.name, getattr(obj, field.attname))
        if isinstance(value, Model):
            value = value.pk
        columns.append(connection.ops.quote_name(str(field.column)))
        params.append(field.get_db_prep_save(value, connection))
    assert not overrides, f"unknown fields: {sorted(overrides)}"
    # Identifiers come from model metadata (quoted); values are parameters.
    table, placeholders = connection.ops.quote_name(meta.db_table), ", ".join(["%s"] * len(params))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def raw_update(obj: Model, **values: Any) -> None:
    """UPDATE `obj`'s row in plain SQL (no save(), no signal, no domain method)."""
    meta = obj._meta
    assignments, params = [], []
    for name, value in values.items():
        field = meta.get_field(name)
        assert isinstance(field, Field) and field.column, f"{name} is not a column"
        if isinstance(value, Model):
            value = value.pk
        assignments.append(f"{connection.ops.quote_name(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    assert meta.pk is not None and meta.pk.column
    table, key = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
    sql = f"UPDATE {table} SET {', '.join(assignments)} WHERE {key} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, obj.pk])
