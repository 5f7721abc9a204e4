"""The directory's full-text index on `search_text`: FTS5 with triggers on SQLite, a GIN
tsvector index on PostgreSQL (see passplus/organisations/full_text.py)."""

from typing import Any

from django.db import migrations

from passplus.organisations import full_text


def install(apps: Any, schema_editor: Any) -> None:
    full_text.install(schema_editor.connection)


def uninstall(apps: Any, schema_editor: Any) -> None:
    full_text.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0005_directory_indexes"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
