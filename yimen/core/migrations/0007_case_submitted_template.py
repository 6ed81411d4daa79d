from django.db import migrations


def add(apps, schema_editor):
    SmsTemplate = apps.get_model("core", "SmsTemplate")
    SmsTemplate.objects.get_or_create(
        code="case.submitted",
        defaults={
            "name": "申请已收到",
            "body": "【{centre}】您申请的{item}已收到，办件编号{number}，查询码{code}，凭编号和查询码可查询办理进度。",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0006_supervision_digest_template")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
