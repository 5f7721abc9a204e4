"""SignatureRequest and OneTimeCode, moved here from the conventions app (issue 19): this app's
state takes over the existing tables (conventions_signaturerequest, conventions_onetimecode);
nothing is created in the database."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('conventions', '0002_affiliation_wizard'),
        ('organisations', '0007_text_length_limits'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='SignatureRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(choices=[('convention', 'Signature de la convention'), ('bank_account', 'Changement de coordonnées bancaires')], max_length=20, verbose_name='objet')),
                ('status', models.CharField(choices=[('pending', 'Code envoyé'), ('signed', 'Signé'), ('failed', "Bloqué (trop d'essais)"), ('expired', 'Expiré')], default='pending', max_length=20, verbose_name='état')),
                ('signer_name', models.CharField(max_length=150, verbose_name='signataire')),
                ('phone', models.CharField(max_length=16, verbose_name='portable (E.164)')),
                ('document_sha256', models.CharField(blank=True, max_length=64, verbose_name='empreinte du document signé')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('signed_at', models.DateTimeField(blank=True, null=True)),
                ('signed_ip', models.GenericIPAddressField(blank=True, null=True)),
                ('signed_user_agent', models.CharField(blank=True, max_length=300)),
                ('bank_account', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='signatures', to='organisations.bankaccount')),
                ('convention', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='signatures', to='conventions.convention')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='signature_requests', to='organisations.organisation')),
                ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'demande de signature',
                'db_table': 'conventions_signaturerequest',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='OneTimeCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code_hash', models.CharField(max_length=64)),
                ('data_fingerprint', models.CharField(blank=True, max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField()),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='codes', to='signatures.signaturerequest')),
            ],
            options={
                'verbose_name': 'code à usage unique',
                'db_table': 'conventions_onetimecode',
                'ordering': ['-created_at'],
            },
        ),
        migrations.AddConstraint(
            model_name='signaturerequest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('convention__isnull', False), ('purpose', 'convention')), models.Q(('bank_account__isnull', False), ('purpose', 'bank_account')), _connector='OR'), name='signature_request_has_its_object'),
        ),
            ],
            database_operations=[],
        ),
    ]
