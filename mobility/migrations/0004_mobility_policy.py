"""The mobility policy: the time to explain the work before the hand-over (R3.7), and the
version of the fleet's static part that mobility.snapshot keeps in memory."""

import config.constraints
import django.core.validators
import django.db.models.deletion
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dealerships', '0004_api_tokens'),
        ('mobility', '0003_reservation_live_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='MobilityPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('handover_explanation_minutes', models.PositiveSmallIntegerField(default=15, help_text='The mobility solution is handed over this long after the drop-off, once the work is explained (R3.7).', validators=[django.core.validators.MaxValueValidator(120)], verbose_name='time to explain the work before the hand-over (minutes)')),
                ('fleet_version', models.UUIDField(default=uuid.uuid4, editable=False)),
                ('dealership', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dealerships.dealership', verbose_name='dealership')),
            ],
            options={
                'verbose_name': 'mobility policy',
                'verbose_name_plural': 'mobility policies',
                'constraints': [models.UniqueConstraint(fields=('dealership',), name='mobility_policy_one_per_dealership'), config.constraints.FieldCheckConstraint(condition=models.Q(('handover_explanation_minutes__lte', 120)), field='handover_explanation_minutes', name='mobility_policy_explanation_minutes', violation_error_code='explanation_minutes', violation_error_message='Give at most 120 minutes.')],
            },
        ),
    ]
