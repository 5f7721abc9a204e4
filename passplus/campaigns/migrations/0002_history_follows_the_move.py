"""What the database says about SchoolYear follows it to the campaigns app (issue 19): its
content type and the audit journal's object types. Reversible."""

from django.db import migrations

from passplus.core.moved_models import relabel_operations

forwards, backwards = relabel_operations(old="pupils", new="campaigns", models=["schoolyear"])


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("pupils", "0003_school_year_moved_out"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
