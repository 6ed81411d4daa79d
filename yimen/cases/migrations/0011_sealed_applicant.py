"""The applicant's ID number, phone and address sealed with SM4-GCM, with blind indexes for lookups
(GB/T 22239-2019 8.1.4.7, 8.1.4.8; core/fields.py). Existing rows are sealed under the newest data key;
going back writes them out as plain text again, so the migration is reversible while the key is held."""

import yimen.core.fields
from django.db import migrations, models

from yimen.core.fields import reseal, unseal


def seal_rows(apps, schema_editor):
    reseal(apps.get_model("cases", "Case"))


def unseal_rows(apps, schema_editor):
    unseal(apps.get_model("cases", "Case"))


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_fewer_case_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='id_number_index',
            field=yimen.core.fields.BlindIndexField(of='id_number', verbose_name='公民身份号码检索码'),
        ),
        migrations.AddField(
            model_name='case',
            name='phone_index',
            field=yimen.core.fields.BlindIndexField(of='phone', verbose_name='手机号码检索码'),
        ),
        migrations.AlterField(
            model_name='case',
            name='address',
            field=yimen.core.fields.SealedCharField(blank=True, max_length=200, verbose_name='联系地址'),
        ),
        migrations.AlterField(
            model_name='case',
            name='id_number',
            field=yimen.core.fields.SealedCharField(blank=True, max_length=18, verbose_name='公民身份号码'),
        ),
        migrations.AlterField(
            model_name='case',
            name='phone',
            field=yimen.core.fields.SealedCharField(max_length=20, verbose_name='手机号码'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['id_number_index'], name='case_id_number_index'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['phone_index'], name='case_phone_index'),
        ),
        migrations.RunPython(seal_rows, unseal_rows),
    ]
