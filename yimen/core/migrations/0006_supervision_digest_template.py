from django.db import migrations


def add(apps, schema_editor):
    SmsTemplate = apps.get_model("core", "SmsTemplate")
    SmsTemplate.objects.get_or_create(
        code="supervision.digest",
        defaults={
            "name": "电子监察日报",
            "body": "【{centre}】电子监察日报（{date}）：红牌{red}件，黄牌{yellow}件。{units}请登录办公后台查看。",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0005_workorder_reply_template")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
