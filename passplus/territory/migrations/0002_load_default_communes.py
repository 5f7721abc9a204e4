from django.db import migrations

from passplus.territory.models import DEFAULT_COMMUNES_FILE, read_communes_file


def load(apps, schema_editor):
    Commune = apps.get_model("territory", "Commune")
    for row in read_communes_file(DEFAULT_COMMUNES_FILE):
        Commune.objects.update_or_create(insee_code=row["insee_code"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("territory", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
