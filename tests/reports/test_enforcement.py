"""行政处罚, 行政强制 and 行政事业性收费 entered one by one or imported from Excel or CSV, all rows or none; the
figures then appear in table 二."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.conftest import make_staff
from tests.reports.test_office_pages import signed_in
from yimen.core.models import AuditEntry
from yimen.org.models import Role
from yimen.reports.builder import build_annual_report
from yimen.reports.models import EnforcementRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def market_officer(cast):
    return make_staff("marketofficer", "钱公开", cast.market, (Role.OFFICER, cast.market))


def xlsx(rows: list[list[object]], sheet: str = "处罚强制收费") -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    ws.append(["类别", "决定或收费日期", "文书编号", "金额（元）", "说明"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, org, content: bytes, name: str):
    return client.post(
        f"/office/reports/enforcement/import/?organisation={org.pk}&year=2023",
        {"organisation": org.pk, "file": SimpleUploadedFile(name, content)},
    )


def table_two(org) -> dict[str, object]:
    table = build_annual_report(org, 2023).table("proactive")
    return {row.label: row.values[0] for block in table.blocks[2:] for row in block.rows}


def test_an_officer_enters_a_penalty_and_table_two_counts_it(market_officer, cast) -> None:
    client = signed_in("marketofficer")
    page = client.get(f"/office/reports/enforcement/?organisation={cast.market.pk}&year=2023")
    assert page.status_code == 200 and "咸宁市市场监督管理局 · 2023年" in page.content.decode()
    response = client.post(
        f"/office/reports/enforcement/add/?organisation={cast.market.pk}",
        {
            "organisation": cast.market.pk,
            "kind": "penalty",
            "decided_on": "2023-05-06",
            "reference": "咸市监罚〔2023〕1号",
            "amount": "5000",
        },
    )
    assert response.status_code == 302
    assert table_two(cast.market) == {"行政处罚": 1, "行政强制": 0, "行政事业性收费": Decimal("0.00")}
    assert AuditEntry.objects.filter(action="reports.enforcement_recorded").count() == 1


def test_a_fee_without_an_amount_or_a_future_date_is_refused_by_field(market_officer, cast) -> None:
    client = signed_in("marketofficer")
    response = client.post(
        f"/office/reports/enforcement/add/?organisation={cast.market.pk}",
        {"organisation": cast.market.pk, "kind": "fee", "decided_on": "2099-01-01", "amount": ""},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "决定或收费日期：不能晚于今天" in html and "金额（元）：行政事业性收费必须填写收费金额" in html
    assert not EnforcementRecord.objects.exists()


def test_an_excel_file_is_imported_whole(market_officer, cast) -> None:
    content = xlsx(
        [
            ["行政处罚", "2023-02-01", "咸市监罚〔2023〕2号", 3000, ""],
            ["行政强制", date(2023, 3, 3), "咸市监强〔2023〕1号", None, "查封"],
            ["行政事业性收费", "2023年9月9日", "", "12,345.50", "检验费"],
        ]
    )
    response = upload(signed_in("marketofficer"), cast.market, content, "2023.xlsx")
    assert response.status_code == 302
    assert table_two(cast.market) == {"行政处罚": 1, "行政强制": 1, "行政事业性收费": Decimal("1.23")}
    assert AuditEntry.objects.filter(action="reports.enforcement_imported").count() == 1


def test_a_file_with_any_bad_row_imports_nothing_and_names_every_problem(market_officer, cast) -> None:
    content = xlsx(
        [
            ["行政处罚", "2023-02-01", "ok", 3000, ""],
            ["罚没", "2023-02-30", "", "abc", ""],
            ["行政事业性收费", "2023-03-01", "", 0, ""],
        ]
    )
    response = upload(signed_in("marketofficer"), cast.market, content, "bad.xlsx")
    html = response.content.decode()
    assert response.status_code == 422
    assert "文件有 4 处问题，未导入任何记录" in html
    assert "处罚强制收费表 第3行 〔类别〕：类别“罚没”不是可选值" in html
    assert "处罚强制收费表 第3行 〔决定或收费日期〕：决定或收费日期“2023-02-30”不是有效日期" in html
    assert "处罚强制收费表 第3行 〔金额（元）〕：应为金额，如 1200.50" in html
    assert "处罚强制收费表 第4行 〔金额（元）〕：行政事业性收费必须填写收费金额" in html
    assert not EnforcementRecord.objects.exists()


def test_a_csv_in_gbk_is_imported(market_officer, cast) -> None:
    text = "类别,决定或收费日期,文书编号,金额（元）,说明\n行政处罚,2023/4/1,咸市监罚〔2023〕3号,200,\n"
    response = upload(signed_in("marketofficer"), cast.market, text.encode("gb18030"), "2023.csv")
    assert response.status_code == 302
    assert EnforcementRecord.objects.get().decided_on == date(2023, 4, 1)


def test_a_file_of_another_kind_or_for_another_organisation_is_refused(market_officer, cast) -> None:
    client = signed_in("marketofficer")
    wrong = upload(client, cast.market, b"%PDF-1.7 not a table", "a.pdf")
    assert wrong.status_code == 422 and "只能导入 Excel（.xlsx）或 CSV 文件" in wrong.content.decode()
    assert (
        upload(client, cast.police, xlsx([["行政处罚", "2023-02-01", "", 1, ""]]), "p.xlsx").status_code
        == 404
    )


def test_a_record_entered_by_mistake_is_deleted_and_audited(enforcement, market_officer, cast) -> None:
    record = enforcement[0]
    response = signed_in("marketofficer").post(f"/office/reports/enforcement/{record.pk}/delete/")
    assert response.status_code == 302
    assert not EnforcementRecord.objects.filter(pk=record.pk).exists()
    assert AuditEntry.objects.filter(action="reports.enforcement_deleted").count() == 1


def test_the_template_downloads_with_the_import_columns(market_officer) -> None:
    from openpyxl import load_workbook

    response = signed_in("marketofficer").get("/office/reports/enforcement/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["处罚强制收费"]
    assert [c.value for c in sheet[1]] == ["类别", "决定或收费日期", "文书编号", "金额（元）", "说明"]
