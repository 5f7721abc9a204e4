"""Length limits on the free texts organisations type (issue 16). Altering a column makes
Django rebuild the table on SQLite, which drops the full-text triggers: they are installed again
(passplus/organisations/full_text.py)."""

from typing import Any

from django.db import migrations, models

from passplus.organisations import full_text


def reinstall_full_text(apps: Any, schema_editor: Any) -> None:
    full_text.install(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0006_directory_full_text'),
    ]

    operations = [
        migrations.AlterField(
            model_name='activity',
            name='description',
            field=models.TextField(blank=True, max_length=1000, verbose_name='description'),
        ),
        migrations.AlterField(
            model_name='organisation',
            name='description',
            field=models.TextField(blank=True, max_length=2000, verbose_name='description des activités'),
        ),
        migrations.AlterField(
            model_name='organisation',
            name='eligibility_justification',
            field=models.TextField(blank=True, max_length=2000, verbose_name='lien avec les programmes scolaires (secteur marchand)'),
        ),
        migrations.RunPython(reinstall_full_text, migrations.RunPython.noop),
    ]
