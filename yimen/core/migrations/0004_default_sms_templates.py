"""Seed the default Chinese SMS templates; an administrator edits them afterwards in the admin."""

from django.db import migrations

TEMPLATES = [
    (
        "case.accepted",
        "办件受理",
        "【{centre}】您申请的{item}已受理，办件编号{number}，查询码{code}，承诺{due}前办结。",
    ),
    (
        "case.supplement",
        "补齐补正告知",
        "【{centre}】您申请的{item}（办件编号{number}）材料不全，请于{due}前补齐以下材料：{materials}。",
    ),
    (
        "case.concluded",
        "办件办结",
        "【{centre}】您申请的{item}（办件编号{number}）已办结（{result}）。欢迎评价本次服务，评价链接{evaluate_url}",
    ),
    (
        "case.delivered",
        "结果送达",
        "【{centre}】您申请的{item}（办件编号{number}）的办理结果已送达（{method}{tracking}）。",
    ),
]


def seed(apps, schema_editor):
    SmsTemplate = apps.get_model("core", "SmsTemplate")
    for code, name, body in TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "body": body})


class Migration(migrations.Migration):
    dependencies = [("core", "0003_smstemplate_smsmessage")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
