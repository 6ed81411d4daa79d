"""The applicant follows a request online with its number and 查询码: the timeline, the deadline
explained step by step, the 补正 asked of them (sent online, restarting the clock), and the letter — and
a guesser gets nothing but the budget of failed lookups 办件查询 uses."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone
from docx import Document

from tests.conftest import PASSWORD
from tests.disclosure.conftest import COMPANY, clarification_asked, filed, replied, started
from yimen.core import calendar
from yimen.core.throttle import LOOKUPS
from yimen.disclosure.models import Outcome, RequestState
from yimen.portal.disclosure_views import WRONG

pytestmark = pytest.mark.django_db
MAX_FAILURES, TOO_MANY = LOOKUPS.limit(), LOOKUPS.message

SECRETS = ("张三", "11010519491231002X", "13812345678", "温泉路")


def track(client: Client, number: str, code: str, ip: str = "203.0.113.9"):
    return client.post("/disclosure/track/", {"number": number, "code": code}, REMOTE_ADDR=ip)


def test_the_right_code_opens_the_request_with_its_clock_explained(client: Client, cast) -> None:
    """Handed in 2024-09-27, a Friday before 国庆: due 2024-10-30, the 20th working day after it, counting
    Sunday 09-29 and Saturday 10-12, which the 2024 notice made working days, and not 10-01 … 10-07."""
    request = filed(cast, date(2024, 9, 27))

    response = track(client, f" {request.number.lower()} ", request.query_code)

    assert response.status_code == 302 and response["Location"] == f"/disclosure/track/{request.number}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="due-on">2024-10-30' in page
    assert "条例第三十一条第（一）项" in page and "第三十三条" in page
    assert "收到申请" in page and "张*" in page
    for secret in SECRETS:
        assert secret not in page


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(client: Client, cast) -> None:
    request = filed(cast, date(2024, 9, 27))
    wrong = track(client, request.number, "000000" if request.query_code != "000000" else "111111")
    unknown = track(client, "ZWFW-YSQ-2099-00001", request.query_code)
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG in wrong.content.decode() and WRONG in unknown.content.decode()


def test_failures_spend_the_same_budget_as_case_lookups(client: Client, cast) -> None:
    """Failed 办件查询 and failed request lookups from one address count together; once spent, even the
    right code is refused (429), so the refusal tells a guesser nothing."""
    request = filed(cast, date(2024, 9, 27))
    for _ in range(MAX_FAILURES // 2):
        client.post("/cases/", {"number": "NO-SUCH-CASE", "code": "123456"}, REMOTE_ADDR="203.0.113.9")
    for _ in range(MAX_FAILURES - MAX_FAILURES // 2):
        track(client, "ZWFW-YSQ-2099-00001", "123456")

    response = track(client, request.number, request.query_code)

    assert response.status_code == 429 and TOO_MANY in response.content.decode()
    assert track(client, request.number, request.query_code, ip="198.51.100.1").status_code == 302


def test_another_browser_cannot_open_the_page_without_the_code(client: Client, cast) -> None:
    request = filed(cast, date(2024, 9, 27))
    response = client.get(f"/disclosure/track/{request.number}/")
    assert response.status_code == 302 and response["Location"] == "/disclosure/track/"
    assert client.get(f"/disclosure/track/{request.number}/letter.pdf").status_code == 302


def test_the_applicant_supplements_online_and_the_twenty_days_start_again(client: Client, cast) -> None:
    """Received 2024-09-27; 补正 asked 2024-09-30: until it arrives the clock runs from the 补正 deadline.
    Supplemented online today, the new deadline is 20 working days after today."""
    request = started(cast, date(2024, 9, 27))
    clarification_asked(cast, request, date(2024, 9, 30), date(2099, 12, 31))
    track(client, request.number, request.query_code)
    page = client.get(f"/disclosure/track/{request.number}/").content.decode()
    assert "需要您补正申请" in page and "请写明所需文件的年份" in page and "2099-12-31" in page

    response = client.post(f"/disclosure/track/{request.number}/supplement/", {"content": "2024年的目录"})

    assert response.status_code == 302
    request.refresh_from_db()
    today = timezone.localdate()
    assert request.state == RequestState.IN_PROGRESS
    assert request.clock_start_on == today and request.due_on == calendar.add_workdays(today, 20).date
    page = client.get(f"/disclosure/track/{request.number}/").content.decode()
    assert "收到补正" in page and "需要您补正申请" not in page


def test_an_empty_supplement_is_refused_and_changes_nothing(client: Client, cast) -> None:
    request = started(cast, date(2024, 9, 27))
    clarification_asked(cast, request, date(2024, 9, 30), date(2099, 12, 31), "请写明年份")
    track(client, request.number, request.query_code)
    response = client.post(f"/disclosure/track/{request.number}/supplement/", {"content": " "})
    assert response.status_code == 422 and "补正内容：必填" in response.content.decode()
    request.refresh_from_db()
    assert request.state == RequestState.CLARIFYING


def test_the_letter_is_downloaded_once_the_reply_is_made(client: Client, cast) -> None:
    request = started(cast, date(2024, 9, 27), applicant=COMPANY)
    track(client, request.number, request.query_code)
    assert client.get(f"/disclosure/track/{request.number}/letter.pdf").status_code == 404

    replied(
        cast,
        request,
        Outcome.PARTIAL,
        date(2024, 10, 15),
        "第三方商业秘密部分不予公开",
        how_to_obtain="通过电子邮件发送",
    )
    page = client.get(f"/disclosure/track/{request.number}/").content.decode()
    assert 'data-testid="outcome">部分公开' in page

    pdf = client.get(f"/disclosure/track/{request.number}/letter.pdf")
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    docx = client.get(f"/disclosure/track/{request.number}/letter.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "第三方商业秘密部分不予公开" in text and "行政复议" in text


def test_information_already_published_is_linked_from_the_reply(client: Client, cast, desk) -> None:
    """条例第三十六条第（一）项: the officer names the publication by its 索引号; the applicant's page links it."""
    publication = desk.published()
    request = started(cast, date(2024, 9, 27))
    assert client.login(username="officer", password=PASSWORD)
    response = client.post(
        f"/office/disclosure/{request.pk}/reply/",
        {
            "reply-outcome": "r1",
            "reply-publication": publication.index_number,
            "reply-on": "2024-10-08",
            "expected_version": request.lock_version,
        },
    )
    assert response.status_code == 302
    client.logout()

    track(client, request.number, request.query_code)
    page = client.get(f"/disclosure/track/{request.number}/").content.decode()
    assert f'href="/open/{publication.pk}/"' in page and publication.title in page


def test_an_unknown_index_number_is_refused_next_to_its_field(client: Client, cast) -> None:
    request = started(cast, date(2024, 9, 27))
    assert client.login(username="officer", password=PASSWORD)
    response = client.post(
        f"/office/disclosure/{request.pk}/reply/",
        {
            "reply-outcome": "r1",
            "reply-publication": "NO/2024-00001",
            "expected_version": request.lock_version,
        },
    )
    assert (
        response.status_code == 422 and "没有索引号为 NO/2024-00001 的已公开信息" in response.content.decode()
    )
