"""Migration payments 0003 (issue 16 §3): runs approved by a single person before the check
step are reopened if not yet transmitted, marked if already at the bank; nothing is faked as a
check. Runs the real migrations backwards and forwards, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("payments", "0002_run_checked_step"), ("audit", "0001_initial")]
AFTER = [("payments", "0004_four_eyes_constraints")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_check_step() -> Iterator[Any]:
    apps = migrate(BEFORE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to the latest


def test_runs_approved_alone_are_reopened_or_marked_never_given_a_fake_check(
    before_check_step: Any,
) -> None:
    apps = before_check_step
    Run = apps.get_model("payments", "PaymentRun")
    alone_id = UserFactory(finance=True).pk
    builder_id, approver_id = UserFactory(finance=True).pk, UserFactory(finance=True).pk
    now = timezone.now()

    def run(day: int, status: str, built_by_id: int | None) -> int:
        return int(
            Run.objects.create(
                cut_off=now.replace(day=day),
                status=status,
                built_by_id=built_by_id,
                approved_by_id=alone_id if built_by_id is None else approver_id,
                approved_at=now,
            ).pk
        )

    approved_alone = run(1, "approved", None)
    sent_alone = run(2, "sent", None)
    closed_alone = run(3, "closed", None)
    two_people = run(4, "sent", builder_id)
    draft = int(Run.objects.create(cut_off=now.replace(day=5), status="draft").pk)

    apps = migrate(AFTER)
    Run = apps.get_model("payments", "PaymentRun")
    Event = apps.get_model("audit", "AuditEvent")
    rows = {
        row["id"]: row
        for row in Run.objects.values(
            "id", "status", "approved_by_id", "checked_by_id", "approved_alone_before_check_step"
        )
    }

    assert rows[approved_alone]["status"] == "draft"
    assert rows[approved_alone]["approved_by_id"] is None
    (event,) = Event.objects.filter(object_id=str(approved_alone))
    assert (event.action, event.before["approved_by"]) == ("payment_run.reopen", alone_id)
    for pk in (sent_alone, closed_alone):
        assert rows[pk]["approved_alone_before_check_step"] is True
        assert rows[pk]["approved_by_id"] == alone_id
    assert rows[two_people]["approved_alone_before_check_step"] is False
    assert rows[draft]["status"] == "draft"
    assert all(row["checked_by_id"] is None for row in rows.values())
    assert Event.objects.count() == 1


# Migrations payments 0008-0010 (issue 31): transmission with its SEPA file ---------------------

BEFORE_FILE_RULE = [("payments", "0007_preparation_request"), ("audit", "0001_initial")]
AFTER_FILE_RULE = [("payments", "0010_transmission_file_constraints")]


@pytest.fixture
def before_file_rule() -> Iterator[Any]:
    apps = migrate(BEFORE_FILE_RULE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to the latest


def test_runs_transmitted_before_the_file_rule_are_marked_never_given_a_hash(
    before_file_rule: Any,
) -> None:
    """No hash is invented, even where a file exists: nobody recorded which file went to the
    bank. Runs not yet transmitted wait for a download by an eligible person."""
    apps = before_file_rule
    Run = apps.get_model("payments", "PaymentRun")
    builder_id, approver_id = UserFactory(finance=True).pk, UserFactory(finance=True).pk
    now = timezone.now()
    a_hash = "ab" * 32

    def run(day: int, status: str, **fields: Any) -> int:
        approval = {} if status == "draft" else {"approved_by_id": approver_id, "approved_at": now}
        values = {"built_by_id": builder_id, **approval, **fields}
        return int(Run.objects.create(cut_off=now.replace(day=day), status=status, **values).pk)

    approved_with_file = run(1, "approved", sepa_file="sepa/a.xml", sepa_sha256=a_hash)
    sent_without_file = run(2, "sent", sent_at=now)
    sent_with_file = run(3, "sent", sent_at=now, sepa_file="sepa/b.xml", sepa_sha256=a_hash)
    closed = run(4, "closed", sent_at=now, closed_at=now)
    sent_alone = run(
        5, "sent", built_by_id=None, approved_alone_before_check_step=True, sent_at=now
    )
    draft = run(6, "draft")

    apps = migrate(AFTER_FILE_RULE)
    Run = apps.get_model("payments", "PaymentRun")
    Event = apps.get_model("audit", "AuditEvent")
    rows = {
        row["id"]: row
        for row in Run.objects.values(
            "id", "status", "sent_before_file_rule", "sent_sha256", "sepa_downloaded_by_id"
        )
    }

    assert {pk for pk, row in rows.items() if row["sent_before_file_rule"]} == {
        sent_without_file,
        sent_with_file,
        closed,
        sent_alone,
    }
    assert {row["sent_sha256"] for row in rows.values()} == {""}
    assert {row["sepa_downloaded_by_id"] for row in rows.values()} == {None}
    assert rows[approved_with_file]["status"] == "approved"
    assert rows[draft]["status"] == "draft"
    assert Event.objects.count() == 0
