"""What the database says about the moved models follows them (issue 19): their content types
(and with them permissions and admin history) and the audit journal's object types, which store
`app_label.model`. Reversible: going back rewrites the old labels."""

from django.db import migrations

from passplus.core.moved_models import relabel_operations

forwards, backwards = relabel_operations(
    old="conventions", new="signatures", models=["signaturerequest", "onetimecode"]
)


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0001_initial"),
        ("conventions", "0003_signatures_moved_out"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
