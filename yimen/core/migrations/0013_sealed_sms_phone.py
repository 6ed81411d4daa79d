"""The phone of every SMS sealed with SM4-GCM, in the SMS log (with a blind index, which the monthly
quota now counts by) and in the "sms.send" events of the outbox (GB/T 22239-2019 8.1.4.8; core/notify.py).
Existing rows are sealed under the newest data key; going back writes them out as plain text again, so
the migration is reversible while the key is held."""

import yimen.core.fields
from django.db import migrations, models

from yimen.core.fields import reseal, unseal
from yimen.core.notify import reseal_payload_phones


def seal_rows(apps, schema_editor):
    reseal(apps.get_model("core", "SmsMessage"))
    reseal_payload_phones(apps.get_model("core", "OutboxMessage"))


def unseal_rows(apps, schema_editor):
    unseal(apps.get_model("core", "SmsMessage"))
    reseal_payload_phones(apps.get_model("core", "OutboxMessage"), plain=True)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0012_budget_spent'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='smsmessage',
            name='sms_quota',
        ),
        migrations.AddField(
            model_name='smsmessage',
            name='phone_index',
            field=yimen.core.fields.BlindIndexField(of='phone', verbose_name='手机号码检索码'),
        ),
        migrations.AlterField(
            model_name='smsmessage',
            name='phone',
            field=yimen.core.fields.SealedCharField(max_length=20, verbose_name='手机号码'),
        ),
        migrations.AddIndex(
            model_name='smsmessage',
            index=models.Index(fields=['phone_index', 'created_at'], name='sms_quota'),
        ),
        migrations.RunPython(seal_rows, unseal_rows),
    ]
