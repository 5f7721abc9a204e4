"""Issue 19: the e-mail and SMS tasks moved from passplus.core to passplus.notifications. Task
results queued (or failed) under the old dotted paths still run, and are still listed and
retried from "Tâches en échec", once the migration rewrote them; the reverse puts them back.
Runs the real migrations backwards and forwards, on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.notifications import sms
from passplus.notifications.queue_secrets import seal_text
from passplus.notifications.tasks import email_later, send_email, send_sms, sms_later
from tests.helpers.factories import UserFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

BEFORE = [("notifications", None)]  # the migration unapplied
TASKS_DB = ("django_tasks_database", "0021_conditional_partial_index_ordering")
AFTER = [("notifications", "0001_move_task_paths_from_core")]
OLD_EMAIL = "passplus.core.tasks.send_email"
OLD_SMS = "passplus.core.tasks.send_sms"
OLD_SMS_ERROR = "passplus.core.sms.SmsDeliveryError"


def migrate(targets: list[tuple[str, str | None]]) -> Any:
    """Migrate to `targets`; the models as the task queue's migrations left them."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(TASKS_DB).apps


@pytest.fixture
def before_the_move() -> Iterator[Any]:
    apps = migrate(BEFORE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to the latest


def queued_before_the_move(apps: Any, **fields: Any) -> str:
    """A task result as the code before the move wrote it (the arguments did not change)."""
    defaults = {
        "backend_name": "default",
        "run_after": timezone.now() - dt.timedelta(seconds=1),
        "exception_class_path": "",
        "traceback": "",
    }
    row = apps.get_model(*TASKS_DB[:1], "DBTaskResult").objects.create(**(defaults | fields))
    return str(row.pk)


def sealed_email(subject: str) -> dict[str, Any]:
    message = {"subject": subject, "body": "Corps", "html_body": "", "attachments": []}
    return {
        "args": [],
        "kwargs": {"to": ["club@example.fr"], "sealed": seal_text(json.dumps(message))},
    }


@pytest.mark.django_db(transaction=True)
def test_tasks_queued_or_failed_under_the_old_paths_run_and_are_retried_after_the_move(
    before_the_move: Any, client: Client
) -> None:
    queued = queued_before_the_move(
        before_the_move,
        task_path=OLD_EMAIL,
        queue_name="emails",
        args_kwargs=sealed_email("En attente pendant la mise à jour"),
    )
    failed_sms = queued_before_the_move(
        before_the_move,
        task_path=OLD_SMS,
        queue_name="sms",
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path=OLD_SMS_ERROR,
        args_kwargs={
            "args": [],
            "kwargs": {"to": "+33612345678", "sealed_text": seal_text("Code : 123456")},
        },
    )

    migrate(AFTER)

    rows = {str(row.pk): row for row in DBTaskResult.objects.all()}
    assert rows[queued].task_path == send_email.module_path
    assert rows[failed_sms].task_path == send_sms.module_path
    assert rows[failed_sms].exception_class_path == "passplus.notifications.sms.SmsDeliveryError"
    assert rows[failed_sms].task.func is send_sms.func

    run_queued_tasks()

    assert DBTaskResult.objects.get(pk=queued).status == "SUCCESSFUL"
    assert [message.subject for message in mail.outbox] == ["En attente pendant la mise à jour"]

    client.force_login(UserFactory(gestionnaire=True))
    page = parse_html(client.get(reverse("backoffice:review_queue")))
    assert "Envoi de SMS" in text_of(page, "main")
    (form,) = page.select("form[action*='/relancer/']")
    client.post(form["action"])
    run_queued_tasks()

    assert [message.text for message in sms.outbox] == ["Code : 123456"]


@pytest.mark.django_db(transaction=True)
def test_the_reverse_migration_puts_the_old_paths_back(before_the_move: Any) -> None:
    migrate(AFTER)
    email_later(to=["club@example.fr"], subject="Essai", body="Corps")
    sms_later(to="+33612345678", text="Code : 654321")
    DBTaskResult.objects.filter(task_path=send_sms.module_path).update(
        status="FAILED", exception_class_path="passplus.notifications.sms.SmsDeliveryError"
    )

    migrate(BEFORE)

    assert set(DBTaskResult.objects.values_list("task_path", "exception_class_path")) == {
        (OLD_EMAIL, ""),
        (OLD_SMS, OLD_SMS_ERROR),
    }


def imported_apps(package: str) -> set[str]:
    """The passplus apps that the modules of `package` import, at any level (function-level
    imports included)."""
    found: set[str] = set()
    for path in (Path(settings.BASE_DIR) / "passplus" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found |= {name.split(".")[1] for name in names if name.startswith("passplus.")}
    return found - {package}


def test_core_does_not_import_notifications_and_notifications_imports_only_core() -> None:
    assert "notifications" not in imported_apps("core")
    assert imported_apps("notifications") <= {"core"}
