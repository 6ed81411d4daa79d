"""The public case pages: 办件查询 by number and 查询码, the live results board and the hall's big screen.
What a visitor sees, and what they must never see (a full name, an ID number, a phone)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from datetime import datetime, timedelta
from datetime import time as clock

import pytest
from django.test import Client
from django.utils import timezone

from tests.cases import conftest as cases
from tests.cases.conftest import APPLICANT, COMPANY, file
from yimen.cases.models import Case, Result
from yimen.cases.services import intake
from yimen.cases.services import steps as case_steps
from yimen.core.people import tail_matches
from yimen.core.throttle import LOOKUPS, SECOND_FACTOR
from yimen.org.models import Window
from yimen.portal.case_views import WRONG

pytestmark = pytest.mark.django_db
TOO_MANY = LOOKUPS.message

# The cases' fixtures, for these tests too: a 20-working-day licence and a 即办件.
licence = cases.licence
instant = cases.instant

SECRETS = ("张三", "11010519491231002X", "13812345678", "咸安区温泉路")
STAFF = ("李窗口", "王审批")


def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, clock(hour, minute)))


def concluded(item, cast, *, applicant=APPLICANT, accepted=None, done=None, result=Result.ISSUED) -> Case:
    case = file(item, cast, applicant)
    case = case_steps.accept(case=case, by=cast.clerk, at=accepted)
    reason = "" if result == Result.ISSUED else "经现场核查，经营场所不符合要求"
    return case_steps.conclude(
        case=case, by=cast.reviewer, result=result, reason=reason, certificate_no="JY14212000001", at=done
    )


def look_up(client: Client, number: str, code: str, ip: str = "203.0.113.7"):
    return client.post("/cases/", {"number": number, "code": code}, REMOTE_ADDR=ip)


def assert_private(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} is shown to the public"


# --- 办件查询 ---------------------------------------------------------------------------------------


def test_lookup_with_the_right_code_shows_the_progress_timeline(client: Client, cast, licence) -> None:
    case = file(licence, cast)
    case_steps.request_supplement(
        case=case, by=cast.clerk, materials=["营业执照副本", "食品安全管理制度"], note="请一次补齐"
    )
    case_steps.supplement_received(case=case, by=cast.clerk)
    case_steps.accept(case=case, by=cast.clerk, at=at(0, 9, 30))
    case_steps.advance(case=case, by=cast.reviewer, opinion="王审批认为材料齐全")
    case_steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="JY1", at=at(0, 11))

    response = look_up(client, f"  {case.number.lower()} ", case.query_code)

    assert response.status_code == 200
    page = response.content.decode()
    assert "食品经营许可证核发" in page and "张*" in page and "已办结" in page
    assert f"受理时间</dt><dd>{at(0, 9, 30):%Y-%m-%d %H:%M}</dd>" in page
    assert "承诺办结时间</dt><dd>20" in page
    assert '办结结果</dt><dd data-testid="case-outcome">出证办结</dd>' in page
    assert "B012 市场监管窗口" in page and "0715-8212345" in page
    steps = re.findall(r'<td data-label="环节">([^<]+)</td>', page)
    assert steps == ["申报", "一次性告知补齐补正", "补齐补正材料", "受理", "环节办理", "办结"]
    assert "<li>营业执照副本</li><li>食品安全管理制度</li>" in page
    assert "受理环节已完成，进入" in page
    assert_private(page)
    for name in STAFF:
        assert name not in page  # neither as who acted nor inside an internal opinion


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(client: Client, cast, licence) -> None:
    case = file(licence, cast)
    wrong_code = f"{(int(case.query_code) + 1) % 10**6:06d}"
    unknown = case.number[:-4] + "9999"

    answers = [look_up(client, case.number, wrong_code), look_up(client, unknown, case.query_code)]

    assert [a.status_code for a in answers] == [200, 200]
    pages = [a.content.decode() for a in answers]
    assert all(WRONG in page and 'data-testid="case-result"' not in page for page in pages)

    def blank(page: str, number: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page).replace(number, "NUMBER")

    assert blank(pages[0], case.number) == blank(pages[1], unknown)


def test_a_malformed_code_is_named_and_does_not_count_as_a_failure(client: Client, cast, licence) -> None:
    case = file(licence, cast)
    for _ in range(12):
        response = look_up(client, case.number, "12345")
        assert response.status_code == 200
        assert "查询码：应为6位数字（见受理通知书或短信）" in response.content.decode()
    assert look_up(client, case.number, case.query_code).status_code == 200


def test_the_eleventh_failed_attempt_from_one_address_is_refused(client: Client, cast, licence) -> None:
    case = file(licence, cast)
    for serial in range(10):
        assert look_up(client, f"NO-SUCH-{serial}", "000000").status_code == 200

    refused = look_up(client, "NO-SUCH-10", "000000")
    assert refused.status_code == 429 and TOO_MANY in refused.content.decode()
    # Blocked means blocked: if the right code got through, the 429 would tell a guesser it was right.
    assert look_up(client, case.number, case.query_code).status_code == 429
    assert look_up(client, case.number, case.query_code, ip="198.51.100.1").status_code == 200


def test_a_number_that_failed_five_times_asks_its_owner_for_the_phone_tail_instead_of_locking_them_out(
    client: Client, cast, licence
) -> None:
    """Guessers spread over many addresses: after 5 failures the number asks for a second factor, for the
    right code and a wrong one alike (else the question would be a hint); the owner gets in with it."""
    case = file(licence, cast)
    wrong = f"{(int(case.query_code) + 7) % 10**6:06d}"
    for n in range(5):
        assert look_up(client, case.number, wrong, ip=f"198.51.100.{n}").status_code == 200
    asked = [look_up(client, case.number, code, ip="192.0.2.1") for code in (wrong, case.query_code)]
    assert [a.status_code for a in asked] == [403, 403]
    assert all(
        SECOND_FACTOR.message in a.content.decode() and 'name="tail"' in a.content.decode() for a in asked
    )

    def with_tail(code: str, tail: str, ip: str = "192.0.2.1"):
        return client.post("/cases/", {"number": case.number, "code": code, "tail": tail}, REMOTE_ADDR=ip)

    assert 'data-testid="case-result"' not in with_tail(case.query_code, "0000").content.decode()
    assert 'data-testid="case-result"' not in with_tail(wrong, "5678").content.decode()
    found = with_tail(case.query_code, "5678")  # APPLICANT's phone is 13812345678
    assert found.status_code == 200 and 'data-testid="case-result"' in found.content.decode()
    # Another 20 failures from 20 more addresses still never lock the owner out.
    for n in range(20):
        with_tail(wrong, "5678", ip=f"198.51.100.{100 + n}")
    assert 'data-testid="case-result"' in with_tail(case.query_code, "5678", ip="192.0.2.2").content.decode()


def test_the_second_factor_is_the_phone_tail_or_without_a_phone_the_id_number_tail() -> None:
    """Cases and requests filed today always carry a phone; a record imported without one asks for the end
    of its ID number."""
    assert tail_matches(phone="138 1234 5678", id_number="11010519491231002X", given="5678")
    assert not tail_matches(phone="13812345678", id_number="11010519491231002X", given="002X")
    assert tail_matches(phone="", id_number="11010519491231002X", given="002x")
    assert not tail_matches(phone="", id_number="", given="0000")
    assert tail_matches(phone="", id_number="", given=None)  # not asked for


def test_the_block_holds_for_fifteen_minutes_after_the_last_failure(
    client: Client, cast, licence, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = file(licence, cast)
    start = time.time()
    for serial in range(10):
        look_up(client, f"NO-SUCH-{serial}", "000000")
    monkeypatch.setattr(time, "time", lambda: start + 14 * 60)
    assert look_up(client, case.number, case.query_code).status_code == 429  # refused: prolongs nothing
    monkeypatch.setattr(time, "time", lambda: start + 15 * 60 + 5)
    assert look_up(client, case.number, case.query_code).status_code == 200


def test_successful_lookups_are_not_limited(client: Client, cast, licence) -> None:
    case = file(licence, cast)
    assert all(look_up(client, case.number, case.query_code).status_code == 200 for _ in range(25))


def test_lookup_is_in_the_portal_navigation_and_never_cached(client: Client, cast) -> None:
    response = client.get("/cases/")
    assert response.status_code == 200
    assert '<a href="/cases/" aria-current="page">办件查询</a>' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


# --- 实时办件公示 -------------------------------------------------------------------------------------


def test_the_board_shows_a_result_masked_with_the_window_supervision_phone(
    client: Client, cast, licence
) -> None:
    concluded(licence, cast)

    page = client.get("/cases/board/").content.decode()
    data = client.get("/cases/board/data/").json()

    row = re.search(r'<tr data-key="\d+">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r"<td [^>]*>([^<]*)</td>", row.group(1))
    assert cells[:4] == ["B012 市场监管窗口", "食品经营许可证核发", "张*", "出证办结"]
    assert cells[5] == "0715-8212345"
    assert [{k: v for k, v in r.items() if k not in ("key", "time")} for r in data["rows"]] == [
        {
            "window": "B012 市场监管窗口",
            "item": "食品经营许可证核发",
            "applicant": "张*",
            "result": "出证办结",
            "phone": "0715-8212345",
        }
    ]
    assert data["rows"][0]["time"] == cells[4]


def test_neither_the_board_nor_its_json_nor_the_screen_shows_personal_data(
    client: Client, cast, licence
) -> None:
    concluded(licence, cast)
    concluded(licence, cast, applicant=COMPANY, result=Result.DENIED)

    for url in ("/cases/board/", "/cases/board/data/", "/cases/screen/", "/cases/screen/data/"):
        body = client.get(url).content.decode()
        text = json.dumps(json.loads(body), ensure_ascii=False) if url.endswith("data/") else body
        assert_private(text)
        assert "咸宁市青山食品有限公司" not in text and "91350100M000100Y43" not in text
        assert "13912345678" not in text and "李四" not in text
        assert "咸**********" in text  # the company, masked like a person


def test_the_board_lists_newest_results_first_and_leaves_out_open_cases(
    client: Client, cast, licence
) -> None:
    an_hour_ago = timezone.now() - timedelta(hours=1)
    concluded(licence, cast, applicant=replace(APPLICANT, name="赵大"), done=an_hour_ago - timedelta(hours=1))
    concluded(
        licence, cast, applicant=replace(APPLICANT, name="钱二"), done=an_hour_ago, result=Result.DENIED
    )
    case_steps.refuse(
        case=file(licence, cast, replace(APPLICANT, name="孙三")), by=cast.clerk, reason="不属于本机关"
    )
    case_steps.accept(case=file(licence, cast, replace(APPLICANT, name="周四")), by=cast.clerk)

    rows = client.get("/cases/board/data/").json()["rows"]

    assert [(r["applicant"], r["result"]) for r in rows] == [
        ("孙*", "不予受理"),
        ("钱*", "不予许可"),
        ("赵*", "出证办结"),
    ]


def test_the_board_can_show_one_window(client: Client, cast, licence) -> None:
    hall = Window.objects.create(
        number="A001", name="综合窗口", is_comprehensive=True, supervision_phone="0715-8200001"
    )
    concluded(licence, cast)
    case = intake.submit(
        item=licence, applicant=replace(APPLICANT, name="吴六"), channel="window", by=cast.clerk, window=hall
    )
    case_steps.conclude(
        case=case_steps.accept(case=case, by=cast.clerk),
        by=cast.reviewer,
        result=Result.ISSUED,
        certificate_no="X1",
    )

    page = client.get("/cases/board/?window=A001").content.decode()
    rows = client.get("/cases/board/data/?window=A001").json()["rows"]

    assert [(r["window"], r["applicant"], r["phone"]) for r in rows] == [
        ("A001 综合窗口", "吴*", "0715-8200001")
    ]
    assert 'data-source="/cases/board/data/?window=A001"' in page
    assert '<option value="A001" selected>A001 综合窗口</option>' in page
    assert "张*" not in page


def test_the_live_pages_load_their_script_from_the_site_and_have_no_inline_code(client: Client, cast) -> None:
    for url in ("/cases/board/", "/cases/screen/"):
        page = client.get(url).content.decode()
        assert '<script src="/static/yimen/live.js" defer></script>' in page
        assert "<script>" not in page and "style=" not in page and "onload" not in page
    script = b"".join(client.get("/static/yimen/live.js").streaming_content).decode()
    assert "fetch(source" in script and "visibilitychange" in script and "innerHTML" not in script


# --- 大屏 -------------------------------------------------------------------------------------------


@pytest.fixture
def a_known_day(cast, licence, instant) -> None:
    """Today: 5 accepted, 5 concluded, 3 of them 即办件 — plus cases of yesterday that must not count."""
    for _ in range(3):
        case_steps.accept_immediately(case=file(instant, cast), by=cast.clerk, certificate_no="YZ1")
    concluded(licence, cast, accepted=at(0, 9), done=at(0, 11))
    case_steps.accept(case=file(licence, cast), by=cast.clerk, at=at(0, 9, 30))
    concluded(licence, cast, accepted=at(1, 10), done=at(0, 10), result=Result.DENIED)
    # Yesterday's: a whole case and a 即办件, and a refusal today (never accepted, no 办结结果).
    concluded(licence, cast, accepted=at(1, 9), done=at(1, 16))
    yesterday = case_steps.accept(case=file(instant, cast), by=cast.clerk, at=at(1, 9))
    case_steps.conclude(
        case=yesterday, by=cast.clerk, result=Result.ISSUED, certificate_no="YZ2", at=at(1, 9)
    )
    case_steps.refuse(case=file(licence, cast), by=cast.clerk, reason="不属于本机关职权范围")


def test_the_screen_counts_today_and_its_immediate_rate(client: Client, a_known_day) -> None:
    data = client.get("/cases/screen/data/").json()
    assert (data["accepted"], data["concluded"], data["immediate"]) == (5, 5, 3)
    assert data["immediate_rate"] == "60.0%"
    assert data["day"] == timezone.localdate().isoformat()
    assert len(data["rows"]) == 8  # every result shown, yesterday's and the refusal too

    page = client.get("/cases/screen/").content.decode()
    assert 'data-testid="accepted">5<' in page and 'data-testid="concluded">5<' in page
    assert 'data-testid="immediate-rate">60.0%<' in page
    assert "即办件率 = 今日办结的即办件数" in page


def test_a_day_without_results_has_no_rate(client: Client, cast, licence) -> None:
    concluded(licence, cast, accepted=at(2, 9), done=at(1, 9))
    data = client.get("/cases/screen/data/").json()
    assert (data["accepted"], data["concluded"], data["immediate_rate"]) == (0, 0, "—")
