"""The officer's desk: queues by state, red for overdue and yellow for due soon, search, each request's
clock explained, the steps its state allows (and only those the officer's role allows), the letter, and
the queue in Excel. Another department's officer sees none of it."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import PASSWORD, make_staff
from tests.disclosure.conftest import COMPANY, answered, consulted, filed, replied, started
from yimen.core import calendar
from yimen.disclosure.models import DisclosureRequest, Outcome, RequestState
from yimen.org.models import Role

pytestmark = pytest.mark.django_db


def signed_in(client: Client, username: str = "officer") -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def due_tomorrow() -> date:
    """A receipt day whose 20 working days end on the next working day (one working day left)."""
    target = calendar.add_workdays(timezone.localdate(), 1).date
    day = target - timedelta(days=28)
    while calendar.add_workdays(day, 20).date != target:
        day += timedelta(days=1)
    return day


def step(client: Client, request: DisclosureRequest, action: str, **fields: Any):
    request.refresh_from_db()
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(
        f"/office/disclosure/{request.pk}/{action}/", data | {"expected_version": request.lock_version}
    )


def test_the_desk_shows_open_requests_soonest_first_with_red_and_yellow_cards(client: Client, cast) -> None:
    late = filed(cast, date(2024, 9, 27))  # due 2024-10-30, long past
    soon = filed(cast, due_tomorrow(), applicant=COMPANY)
    fresh = filed(cast, timezone.localdate())
    done = started(cast, date(2024, 9, 27))
    replied(cast, done, Outcome.NOT_HELD, date(2024, 10, 9), "经检索没有")

    page = signed_in(client).get("/office/disclosure/").content.decode()

    assert page.index(late.number) < page.index(soon.number) < page.index(fresh.number)
    assert done.number not in page
    assert page.count('class="row-red"') == 1 and page.count('class="row-yellow"') == 1
    assert 'data-testid="queue-overdue">已超期 <span class="badge card-red">1<' in page
    assert 'data-testid="queue-due-soon">临近到期 <span class="badge card-yellow">1<' in page
    overdue = client.get("/office/disclosure/?queue=overdue").content.decode()
    assert late.number in overdue and soon.number not in overdue


def test_search_finds_by_number_applicant_or_the_information_asked_for(client: Client, cast) -> None:
    mine = filed(cast, date(2024, 9, 27), applicant=COMPANY)
    other = filed(cast, date(2024, 9, 27))
    signed_in(client)
    for text in (mine.number, "青山食品"):
        page = client.get("/office/disclosure/", {"q": text}).content.decode()
        assert mine.number in page and other.number not in page
    assert other.number in client.get("/office/disclosure/", {"q": "进驻事项目录"}).content.decode()


def test_another_departments_officer_sees_none_of_the_centres_requests(client: Client, cast) -> None:
    request = filed(cast, date(2024, 9, 27))
    make_staff("police_officer", "钱公安", cast.police, (Role.OFFICER, cast.police))
    signed_in(client, "police_officer")
    assert request.number not in client.get("/office/disclosure/?queue=all").content.decode()
    assert client.get(f"/office/disclosure/{request.pk}/").status_code == 404


def test_the_page_explains_a_deadline_paused_by_a_consultation_over_national_day(
    client: Client, cast
) -> None:
    """Received 2024-09-20, due 2024-10-23. A third party is consulted from 09-27 and answers 10-11: the
    working days 09-29, 09-30, 10-08 … 10-11 (6) are not counted, so the reply is due 2024-10-31."""
    request = started(cast, date(2024, 9, 20))
    consultation = consulted(cast, request, date(2024, 9, 27), party_name="咸宁市某置业有限公司")
    answered(cast, consultation, date(2024, 10, 11), "不同意公开")

    page = signed_in(client).get(f"/office/disclosure/{request.pk}/").content.decode()

    assert 'data-testid="due-on"><strong>2024-10-31' in page
    clock = page[page.index('data-testid="clock"') :]
    assert "2024-10-23" in clock and "2024-10-31" in clock
    assert "第三十三条第三款" in clock and "咸宁市某置业有限公司" in clock


def test_a_clarification_from_the_page_restarts_the_clock_when_answered(client: Client, cast) -> None:
    request = started(cast, date(2024, 9, 27))
    signed_in(client)

    response = step(
        client,
        request,
        "request_clarification",
        items="请写明所需文件的年份",
        deadline_on="2024-10-25",
        on="2024-09-30",
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == RequestState.CLARIFYING

    step(client, request, "receive_clarification", content="2024年", on="2024-10-14")
    request.refresh_from_db()
    assert (request.clock_start_on, request.due_on) == (
        date(2024, 10, 14),
        calendar.add_workdays(date(2024, 10, 14), 20).date,
    )


def test_each_step_tells_the_officer_what_it_did_and_the_deadline_it_set(client: Client, cast) -> None:
    """Received 2024-09-27; 补正 asked 09-30 by 10-25 and supplied 10-14 (20 working days from then); an
    agency consulted 10-15 (15 working days to answer); 250 pages charged 10-16 and paid 10-18."""
    request = filed(cast, date(2024, 9, 27))
    signed_in(client)

    def told(action: str, **fields: Any) -> str:
        request.refresh_from_db()
        data = {f"{action}-{name}": value for name, value in fields.items()}
        url = f"/office/disclosure/{request.pk}/{action}/"
        page = client.post(url, data | {"expected_version": request.lock_version}, follow=True)
        request.refresh_from_db()
        return page.content.decode()

    assert "已开始办理。" in told("start", on="2024-09-27")
    asked = told("request_clarification", items="请写明年份", deadline_on="2024-10-25", on="2024-09-30")
    assert "补正期限 2024-10-25；收到补正后答复期限重新起算。" in asked
    supplied = told("receive_clarification", content="2024年", on="2024-10-14")
    assert f"答复期限重新计算为 {calendar.add_workdays(date(2024, 10, 14), 20).date:%Y-%m-%d}" in supplied
    consulted = told(
        "start_consultation", party_kind="agency", party_name="咸宁市自然资源和规划局", sent_on="2024-10-15"
    )
    reply_due = calendar.add_workdays(date(2024, 10, 15), 15).date
    assert f"已征求“咸宁市自然资源和规划局”意见，答复期限 {reply_due:%Y-%m-%d}" in consulted
    told(
        "end_consultation",
        consultation=request.consultations.get().pk,
        replied_on="2024-10-16",
        opinion="同意",
    )
    charged = told("issue_fee_notice", method="per_page", quantity=250, on="2024-10-16")
    assert f"已发出收费通知：4700 元，缴费期限 {request.fee_notice.pay_by:%Y-%m-%d}" in charged
    paid = told("record_payment", on="2024-10-18")
    assert f"已登记缴费，答复期限为 {request.due_on:%Y-%m-%d}" in paid


def test_a_late_clarification_notice_is_refused_next_to_its_date(client: Client, cast) -> None:
    """条例第三十条: within 7 working days of receipt — for 2024-09-27 that is Saturday 2024-10-12, a 国庆
    调休 working day."""
    request = started(cast, date(2024, 9, 27))
    response = step(
        signed_in(client),
        request,
        "request_clarification",
        items="请写明年份",
        deadline_on="2024-11-01",
        on="2024-10-14",
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "2024-10-12" in page and 'class="failed"' in page
    request.refresh_from_db()
    assert request.state == RequestState.IN_PROGRESS


def test_only_the_head_of_the_office_extends_the_deadline(client: Client, cast) -> None:
    """Received 2024-09-27, due 2024-10-30; 20 more working days with 何主任's consent: 2024-11-27."""
    request = started(cast, date(2024, 9, 27))
    officer_page = signed_in(client).get(f"/office/disclosure/{request.pk}/").content.decode()
    assert 'data-testid="step-extend"' not in officer_page
    refused = step(client, request, "extend", workdays=20, reason="需调取档案", on="2024-10-25")
    assert refused.status_code == 403

    head = signed_in(Client(), "head")
    response = step(head, request, "extend", workdays=20, reason="需调取档案", on="2024-10-25")

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.extension_workdays, request.due_on) == (20, date(2024, 11, 27))


def test_a_stale_page_is_refused_and_changes_nothing(client: Client, cast) -> None:
    """赵公开 opened the page; 何主任 then extended the deadline: 赵公开's reply, sent from the old page,
    is refused (409) rather than answering a request that has changed under them."""
    request = started(cast, date(2024, 9, 27))
    seen = request.lock_version
    step(signed_in(Client(), "head"), request, "extend", workdays=10, reason="需调取档案", on="2024-10-25")
    response = signed_in(client).post(
        f"/office/disclosure/{request.pk}/reply/",
        {
            "reply-outcome": "r4_1",
            "reply-reasons": "经检索没有",
            "reply-on": "2024-10-28",
            "expected_version": seen,
        },
    )
    assert response.status_code == 409 and 'data-testid="refusal"' in response.content.decode()
    request.refresh_from_db()
    assert request.state == RequestState.IN_PROGRESS and request.outcome == ""


def test_a_partial_disclosure_needs_its_reasons_said_next_to_the_field(client: Client, cast) -> None:
    request = started(cast, date(2024, 9, 27))
    response = step(
        signed_in(client), request, "reply", outcome="r2", how_to_obtain="电子邮件", on="2024-10-10"
    )
    assert response.status_code == 422
    assert 'data-testid="error-reasons"' in response.content.decode()
    request.refresh_from_db()
    assert request.outcome == ""


def test_the_officer_replies_delivers_closes_and_prints_the_letter(client: Client, cast) -> None:
    request = started(cast, date(2024, 9, 27))
    signed_in(client)
    assert (
        step(
            client, request, "reply", outcome="r1", how_to_obtain="通过电子邮件发送", on="2024-10-10"
        ).status_code
        == 302
    )
    assert step(client, request, "deliver", on="2024-10-11").status_code == 302
    assert step(client, request, "close", on="2024-10-11").status_code == 302

    request.refresh_from_db()
    assert (request.state, request.outcome, request.replied_on) == (
        RequestState.CLOSED,
        Outcome.DISCLOSED,
        date(2024, 10, 10),
    )
    page = client.get(f"/office/disclosure/{request.pk}/").content.decode()
    assert "予以公开" in page and "行政复议" in page
    pdf = client.get(f"/office/disclosure/{request.pk}/letter.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_an_appeal_is_filed_and_decided_on_the_requests_page(client: Client, cast) -> None:
    request = started(cast, date(2024, 9, 27))
    replied(cast, request, Outcome.PROCESS, date(2024, 10, 10), "过程性信息")
    signed_in(client)
    step(client, request, "file_appeal", kind="reconsideration", filed_on="2024-11-20", body="咸宁市人民政府")
    appeal = request.appeals.get()
    assert appeal.result == ""

    step(client, request, "decide_appeal", appeal=appeal.pk, result="maintained", decided_on="2025-01-15")

    appeal.refresh_from_db()
    assert (appeal.result, appeal.decided_on) == ("maintained", date(2025, 1, 15))
    assert "结果维持" in client.get(f"/office/disclosure/{request.pk}/").content.decode()


def test_the_queue_goes_to_excel_with_every_request_in_it(client: Client, cast) -> None:
    late = filed(cast, date(2024, 9, 27))
    filed(cast, timezone.localdate(), applicant=COMPANY)
    response = signed_in(client).get("/office/disclosure/export/?queue=overdue")

    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert len(rows) == 2
    assert rows[1][header.index("申请编号")] == late.number
    assert rows[1][header.index("是否超期")] == "是"
    assert rows[1][header.index("答复期限")].date() == date(2024, 10, 30)
