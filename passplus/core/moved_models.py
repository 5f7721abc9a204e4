"""For the data migrations that follow a model moved between apps (issue 19): what the database
says about a model by its `app_label.model` — its content type (and with it permissions and
admin history) and the audit journal's `object_type` — is relabelled to the new app."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def relabel(apps: Any, *, old: str, new: str, models: Iterable[str]) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for model in models:
        # A content type may already exist under the new label (created by a post_migrate
        # signal): the old one, which permissions point to, is kept and the new one removed.
        if ContentType.objects.filter(app_label=old, model=model).exists():
            ContentType.objects.filter(app_label=new, model=model).delete()
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
        AuditEvent.objects.filter(object_type=f"{old}.{model}").update(object_type=f"{new}.{model}")


def relabel_operations(
    *, old: str, new: str, models: Iterable[str]
) -> tuple[Callable[[Any, Any], None], Callable[[Any, Any], None]]:
    """(forwards, backwards) for `migrations.RunPython`."""
    moved = tuple(models)

    def forwards(apps: Any, schema_editor: Any) -> None:
        relabel(apps, old=old, new=new, models=moved)

    def backwards(apps: Any, schema_editor: Any) -> None:
        relabel(apps, old=new, new=old, models=moved)

    return forwards, backwards
