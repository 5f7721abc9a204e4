"""Directory indexes: listed organisations by name (both databases), and on SQLite a covering
index holding the search columns, so a text search reads the index rather than whole rows.

PostgreSQL gets no such covering index: a B-tree entry is limited to about 2.7 kB and the
folded text of an organisation with a long description could exceed it."""

from typing import Any

from django.db import migrations, models

TEXT_INDEX = "organisation_directory_text"


def create_sqlite_text_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TEXT_INDEX} ON organisations_organisation "
            "(status, listed_in_directory, commune_id, search_text, search_name, search_activities)"
        )


def drop_sqlite_text_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TEXT_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0004_directory_search"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(
                fields=["status", "listed_in_directory", "commune", "search_name", "id"],
                name="organisation_directory_name",
            ),
        ),
        migrations.RunPython(create_sqlite_text_index, drop_sqlite_text_index),
    ]
