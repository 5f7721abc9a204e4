"""The task backend: django-tasks-db's, which also records the id of the request (or task)
that enqueued each task, so that the task's log lines carry it (passplus/workers runs it with
that id as its own request id)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_tasks_db.backend import DatabaseBackend

from passplus.core.request_context import current_request_id

if TYPE_CHECKING:
    from django.tasks import Task
    from django_tasks_db.models import DBTaskResult

# The key of a task row's `args_kwargs` that holds it (next to the library's "args" and "kwargs").
REQUEST_ID_KEY = "request_id"


class RequestAwareDatabaseBackend(DatabaseBackend):
    def _task_to_db_task(
        self, task: Task[..., Any], args: Any, kwargs: Any
    ) -> DBTaskResult[..., Any]:
        db_task = super()._task_to_db_task(task, args, kwargs)
        request_id = current_request_id.get()
        if request_id:
            db_task.args_kwargs[REQUEST_ID_KEY] = request_id
            db_task.save(update_fields=["args_kwargs"])
        return db_task


def request_id_of(db_task: DBTaskResult[..., Any]) -> str:
    return str(db_task.args_kwargs.get(REQUEST_ID_KEY, ""))
