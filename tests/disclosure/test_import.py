"""Historical requests come in from Excel or CSV the way an office kept them: every row checked, every
problem named by row and column, each row replayed on its own dates so its deadline follows the rules of
its time — and nothing is kept when any row fails."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from openpyxl import load_workbook

from tests.conftest import PASSWORD
from tests.disclosure.conftest import PERSON, filed
from tests.disclosure.import_files import CONSULTATION, REVIEW, SUIT, consulted, csv_bytes, row, xlsx
from yimen.core.errors import ApplicationError
from yimen.core.models import AuditEntry
from yimen.disclosure import importing, queries
from yimen.disclosure.import_rows import HEADERS
from yimen.disclosure.models import (
    Appeal,
    Channel,
    Consultation,
    DeliveryMethod,
    DisclosureRequest,
    FormWanted,
    Outcome,
    RequestState,
)
from yimen.disclosure.services import intake

pytestmark = pytest.mark.django_db
CONSULTATION_FIELDS = ("party_kind", "party_name", "sent_on", "replied_on", "opinion")
APPEAL_FIELDS = ("kind", "filed_on", "body", "reference", "result", "decided_on")


def test_a_2018_request_is_replayed_under_the_2008_rules(cast) -> None:
    """Received 2018-03-05 at the counter: 2008 regulation 第二十四条, 15 working days → 2018-03-26."""
    report = importing.import_requests(xlsx(row()), by=cast.officer)

    assert not report.errors and len(report.imported) == 1
    imported = DisclosureRequest.objects.get(number=report.imported[0])
    assert (imported.rules, imported.received_on, imported.due_on) == (
        "2008",
        date(2018, 3, 5),
        date(2018, 3, 26),
    )
    assert (imported.state, imported.outcome, imported.replied_on) == (
        RequestState.CLOSED,
        Outcome.DISCLOSED,
        date(2018, 3, 20),
    )
    assert imported.reply.body and imported.delivered_on == date(2018, 3, 22)


def test_a_clarified_and_extended_request_keeps_its_clock(cast) -> None:
    """Received 2023-09-25; 补正 asked 09-27, received 10-16 (after 国庆): 20 working days from 10-16 are
    2023-11-13; the head's 10-day extension moves it to 2023-11-27."""
    history = row(
        提交日期=date(2023, 9, 25),
        补正告知日期=date(2023, 9, 27),
        需要补正的事项="请写明所需文件的年份",
        补正期限=date(2023, 10, 20),
        收到补正日期=date(2023, 10, 16),
        补正内容="2023年",
        延长工作日=10,
        延期日期=date(2023, 11, 10),
        延期理由="需调取档案",
        答复日期=date(2023, 11, 20),
        送达日期=date(2023, 11, 21),
        办结日期=date(2023, 11, 21),
    )
    report = importing.import_requests(xlsx(history), by=cast.head)

    assert not report.errors
    imported = DisclosureRequest.objects.get()
    assert (imported.clock_start_on, imported.extension_workdays, imported.due_on) == (
        date(2023, 10, 16),
        10,
        date(2023, 11, 27),
    )
    assert imported.replied_on <= imported.due_on


def test_a_request_never_supplemented_is_closed_as_other_handling_1(cast) -> None:
    abandoned = row(
        提交日期=date(2024, 5, 6),
        补正告知日期=date(2024, 5, 8),
        需要补正的事项="请说明所需信息的具体名称",
        补正期限=date(2024, 5, 22),
        答复日期=date(2024, 5, 23),
        办理结果="其他处理：申请人无正当理由逾期不补正",
        送达日期=None,
        办结日期=None,
        获取信息的方式说明="",
    )
    report = importing.import_requests(xlsx(abandoned), by=cast.officer)

    assert not report.errors
    imported = DisclosureRequest.objects.get()
    assert (imported.state, imported.outcome) == (RequestState.CLOSED, Outcome.NO_CLARIFICATION)


def test_an_open_request_comes_in_open_with_its_deadline(cast) -> None:
    pending = row(提交日期=date(2024, 12, 23), 答复日期=None, 办理结果="", 送达日期=None, 办结日期=None)
    report = importing.import_requests(xlsx(pending), by=cast.officer)

    imported = DisclosureRequest.objects.get(number=report.imported[0])
    assert imported.state == RequestState.REGISTERED and imported.outcome == ""
    assert imported.due_on == date(2025, 1, 21)  # 元旦 2025-01-01 is not a working day


def test_csv_in_gbk_as_excel_saves_it_on_chinese_windows(cast) -> None:
    report = importing.import_requests(
        csv_bytes(row(), row(申请人姓名或名称="李四"), encoding="gb18030"), by=cast.officer
    )

    assert not report.errors
    assert sorted(DisclosureRequest.objects.values_list("applicant_name", flat=True)) == ["张三", "李四"]


def test_one_bad_row_keeps_every_row_out_and_names_each_problem(cast) -> None:
    rows = [
        row(),
        row(公民身份号码="110105194912310021"),
        row(办理结果="不予公开"),
        row(提交日期="2018-02-30", 申请渠道="飞鸽传书"),
        row(受理机关代码="NOPE"),
    ]
    report = importing.import_requests(xlsx(*rows), by=cast.officer)

    assert report.rejected and report.imported == []
    assert not DisclosureRequest.objects.exists()
    found = {(e.row, e.column) for e in report.errors}
    assert {
        (3, "公民身份号码"),
        (4, "办理结果"),
        (5, "提交日期"),
        (5, "申请渠道"),
        (6, "受理机关代码"),
    } <= found
    assert all(e.row != 2 for e in report.errors)
    messages = " ".join(str(e) for e in report.errors)
    assert "申请表 第4行 〔办理结果〕" in messages and "飞鸽传书" in messages


def test_a_step_the_rules_refuse_is_reported_at_its_date(cast) -> None:
    """A reply dated before the request was received cannot be replayed."""
    report = importing.import_requests(xlsx(row(答复日期=date(2018, 3, 1))), by=cast.officer)

    assert [(e.row, e.column) for e in report.errors] == [(2, "答复日期")]
    assert not DisclosureRequest.objects.exists()


def test_a_missing_column_or_an_unknown_one_is_reported_before_any_row(cast) -> None:
    headers = [h for h in HEADERS if h != "提交日期"] + ["备注"]
    report = importing.import_requests(xlsx(row(), headers=headers), by=cast.officer)

    assert {(e.row, e.column) for e in report.errors} == {(1, "提交日期")}


def test_an_officer_cannot_import_requests_of_an_organisation_they_do_not_handle(cast) -> None:
    report = importing.import_requests(xlsx(row(受理机关代码="GAJ")), by=cast.officer)
    assert [e.column for e in report.errors] == ["受理机关代码"]


def test_the_offices_own_numbers_are_kept_and_each_request_gets_a_query_code(cast) -> None:
    """A number as the office wrote it (full-width brackets, spaces) is kept as the tracking page reads it;
    a row without one gets Yimen's."""
    rows = [row(申请编号=" 咸政公开（2018）12号 "), row(申请编号="ysq-2018-0013"), row()]
    report = importing.import_requests(xlsx(*rows), by=cast.officer)

    assert report.imported == ["咸政公开(2018)12号", "YSQ-2018-0013", "ZWFW-YSQ-2018-00001"]
    for number in report.imported:
        imported = DisclosureRequest.objects.get(number=number)
        assert re.fullmatch(r"\d{6}", imported.query_code)
        assert queries.lookup(number, imported.query_code) == imported


def test_a_number_already_in_yimen_or_twice_in_the_file_is_refused_at_its_row(cast) -> None:
    existing = filed(cast, date(2024, 9, 27))
    rows = [row(申请编号=existing.number), row(申请编号="YSQ-1"), row(申请编号="YSQ-1"), row(申请编号="A/B")]
    report = importing.import_requests(xlsx(*rows), by=cast.officer)

    assert [(e.row, e.column) for e in report.errors] == [(2, "申请编号"), (4, "申请编号"), (5, "申请编号")]
    assert [e.message for e in report.errors] == [
        f"申请编号：“{existing.number}”已被使用，申请编号不能重复",
        "申请编号“YSQ-1”与第3行重复，申请编号不能重复",
        "申请编号：不能含有 / \\ ? # % 字符",
    ]
    assert list(DisclosureRequest.objects.all()) == [existing]


def test_a_number_yimen_would_give_next_is_skipped_once_the_import_kept_it(cast) -> None:
    pending = {"答复日期": None, "办理结果": "", "送达日期": None, "办结日期": None}
    kept = row(申请编号="ZWFW-YSQ-2024-00001", 提交日期=date(2024, 9, 2), **pending)
    assert not importing.import_requests(xlsx(kept), by=cast.officer).errors

    assert filed(cast, date(2024, 9, 27)).number == "ZWFW-YSQ-2024-00002"


def test_only_the_office_numbers_a_request_itself(cast) -> None:
    with pytest.raises(ApplicationError) as refused:
        intake.register(
            organisation=cast.centre,
            by=None,
            channel=Channel.ONLINE,
            applicant=PERSON,
            description="2024年进驻事项目录",
            form_wanted=FormWanted.ELECTRONIC,
            delivery_method=DeliveryMethod.POST,
            submitted_on=date(2024, 9, 27),
            number="MY-OWN-1",
        )
    assert refused.value.fields["number"] == ["申请编号：由受理机关编号，网上申请不能自定"]


def test_the_desk_export_imports_back_unchanged(client: Client, cast) -> None:
    """Numbers, clocks, consultations and appeals come back as they were; the 查询码 are new. A name that a
    spreadsheet would run as a formula is exported as quoted text and imported back as it was."""
    formula = '=HYPERLINK("http://evil.example","李四")'
    history = xlsx(
        row(),
        row(申请人姓名或名称="李四", 答复日期=None, 办理结果="", 送达日期=None, 办结日期=None),
        consulted(),
        consultations=[CONSULTATION],
        appeals=[REVIEW, SUIT],
    )
    assert not importing.import_requests(history, by=cast.officer).errors
    DisclosureRequest.objects.filter(applicant_name="李四").update(applicant_name=formula)  # as typed in
    assert client.login(username="officer", password=PASSWORD)
    exported = client.get("/office/disclosure/export/?queue=all").content
    book = load_workbook(io.BytesIO(exported))
    assert book.sheetnames == ["申请", "征求意见", "复议诉讼"]
    assert [c.value for c in book["申请"][1]][:3] == ["申请编号", "状态", "收到申请之日"]
    assert [c.value for c in book["复议诉讼"][3]][5] == "尚未审结"
    names = [c.value for c in book["申请"]["I"]]
    assert names[0] == "申请人姓名或名称" and "'" + formula in names and formula not in names
    fields = ("number", "applicant_name", "received_on", "due_on", "paused_workdays", "state", "outcome")
    before = sorted(DisclosureRequest.objects.values_list(*fields))
    consultations = sorted(Consultation.objects.values_list("request__number", *CONSULTATION_FIELDS))
    appeals = sorted(Appeal.objects.values_list("request__number", *APPEAL_FIELDS))

    Appeal.objects.all().delete()
    DisclosureRequest.objects.all().delete()
    report = importing.import_requests(exported, by=cast.officer)

    assert not report.errors, [str(e) for e in report.errors]
    assert sorted(DisclosureRequest.objects.values_list(*fields)) == before
    assert sorted(Consultation.objects.values_list("request__number", *CONSULTATION_FIELDS)) == consultations
    assert sorted(Appeal.objects.values_list("request__number", *APPEAL_FIELDS)) == appeals
    assert len(appeals) == 2 and len(consultations) == 1
    assert all(
        re.fullmatch(r"\d{6}", code)
        for code in DisclosureRequest.objects.values_list("query_code", flat=True)
    )


def test_the_import_page_reports_problems_and_imports_a_good_file(client: Client, cast) -> None:
    assert client.login(username="officer", password=PASSWORD)
    template = load_workbook(io.BytesIO(client.get("/office/disclosure/import/template/").content))
    assert template.sheetnames == ["申请", "征求意见", "复议诉讼"]
    bad = SimpleUploadedFile("申请.xlsx", xlsx(row(联系电话="12"), appeals=[REVIEW]))
    response = client.post("/office/disclosure/import/", {"file": bad})
    page = response.content.decode()
    assert response.status_code == 422 and "联系电话" in page
    assert (
        '<td data-label="工作表">复议诉讼</td><td data-label="行">2</td><td data-label="列">申请编号</td>'
        in page
    )

    good = SimpleUploadedFile("申请.csv", csv_bytes(row()))
    response = client.post("/office/disclosure/import/", {"file": good})
    assert response.status_code == 200 and "导入完成：1 件" in response.content.decode()
    assert AuditEntry.objects.filter(action="disclosure.imported").count() == 1


def test_the_import_command_needs_an_officer_and_imports_all_or_nothing(cast, tmp_path) -> None:
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(xlsx(row()))
    bad.write_bytes(xlsx(row(), row(申请渠道="")))
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("disclosure_import", str(good), "--by", "nobody")
    with pytest.raises(CommandError, match="未导入任何申请"):
        call_command("disclosure_import", str(bad), "--by", "officer")
    assert not DisclosureRequest.objects.exists()
    out = io.StringIO()
    call_command("disclosure_import", str(good), "--by", "officer", stdout=out)
    assert "导入完成：1 件" in out.getvalue() and DisclosureRequest.objects.count() == 1
