"""Test helpers: parse HTML instead of grepping it, run queued tasks synchronously, check that
a refused operation wrote nothing, read the audit trail, bypass the code with raw SQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from bs4 import BeautifulSoup
from django.db import connection
from django.db.models import Field, Model
from django.http import HttpResponse
from django.test import Client
from django_tasks_db.management.commands import db_worker


def parse_html(response: HttpResponse | str) -> BeautifulSoup:
    content = response if isinstance(response, str) else response.content.decode()
    return BeautifulSoup(content, "html.parser")


def text_of(soup: BeautifulSoup, selector: str) -> str:
    """The whitespace-normalised text of the first element matching `selector`."""
    element = soup.select_one(selector)
    assert element is not None, f"no element matches {selector!r}"
    return " ".join(element.get_text(" ").split())


def run_queued_tasks() -> None:
    """Run every ready task now, in this process (what `make worker` does continuously).

    The worker calls close_old_connections() around each task. Inside the transaction that
    wraps a `django_db` test, that closes the test's own connection on PostgreSQL (autocommit
    is off, so Django drops the connection) and the test fails with "the connection is closed";
    SQLite's in-memory test database ignores the close. Django's test client disables the same
    call for the same reason; so does this helper.
    """
    with mock.patch.object(db_worker, "close_old_connections", lambda **_kwargs: None):
        db_worker.Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="tests",
            excluded_queue_names=[],
        ).run()


# Lifecycle assertions -------------------------------------------------------------------------


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


def log_in(client: Any, email: str, password: str) -> bool:
    """Log in through the real login form (as a person would: django-axes watches it)."""
    from django.urls import reverse

    response = client.post(reverse("accounts:login"), {"username": email, "password": password})
    return response.status_code == 302


def confirmed_totp_device(user: Any) -> Any:
    """The user's authenticator app (created, confirmed, if it has none)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test", confirmed=True)


def current_totp(device: Any) -> str:
    """The 6 digits the authenticator app shows right now."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


class VerifiedClient(Client):
    """`force_login` of a département staff user also passes the second factor, as if the
    code had been typed (the second factor itself is tested in test_two_factor.py)."""

    def force_login(self, user: Any, backend: str | None = None) -> None:
        super().force_login(user, backend)
        if getattr(user, "is_departement_staff", False):
            from django_otp import DEVICE_ID_SESSION_KEY

            session = self.session
            session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(user).persistent_id
            session.save()
