"""The report as JSON, DOCX, PDF and a page; from the command line and the API."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from docx import Document

from tests.catalog.test_guide_pdf import pdf_fonts, pdf_text
from tests.conftest import PASSWORD
from yimen.reports import documents
from yimen.reports.builder import build_annual_report
from yimen.reports.models import AnnualReport, ReportState
from yimen.reports.template import raw_template

pytestmark = pytest.mark.django_db

TITLE = "咸宁市政务服务中心2023年政府信息公开工作年度报告"
TOTAL_ROW = "（七）总计"


def request_rows(node: dict[str, Any], groups: list[str]) -> list[tuple[str, list[str]]]:
    """(row label, its column labels) in order, walking the nested groups of table 三."""
    rows = []
    for label, value in node.items():
        if all(isinstance(v, int | float) for v in value.values()):
            rows.append((label, list(value)))
        else:
            groups.append(label)
            rows += request_rows(value, groups)
    return rows


def test_json_keys_are_the_reference_files_sections_and_labels(requests, cast) -> None:
    raw = raw_template()
    data = json.loads(documents.report_json(build_annual_report(cast.centre, 2023)))
    assert [k for k in data if k in raw["sections"]] == raw["sections"]
    assert data["一、总体情况"].startswith("（一）主动公开")

    proactive = data[raw["tables"]["proactive"]["section"]]
    assert [
        (caption, list(rows), [list(cols) for cols in rows.values()]) for caption, rows in proactive.items()
    ] == [
        (g["caption"], g["rows"], [g["columns"]] * len(g["rows"]))
        for g in raw["tables"]["proactive"]["groups"]
    ]

    spec = raw["tables"]["requests"]
    groups: list[str] = []
    rows = request_rows(data[spec["section"]], groups)
    assert [label for label, _ in rows] == [r["label"] for r in spec["rows"]]
    assert all(columns == spec["columns"] for _, columns in rows)
    assert groups == list(dict.fromkeys(r["group"] for r in spec["rows"] if "group" in r))
    assert data[spec["section"]]["三、本年度办理结果"][TOTAL_ROW]["总计"] == 7

    appeals = data[raw["tables"]["appeals"]["section"]]
    assert [(k, list(v)) for k, v in appeals.items()] == [
        (g["caption"], g["columns"]) for g in raw["tables"]["appeals"]["column_groups"]
    ]
    assert data["勾稽关系检查"] == []


def test_the_json_reads_back_to_the_same_report(requests, appeals, enforcement, cast) -> None:
    from yimen.reports.document import from_json

    for org, year in ((cast.centre, 2023), (cast.market, 2023), (cast.centre, 2018)):
        built = build_annual_report(org, year)
        again = from_json(built.as_json())
        assert again.as_json() == built.as_json()
        assert [s.table for s in again.sections] == [s.table for s in built.sections]


def docx_row_labels(content: bytes) -> list[list[str]]:
    """Each table's cell texts row by row, a merged cell once."""
    doc = Document(io.BytesIO(content))
    tables = []
    for table in doc.tables:
        texts: list[str] = []
        for row in table.rows:
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) not in seen:
                    seen.add(id(cell._tc))
                    texts.append(cell.text)
        tables.append(texts)
    return tables


def test_the_docx_tables_carry_the_templates_row_labels_in_order(requests, cast) -> None:
    content = documents.report_docx(build_annual_report(cast.centre, 2023))
    doc = Document(io.BytesIO(content))
    assert doc.paragraphs[0].text == TITLE
    assert [p.text for p in doc.paragraphs if p.style.name == "报告一级标题"] == raw_template()["sections"]
    proactive, requests_table, appeals = docx_row_labels(content)
    labels = [r["label"] for r in raw_template()["tables"]["requests"]["rows"]]
    found = [text for text in requests_table if text in labels]
    assert found == labels
    assert [
        t
        for t in proactive
        if t in ("规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费")
    ] == [
        "规章",
        "行政规范性文件",
        "行政许可",
        "行政处罚",
        "行政强制",
        "行政事业性收费",
    ]
    assert appeals[:2] == ["行政复议", "行政诉讼"]


def test_the_docx_merges_the_heading_cells_like_the_template(requests, cast) -> None:
    doc = Document(io.BytesIO(documents.report_docx(build_annual_report(cast.centre, 2023))))
    table = doc.tables[1]
    assert len(table.columns) == 10  # three label columns and seven applicant columns
    note = table.cell(0, 0)
    assert note.text.startswith("（本列数据的勾稽关系为") or note.text.startswith("本列数据的勾稽关系")
    assert table.cell(2, 2)._tc is note._tc  # 3 rows × 3 columns merged
    assert table.cell(0, 3).text == "申请人情况" and table.cell(0, 9)._tc is table.cell(0, 3)._tc
    assert table.cell(1, 4).text == "法人或其他组织" and table.cell(1, 8)._tc is table.cell(1, 4)._tc
    assert table.cell(1, 3)._tc is table.cell(2, 3)._tc  # 自然人 spans both heading rows
    outcome = [r for r in range(len(table.rows)) if table.cell(r, 0).text == "三、本年度办理结果"]
    assert len(outcome) == 22  # one cell down the 21 outcome rows and （七）总计
    total = next(r for r in range(len(table.rows)) if table.cell(r, 1).text == TOTAL_ROW)
    assert [table.cell(total, c).text for c in range(3, 10)] == ["3", "1", "1", "0", "1", "1", "7"]


def test_the_pdf_has_the_title_table_three_total_row_and_page_numbers(requests, cast) -> None:
    pdf = documents.report_pdf(build_annual_report(cast.centre, 2023))
    text = pdf_text(pdf)
    assert TITLE in text
    total = next(line for line in text.splitlines() if TOTAL_ROW in line)
    assert total.split()[-7:] == ["3", "1", "1", "0", "1", "1", "7"]
    assert "第1页共" in text.replace(" ", "")
    assert "Noto-Serif-CJK-SC" in pdf_fonts(pdf)


def test_the_command_writes_each_format(requests, cast, tmp_path: Path) -> None:
    for fmt in ("json", "html", "docx", "pdf"):
        out = tmp_path / f"report.{fmt}"
        call_command(
            "report", "annual", "--org", "ZWFW", "--year", "2023", "--format", fmt, "--out", str(out)
        )
        assert out.stat().st_size > 0
    assert json.loads((tmp_path / "report.json").read_text())["标题"] == TITLE
    assert TOTAL_ROW in (tmp_path / "report.html").read_text()
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


def test_the_command_refuses_an_unknown_organisation(cast) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有机构代码为 NOPE 的机构"):
        call_command("report", "annual", "--org", "NOPE", "--year", "2023")


def test_the_api_gives_a_published_report_to_anyone(requests, cast) -> None:
    doc = build_annual_report(cast.centre, 2023)
    AnnualReport.objects.create(
        organisation=cast.centre, year=2023, format="2021", state=ReportState.PUBLISHED, figures=doc.as_json()
    )
    response = Client().get("/api/v1/reports/annual/ZWFW/2023")
    assert response.status_code == 200
    assert response.json()["标题"] == TITLE
    pdf = Client().get("/api/v1/reports/annual/ZWFW/2023?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_api_hides_an_unpublished_report_from_the_public_but_not_from_its_officer(requests, cast) -> None:
    assert Client().get("/api/v1/reports/annual/ZWFW/2023").status_code == 404
    officer = Client()
    officer.login(username="officer", password=PASSWORD)
    response = officer.get("/api/v1/reports/annual/ZWFW/2023")
    assert response.status_code == 200
    assert (
        response.json()["三、收到和处理政府信息公开申请情况"]["一、本年新收政府信息公开申请数量"]["总计"] == 8
    )
    other = Client()
    other.login(username="other", password=PASSWORD)
    assert other.get("/api/v1/reports/annual/ZWFW/2023").status_code == 404


def test_the_api_names_a_bad_year_and_format_in_chinese(cast) -> None:
    assert Client().get("/api/v1/reports/annual/ZWFW/1800").json()["message"] == (
        "没有该机构该年度已发布的政府信息公开工作年度报告"
    )
    bad = Client().get("/api/v1/reports/annual/ZWFW/2023?format=exe")
    assert bad.status_code == 422 and "格式" in bad.json()["message"]
