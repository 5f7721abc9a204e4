"""What the database says about the moved models follows them (issue 19): their content types
(and with them permissions and admin history) and the audit journal's object types, which store
`app_label.model`. Reversible: going back rewrites the old labels."""

from django.db import migrations

MOVED = ("signaturerequest", "onetimecode")


def relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for model in MOVED:
        # A content type may already exist under the new label (created by a post_migrate
        # signal): the old one, which permissions point to, is kept and the new one removed.
        if ContentType.objects.filter(app_label=old, model=model).exists():
            ContentType.objects.filter(app_label=new, model=model).delete()
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
        AuditEvent.objects.filter(object_type=f"{old}.{model}").update(
            object_type=f"{new}.{model}"
        )


def forwards(apps, schema_editor) -> None:
    relabel(apps, "conventions", "signatures")


def backwards(apps, schema_editor) -> None:
    relabel(apps, "signatures", "conventions")


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0001_initial"),
        ("conventions", "0003_signatures_moved_out"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
