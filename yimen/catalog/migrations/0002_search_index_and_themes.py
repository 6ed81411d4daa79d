from django.db import migrations

from yimen.core.search import create_index, drop_index

THEMES = {
    "person": ["生育收养", "户籍办理", "教育科研", "就业创业", "婚姻登记", "住房保障", "社会保障", "医疗卫生",
               "交通出行", "证件办理", "民族宗教", "退役安置", "残疾人服务", "法律服务", "死亡殡葬", "其他"],
    "legal": ["设立变更", "准营准办", "资质认定", "年检年审", "税收财务", "人力资源", "社会保障", "投资审批",
              "融资信贷", "抵押质押", "商务贸易", "招标拍卖", "工程建设", "环保绿化", "知识产权", "注销退出", "其他"],
}


def themes(apps, schema_editor):
    Theme = apps.get_model("catalog", "Theme")
    rows = []
    for audience, names in THEMES.items():
        prefix = "p" if audience == "person" else "l"
        rows += [Theme(code=f"{prefix}{i:02d}", name=name, audience=audience, order=i) for i, name in enumerate(names, 1)]
    Theme.objects.bulk_create(rows)


def create(apps, schema_editor):
    create_index(schema_editor, "catalog_item")


def drop(apps, schema_editor):
    drop_index(schema_editor, "catalog_item")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [
        migrations.RunPython(create, drop),
        migrations.RunPython(themes, migrations.RunPython.noop),
    ]
