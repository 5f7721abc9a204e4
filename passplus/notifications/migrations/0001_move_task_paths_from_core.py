"""The e-mail and SMS tasks left passplus.core for passplus.notifications (issue 19).

A queued task is stored with the dotted path of its function (`DBTaskResult.task_path`), and a
failed one with its exception's (`exception_class_path`): rows written before the move would
name a module that no longer exists, so a worker could not run them and the back office could
not retry them ("Tâches en échec"). Every row is rewritten, whatever its status; the reverse
rewrites them back. Audit events that quote a path are history and stay as written.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TASK_PATHS = {
    "passplus.core.tasks.send_email": "passplus.notifications.tasks.send_email",
    "passplus.core.tasks.send_sms": "passplus.notifications.tasks.send_sms",
}
EXCEPTION_PATHS = {
    "passplus.core.sms.SmsDeliveryError": "passplus.notifications.sms.SmsDeliveryError",
}


def _rewrite(apps: Any, *, forward: bool) -> None:
    results = apps.get_model("django_tasks_database", "DBTaskResult").objects
    for field, paths in (("task_path", TASK_PATHS), ("exception_class_path", EXCEPTION_PATHS)):
        for old, new in paths.items():
            source, target = (old, new) if forward else (new, old)
            results.filter(**{field: source}).update(**{field: target})


def forwards(apps: Any, schema_editor: Any) -> None:
    _rewrite(apps, forward=True)


def backwards(apps: Any, schema_editor: Any) -> None:
    _rewrite(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
