"""The catalogue goes in and out of Excel the way centres keep it: every row checked first, every problem
reported by sheet, row and column, all or nothing unless the officer asks for the valid rows only."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.catalog.conftest import published
from yimen.catalog import excel, excel_layout, excel_rows, search, services
from yimen.catalog.excel import ITEM_HEADERS, MATERIAL_HEADERS
from yimen.catalog.limits import format_limit
from yimen.catalog.models import ItemVersion, ServiceItem, VersionState
from yimen.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def item_row(code: str = "XK-A", **cells: Any) -> dict[str, Any]:
    row = {
        "实施编码": code,
        "基本编码": f"B-{code}",
        "实施机构代码": "SJJ",
        "事项名称": "食品经营许可证核发",
        "事项类型": "行政许可",
        "行使层级": "市级",
        "服务对象": "个人、法人",
        "主题": "准营准办、个人·社会保障",
        "业务类型": "初次申领、变更",
        "设定依据": "《中华人民共和国食品安全法》第三十五条\n《食品经营许可管理办法》第十条",
        "申请条件": "有与经营的食品品种相适应的经营场所。",
        "法定时限": 20,
        "法定时限单位": "工作日",
        "承诺时限": 0.5,
        "承诺时限单位": "工作日",
        "收费": "不收费",
        "办理地点": "市民之家二楼 B 区",
        "办理时间": "工作日 8:30–17:30",
        "咨询电话": "0715-8212345",
        "监督投诉电话": "0715-12345",
        "网办深度": "三级：网上预审",
        "到现场次数": 1,
        "通办范围": "全市通办",
        "办理环节": "受理|0|工作日|是\n审查|0.5|工作日|是\n现场核查|5|工作日|否",
    }
    return row | cells


def material_row(code: str, number: int, name: str, **cells: Any) -> dict[str, Any]:
    return {"实施编码": code, "序号": number, "材料名称": name, "材料形式": "原件", "份数": 1} | cells


def workbook(items: list[dict[str, Any]], materials: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "事项"
    sheet.append(ITEM_HEADERS)
    for row in items:
        sheet.append([row.get(column) for column in ITEM_HEADERS])
    sheet = book.create_sheet("材料")
    sheet.append(MATERIAL_HEADERS)
    for row in materials:
        sheet.append([row.get(column) for column in MATERIAL_HEADERS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_file() -> bytes:
    return workbook(
        [
            item_row("XK-A"),
            item_row(
                "XK-B",
                事项名称="特种设备使用登记",
                服务对象="法人",
                主题="社会保障",
                设定依据="《中华人民共和国特种设备安全法》第三十三条；《特种设备使用管理规则》第2.1条",
                法定时限=None,
                承诺时限=3,
                承诺时限单位="小时",
                收费="登记费|每台 50 元|鄂价费〔2019〕12 号\n证书工本费|10 元|鄂价费〔2019〕13 号",
                办理环节="受理|1|小时|是\n决定|2|小时|是",
                变更说明="首次导入",
            ),
            item_row(
                "GG-C",
                事项名称="食品安全咨询",
                事项类型="公共服务",
                设定依据="",
                承诺时限="即办",
                办理环节="答复",
            ),
        ],
        [
            material_row("XK-A", 3, "委托书", 是否必要="非必要", 适用情形="委托他人办理时"),
            material_row("XK-A", 1, "食品经营许可申请书"),
            material_row(
                "XK-A", 2, "营业执照", 材料形式="电子文件", 来源渠道="电子证照库", 关联证照类型="营业执照"
            ),
            material_row("XK-B", 1, "使用登记表", 份数=2, 材料形式="原件和复印件"),
        ],
    )


def bad_file() -> bytes:
    """Problems in three item rows and four material rows; row 2 and its material are fine."""
    return workbook(
        [
            item_row("XK-A"),
            item_row("XK-B", 承诺时限=30, 法定时限单位="工作日"),
            item_row("XK-C", 事项类型="行政审批", 实施机构代码="NOPE"),
            item_row("XK-A", 事项名称="重复的事项"),
        ],
        [
            material_row("XK-A", 1, "食品经营许可申请书"),
            material_row("XK-B", 1, "使用登记表", 材料形式="扫描件"),
            material_row("XK-Z", 1, "不知道是谁的材料"),
            material_row("XK-C", 1, "委托书", 是否必要="非必要"),
            material_row("XK-B", 2, "身份证", 份数="两份"),
        ],
    )


BAD_FILE_ERRORS = [
    ("事项", 3, "承诺时限", "承诺时限不能超过法定时限"),
    ("事项", 4, "实施机构代码", "实施机构代码“NOPE”不存在，请先登记该机构"),
    ("事项", 4, "事项类型", "事项类型“行政审批”不是可选值，可选：行政许可、行政处罚、行政强制、行政征收、行政给付、"
     "行政检查、行政确认、行政奖励、行政裁决、其他行政权力、公共服务"),
    ("事项", 5, "实施编码", "实施编码与第 2 行重复"),
    ("材料", 3, "材料形式", "材料形式“扫描件”不是可选值，可选：原件、复印件、原件和复印件、电子文件"),
    ("材料", 4, "实施编码", "实施编码“XK-Z”在事项表中没有"),
    ("材料", 5, "适用情形", "非必要材料须写明适用情形"),
    ("材料", 6, "份数", "份数应为整数（现为“两份”）"),
]  # fmt: skip


def located(report: excel.ImportReport) -> list[tuple[str, int, str, str]]:
    return [(e.sheet, e.row, e.column, e.message) for e in report.errors]


def test_a_good_file_imports_every_item_with_its_materials_steps_fees_and_themes(people) -> None:
    report = excel.import_workbook(good_file(), by=None)

    assert report.errors == [] and report.created == ["XK-A", "XK-B", "GG-C"]
    assert report.summary == "导入完成：新增 3 个事项，更新 0 个，0 个内容未变化。"
    a = ServiceItem.objects.get(impl_code="XK-A")
    version = a.current
    assert (
        version is not None
        and version.state == VersionState.PUBLISHED
        and a.organisation == people.base.market
    )
    assert a.basic_code == "B-XK-A" and version.name == "食品经营许可证核发"
    assert (
        version.promised_limit == Decimal("0.5")
        and format_limit(version.promised_limit, version.promised_unit) == "半天"
    )
    assert version.legal_limit == 20 and version.for_person and version.for_legal
    assert list(version.materials.values_list("order", "name")) == [
        (1, "食品经营许可申请书"),
        (2, "营业执照"),
        (3, "委托书"),
    ]
    licence = version.materials.get(name="营业执照")
    assert (licence.form, licence.source, licence.certificate_type) == (
        "electronic",
        "certificate",
        "营业执照",
    )
    assert version.materials.get(name="委托书").condition == "委托他人办理时"
    assert [(s.name, s.limit, s.counts_toward_limit) for s in version.steps.all()] == [
        ("受理", 0, True), ("审查", Decimal("0.5"), True), ("现场核查", 5, False),
    ]  # fmt: skip
    assert sorted(str(t) for t in version.themes.all()) == ["个人·社会保障", "法人·准营准办"]
    assert version.legal_basis[1] == {"law": "《食品经营许可管理办法》", "article": "第十条"}
    assert version.business_types == ["初次申领", "变更"] and version.is_free

    b = ServiceItem.objects.get(impl_code="XK-B").current
    assert (
        b is not None and b.legal_limit is None and format_limit(b.promised_limit, b.promised_unit) == "3小时"
    )
    assert [str(t) for t in b.themes.all()] == ["法人·社会保障"] and not b.is_free
    assert list(b.fees.values_list("name", "standard")) == [("登记费", "每台 50 元"), ("证书工本费", "10 元")]
    assert b.legal_basis[1] == {"law": "《特种设备使用管理规则》", "article": "第2.1条"}
    assert b.change_note == "首次导入" and b.materials.get().copies == 2
    c = ServiceItem.objects.get(impl_code="GG-C").current
    assert c is not None and c.is_immediate and c.steps.get().name == "答复"
    assert AuditEntry.objects.filter(action="catalog.item_created").count() == 3
    assert AuditEntry.objects.filter(action="catalog.imported").count() == 1


def test_every_problem_in_both_sheets_is_reported_and_nothing_changes(people) -> None:
    published(people)
    items, versions, entries = (
        ServiceItem.objects.count(),
        ItemVersion.objects.count(),
        AuditEntry.objects.count(),
    )

    report = excel.import_workbook(bad_file(), by=None)

    assert located(report) == BAD_FILE_ERRORS
    assert str(report.errors[0]) == "事项表 第3行 〔承诺时限〕：承诺时限不能超过法定时限"
    assert report.rejected and report.summary.startswith("发现 8 处问题，未导入任何事项")
    assert report.created == [] and report.skipped == []
    assert (ServiceItem.objects.count(), ItemVersion.objects.count()) == (items, versions)
    assert AuditEntry.objects.count() == entries


def test_valid_only_imports_the_good_rows_and_reports_the_bad(people) -> None:
    report = excel.import_workbook(bad_file(), by=None, valid_only=True)

    assert report.created == ["XK-A"] and report.skipped == [3, 4, 5]
    assert located(report) == BAD_FILE_ERRORS and not report.rejected
    assert "新增 1 个事项" in report.summary and "跳过有问题的事项 3 个，共 8 处问题" in report.summary
    assert list(ServiceItem.objects.values_list("impl_code", flat=True)) == ["XK-A"]
    version = ServiceItem.objects.get().current
    assert version is not None and list(version.materials.values_list("name", flat=True)) == [
        "食品经营许可申请书"
    ]


def test_a_missing_sheet_or_column_is_reported_before_any_row(people) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "事项"
    sheet.append([c for c in ITEM_HEADERS if c != "承诺时限"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = excel.import_workbook(buffer.getvalue(), by=None)
    assert [str(e) for e in report.errors] == [
        "事项表 第1行 〔承诺时限〕：缺少“承诺时限”列（第 1 行应为表头）",
        "材料表：缺少工作表“材料”",
    ]


def test_an_editor_cannot_import_items_of_another_department(people) -> None:
    report = excel.import_workbook(workbook([item_row("GA-1", 实施机构代码="GAJ")], []), by=people.editor)
    assert located(report) == [("事项", 2, "实施机构代码", "您没有维护“咸宁市公安局”事项的权限")]
    assert not ServiceItem.objects.exists()


LAYOUT_FIELDS = [name for name in services.SCALAR_FIELDS if name not in excel_layout.CARRIED_FIELDS]


def snapshot() -> dict[str, Any]:
    """Everything the layout holds, read straight from the models."""
    found = {}
    for item in ServiceItem.objects.filter(current__isnull=False).select_related("organisation", "current"):
        v = item.current
        assert v is not None
        found[item.impl_code] = (
            item.basic_code,
            item.handle_code,
            item.organisation.code,
            {name: getattr(v, name) for name in LAYOUT_FIELDS},
            sorted(v.themes.values_list("code", flat=True)),
            list(v.materials.values_list("order", "name", "form", "copies", "source", "required", "condition", "certificate_type", "note")),
            list(v.steps.values_list("order", "name", "limit", "unit", "counts_toward_limit")),
            list(v.fees.values_list("order", "name", "standard", "basis")),
        )  # fmt: skip
    return found


def test_export_then_import_into_an_empty_catalogue_reproduces_the_items(people) -> None:
    published(people, change_note="首版")
    published(
        people,
        basic_code="XK-00002",
        name="特种设备使用登记",
        for_person=False,
        themes=["l07", "l02"],
        is_free=False,
        fees=[{"name": "登记费", "standard": "每台 50 元", "basis": "鄂价费〔2019〕12 号"}],
        promised_limit=Decimal("0.5"),
        legal_limit=None,
    )
    published(
        people,
        basic_code="GG-00003",
        name="食品安全咨询",
        item_type="20",
        legal_basis=[],
        for_legal=False,
        themes=["p07", "p16"],
        promised_limit=Decimal(3),
        promised_unit="hour",
        online_depth="4",
        visits=0,
        scope="national",
        steps=[{"name": "答复", "limit": Decimal(3), "unit": "hour", "counts_toward_limit": True}],
    )
    before = snapshot()
    content = excel.export_workbook()
    for item in ServiceItem.objects.all():
        search.remove_item(item)
    ServiceItem.objects.all().delete()

    report = excel.import_workbook(content, by=None)

    assert report.errors == [] and len(report.created) == 3
    assert snapshot() == before


def test_reimporting_an_export_changes_nothing_and_a_changed_row_becomes_a_new_version(people) -> None:
    first = published(people)
    content = excel.export_workbook()
    assert excel.import_workbook(content, by=None).unchanged == [first.item.impl_code]
    assert first.item.versions.count() == 1

    book = load_workbook(io.BytesIO(content))
    sheet = book["事项"]
    sheet.cell(row=2, column=ITEM_HEADERS.index("承诺时限") + 1, value=5)
    sheet.cell(row=2, column=ITEM_HEADERS.index("变更说明") + 1, value="承诺时限压缩到 5 个工作日")
    buffer = io.BytesIO()
    book.save(buffer)
    report = excel.import_workbook(buffer.getvalue(), by=people.editor)

    assert report.updated == [first.item.impl_code]
    item = ServiceItem.objects.get()
    assert item.current is not None and item.current.number == 2 and item.current.promised_limit == 5
    assert item.current.faq == first.faq and item.current.change_note == "承诺时限压缩到 5 个工作日"
    first.refresh_from_db()
    assert first.state == VersionState.SUPERSEDED and item.current.previous == first
    assert AuditEntry.objects.filter(action="catalog.version_imported", actor=people.editor).count() == 1


def test_an_item_with_an_open_revision_is_not_overwritten(people) -> None:
    first = published(people)
    content = excel.export_workbook()
    services.start_revision(item=first.item, by=people.editor)
    book = load_workbook(io.BytesIO(content))
    book["事项"].cell(row=2, column=ITEM_HEADERS.index("到现场次数") + 1, value=0)
    buffer = io.BytesIO()
    book.save(buffer)
    report = excel.import_workbook(buffer.getvalue(), by=None)
    assert located(report) == [("事项", 2, "实施编码", excel_rows.OPEN_REVISION)]


def test_a_title_that_would_run_as_a_formula_exports_as_text_and_imports_back_unchanged(people) -> None:
    title = '=HYPERLINK("http://evil.example/x","点此查看")'
    published(people, name=title, conditions="-1 日内补齐材料", legal_limit=Decimal(20))
    before = snapshot()
    content = excel.export_workbook()

    sheet = load_workbook(io.BytesIO(content))["事项"]
    row = {header: cell for header, cell in zip(ITEM_HEADERS, sheet[2], strict=False)}
    assert row["事项名称"].value == "'" + title and row["事项名称"].data_type == "s"
    assert row["申请条件"].value == "'-1 日内补齐材料"
    assert row["法定时限"].value == 20 and row["法定时限"].data_type == "n"  # numbers stay numbers

    for item in ServiceItem.objects.all():
        search.remove_item(item)
    ServiceItem.objects.all().delete()
    report = excel.import_workbook(content, by=None)

    assert report.errors == [] and len(report.created) == 1
    assert snapshot() == before
    assert ServiceItem.objects.get().current.name == title  # type: ignore[union-attr]
