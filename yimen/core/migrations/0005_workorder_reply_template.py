from django.db import migrations


def add(apps, schema_editor):
    SmsTemplate = apps.get_model("core", "SmsTemplate")
    SmsTemplate.objects.get_or_create(
        code="workorder.replied",
        defaults={
            "name": "差评整改答复",
            "body": "【{centre}】您对办件{number}的评价已核实处理：{reply}感谢您的监督。",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_default_sms_templates")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
