"""Directory search: folded search columns on organisations, filled for existing rows."""

from typing import Any

from django.db import migrations, models

from passplus.organisations.search import rebuild_search_columns


def fill_search_columns(apps: Any, schema_editor: Any) -> None:
    rebuild_search_columns(
        apps.get_model("organisations", "Organisation"),
        apps.get_model("organisations", "Activity"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0003_missing_bank_details_notice"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="search_name",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="organisation",
            name="search_activities",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="organisation",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_search_columns, migrations.RunPython.noop),
    ]
