"""SchoolYear (the campaign), moved here from the pupils app (issue 19): this app's state takes
over the existing table (pupils_schoolyear); nothing is created in the database."""
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("pupils", "0002_import_job"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='SchoolYear',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('label', models.CharField(max_length=20, unique=True, verbose_name='campagne')),
                ('starts_on', models.DateField(verbose_name='début')),
                ('ends_on', models.DateField(verbose_name='fin')),
                ('standard_cents', models.PositiveIntegerField(default=8000, verbose_name='crédit standard (centimes)')),
                ('scholarship_cents', models.PositiveIntegerField(default=10000, verbose_name='crédit boursier (centimes)')),
                ('split_domains', models.BooleanField(default=False, help_text='Deux crédits qui ne se cumulent pas, un par domaine.', verbose_name='crédits sport et culture séparés')),
                ('sport_standard_cents', models.PositiveIntegerField(blank=True, null=True)),
                ('sport_scholarship_cents', models.PositiveIntegerField(blank=True, null=True)),
                ('culture_standard_cents', models.PositiveIntegerField(blank=True, null=True)),
                ('culture_scholarship_cents', models.PositiveIntegerField(blank=True, null=True)),
                ('generation_deadline', models.DateField(verbose_name='date limite de création des tickets')),
                ('redemption_deadline', models.DateField(verbose_name='date limite de saisie par les organismes')),
            ],
            options={
                'verbose_name': 'campagne',
                'db_table': 'pupils_schoolyear',
                'ordering': ['-starts_on'],
                'constraints': [models.CheckConstraint(condition=models.Q(('starts_on__lt', models.F('ends_on'))), name='school_year_dates_ordered'), models.CheckConstraint(condition=models.Q(('generation_deadline__lte', models.F('redemption_deadline'))), name='school_year_generation_before_redemption'), models.CheckConstraint(condition=models.Q(('scholarship_cents__gte', models.F('standard_cents')), ('standard_cents__gt', 0)), name='school_year_amounts_positive'), models.CheckConstraint(condition=models.Q(('split_domains', False), models.Q(('culture_scholarship_cents__gt', 0), ('culture_standard_cents__gt', 0), ('sport_scholarship_cents__gt', 0), ('sport_standard_cents__gt', 0)), _connector='OR'), name='school_year_split_amounts_set')],
            },
        ),
            ],
            database_operations=[],
        ),
    ]
