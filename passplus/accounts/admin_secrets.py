"""Django's admin, without what would let one admin act as someone else (issue 15 §2).

django-otp's admins show TOTP keys (and their QR codes) and recovery codes, and let an admin add
a device with a key of their choosing to another account; django-tasks-db's admin shows task
arguments, results and tracebacks, which may hold a link or a code. They are replaced by
read-only views: who has which device, confirmed, last used; which task ran, when, how it
ended. A staff member's second factor is reset from the back office (audited, with a reason:
/gestion/equipe/), never edited here.
"""

from __future__ import annotations

from typing import Any

# Imported first so that their registrations exist before they are replaced below, whatever
# the order in which the admin modules are discovered.
import django_otp.plugins.otp_static.admin
import django_otp.plugins.otp_totp.admin  # noqa: F401
import django_tasks_db.admin  # noqa: F401
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from passplus.accounts.admin_lookups import ListedLookupsOnly


class ReadOnlyAdmin[M: models.Model](ListedLookupsOnly, admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


# django-otp has no type hints: its devices are plain models to mypy.
class DeviceAdmin(ReadOnlyAdmin[models.Model]):
    """A second-factor device: whose, which, confirmed, used when. Never its key or codes."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__email"]
    fields = readonly_fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_select_related = ["user"]


class TaskResultAdmin(ReadOnlyAdmin[DBTaskResult[..., Any]]):
    """What ran, when and how it ended; never its arguments, result or traceback."""

    list_display = [
        "id",
        "task_path",
        "status",
        "queue_name",
        "enqueued_at",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "queue_name"]
    ordering = ["-enqueued_at"]
    fields = readonly_fields = (
        "id",
        "task_path",
        "status",
        "queue_name",
        "priority",
        "backend_name",
        "enqueued_at",
        "run_after",
        "started_at",
        "finished_at",
        "exception_class_path",
        "worker_ids",
    )


for model, model_admin in (
    (TOTPDevice, DeviceAdmin),
    (StaticDevice, DeviceAdmin),
    (DBTaskResult, TaskResultAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
