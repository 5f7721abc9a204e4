"""SchoolYear moved to the campaigns app (issue 19): removed from this app's state, and the
foreign keys that point to it now name campaigns.SchoolYear; the table and its constraints stay."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0001_initial"),
        ('campaigns', '0001_initial'),
        ('pupils', '0002_import_job'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.RemoveConstraint(
            model_name='schoolyear',
            name='school_year_dates_ordered',
        ),
        migrations.RemoveConstraint(
            model_name='schoolyear',
            name='school_year_generation_before_redemption',
        ),
        migrations.RemoveConstraint(
            model_name='schoolyear',
            name='school_year_amounts_positive',
        ),
        migrations.RemoveConstraint(
            model_name='schoolyear',
            name='school_year_split_amounts_set',
        ),
        migrations.AlterField(
            model_name='importjob',
            name='school_year',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='import_jobs', to='campaigns.schoolyear', verbose_name='campagne'),
        ),
        migrations.AlterField(
            model_name='wallet',
            name='school_year',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='wallets', to='campaigns.schoolyear'),
        ),
        migrations.DeleteModel(
            name='SchoolYear',
        ),
            ],
            database_operations=[],
        ),
    ]
