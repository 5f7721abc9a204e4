"""SignatureRequest and OneTimeCode moved to the signatures app (issue 19): removed from this
app's state only; their tables stay (signatures.0001 takes them over under their old names)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("conventions", "0002_affiliation_wizard"),
        ("signatures", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.RemoveField(
            model_name='onetimecode',
            name='request',
        ),
        migrations.RemoveConstraint(
            model_name='signaturerequest',
            name='signature_request_has_its_object',
        ),
        migrations.DeleteModel(
            name='OneTimeCode',
        ),
        migrations.DeleteModel(
            name='SignatureRequest',
        ),
            ],
            database_operations=[],
        ),
    ]
