"""Retention of personal data (个人信息保护法 第十九条、第四十七条) and legal holds: a record past its configured
period is anonymised (an SMS deleted) from the day after its mark and not before, a held one is kept until
its hold is released, the figures that count the records do not move, the files go from storage, a dry
run changes nothing, and every run and every hold is audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.cases.conftest import APPLICANT, file, local
from tests.conftest import make_staff, sign_in
from tests.reports.conftest import requests  # noqa: F401  (table 三's hand-counted requests)
from tests.reports.test_requests_table import row
from yimen.cases.models import Case, CaseFile, Result
from yimen.cases.queries import stats
from yimen.cases.queries.stats import StatsFilter
from yimen.cases.services import steps
from yimen.catalog.models import ServiceItem
from yimen.core import events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.core.notify_models import SmsMessage
from yimen.core.people import ERASED_NAME
from yimen.disclosure.models import Appeal, AppealKind, Clarification, DisclosureRequest, Reply
from yimen.org.models import Role, Staff
from yimen.privacy import retention
from yimen.privacy.models import LegalHold, RecordKind
from yimen.reports.builder import build_annual_report
from yimen.settings import env_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def security(cast) -> Staff:
    return make_staff("security", "郑安全", cast.government, (Role.SECURITY_ADMIN, cast.government))


def concluded_on_2020_01_10(item: ServiceItem, cast) -> Case:
    """张三's licence, accepted 2020-01-06 and concluded (出证办结) 2020-01-10 10:00, with one uploaded file."""
    case = steps.accept(case=file(item, cast), by=cast.clerk, at=local(2020, 1, 6, 9))
    case = steps.conclude(
        case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="ZZ-1", at=local(2020, 1, 10, 10)
    )
    CaseFile.objects.create(
        case=case,
        material="身份证复印件",
        name="身份证.pdf",
        file=ContentFile(b"%PDF-1.4 test", name="id.pdf"),
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
    )
    return case


def sms(phone: str, created: datetime) -> SmsMessage:
    return SmsMessage.objects.create(
        key=f"sms:{phone}:{created.isoformat()}", phone=phone, template="case.accepted", created_at=created
    )


def runs() -> list[dict[str, Any]]:
    return [e.summary["after"] for e in AuditEntry.objects.filter(action="retention.purged").order_by("id")]


@pytest.mark.parametrize(("years", "mark"), [(30, date(2050, 1, 10)), (5, date(2025, 1, 10))])
def test_a_case_concluded_2020_01_10_is_anonymised_the_day_after_its_mark_and_not_on_it(
    licence, cast, settings, django_capture_on_commit_callbacks, years: int, mark: date
) -> None:
    settings.YIMEN = {**settings.YIMEN, "RETENTION_CASES": (years, "years")}
    case = concluded_on_2020_01_10(licence, cast)
    upload = CaseFile.objects.get(case=case)
    stored, storage = upload.file.name, upload.file.storage

    kept = retention.purge(today=mark)  # 2020-01-10 + N years: the last day it is kept
    case.refresh_from_db()
    assert case.applicant_name == APPLICANT.name and case.id_number == APPLICANT.id_number
    assert kept.kinds[RecordKind.CASE].due == 0 and storage.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        done = retention.purge(today=date(mark.year, 1, 11))
    case.refresh_from_db()
    assert (case.applicant_name, case.id_number, case.phone, case.address) == (ERASED_NAME, "", "", "")
    assert (case.number, case.state, case.result, case.concluded_at) == (
        case.number,
        "concluded",
        Result.ISSUED,
        local(2020, 1, 10, 10),
    )
    assert done.kinds[RecordKind.CASE].as_dict() == {"due": 1, "held": 0, "files": 1, "skipped": 0}
    assert not CaseFile.objects.filter(case=case).exists()
    assert not storage.exists(stored)  # the bytes are gone, not only the row


def test_a_held_case_is_kept_and_purged_at_the_next_run_after_its_release(licence, cast, security) -> None:
    case = concluded_on_2020_01_10(licence, cast)
    hold = retention.place_hold(
        kind=RecordKind.CASE, number=case.number, reason="行政诉讼（2049）鄂1202行初15号", by=security
    )

    held = retention.purge(today=date(2050, 6, 1))
    case.refresh_from_db()
    assert case.applicant_name == APPLICANT.name and CaseFile.objects.filter(case=case).exists()
    assert held.kinds[RecordKind.CASE].as_dict() == {"due": 0, "held": 1, "files": 0, "skipped": 0}

    retention.release_hold(hold=hold, reason="判决已生效", by=security)
    released = retention.purge(today=date(2050, 6, 2))
    case.refresh_from_db()
    assert case.applicant_name == ERASED_NAME
    assert released.kinds[RecordKind.CASE].as_dict() == {"due": 1, "held": 0, "files": 1, "skipped": 0}
    hold.refresh_from_db()
    assert (hold.released_by, hold.release_reason) == (security, "判决已生效")
    placed, lifted = AuditEntry.objects.filter(action__startswith="retention.hold_").order_by("id")
    assert (placed.action, placed.actor_id, placed.summary["after"]["reason"]) == (
        "retention.hold_placed",
        security.pk,
        "行政诉讼（2049）鄂1202行初15号",
    )
    assert (lifted.action, lifted.summary["after"]["reason"]) == ("retention.hold_released", "判决已生效")


def test_a_hold_needs_a_reason_a_known_record_and_the_role(licence, cast, security) -> None:
    case = concluded_on_2020_01_10(licence, cast)
    with pytest.raises(ApplicationError) as no_reason:
        retention.place_hold(kind=RecordKind.CASE, number=case.number, reason=" ", by=security)
    assert no_reason.value.fields["reason"][0].startswith("保留理由：必填")
    with pytest.raises(ApplicationError) as unknown:
        retention.place_hold(kind=RecordKind.CASE, number="NO-SUCH", reason="诉讼", by=security)
    assert unknown.value.fields["number"] == ["编号：没有编号为“NO-SUCH”的办件"]
    with pytest.raises(NotPermitted):
        retention.place_hold(kind=RecordKind.CASE, number=case.number, reason="诉讼", by=cast.clerk)
    hold = retention.place_hold(kind=RecordKind.CASE, number=case.number, reason="诉讼", by=security)
    with pytest.raises(ApplicationError, match="已在保留中"):
        retention.place_hold(kind=RecordKind.CASE, number=case.number, reason="审计", by=security)
    retention.release_hold(hold=hold, reason="结案", by=security)
    with pytest.raises(TransitionError, match="已经解除"):
        retention.release_hold(hold=hold, reason="结案", by=security)


def test_the_case_statistics_count_the_same_after_the_purge(licence, instant, cast) -> None:
    concluded_on_2020_01_10(licence, cast)
    steps.conclude(
        case=steps.accept(case=file(instant, cast), by=cast.clerk, at=local(2020, 1, 8, 9)),
        by=cast.reviewer,
        result=Result.ISSUED,
        certificate_no="ZZ-2",
        at=local(2020, 1, 8, 9),
    )
    january = StatsFilter(start=date(2020, 1, 1), end=date(2020, 1, 31))
    before = stats.case_stats(january)[1].as_dict()
    assert before["concluded"] == 2

    assert retention.purge(today=date(2050, 1, 11)).kinds[RecordKind.CASE].due == 2

    assert stats.case_stats(january)[1].as_dict() == before
    assert set(Case.objects.values_list("applicant_name", flat=True)) == {ERASED_NAME}


def test_table_three_of_the_annual_report_is_the_same_after_the_purge(requests, cast) -> None:  # noqa: F811
    """The hand-counted requests of 2022–2024, closed ten years and more before 2035-03-01: every closed one
    is anonymised, the open ones E and J are not, and 2023's table 三 gives the same cells."""
    keys = ["new", "carried_in", "r1", "r2", "r3_4", "r4_1", "r5_2", "r6_1", "r_total", "carried_out"]
    Reply.objects.create(
        request=requests["C"],
        outcome="r1",
        issued_on=date(2023, 3, 20),
        body="张三：\n你于2023年3月1日提出的申请收悉。",
    )
    Clarification.objects.create(
        request=requests["C"],
        notified_on=date(2023, 3, 2),
        items="请写明年份",
        deadline_on=date(2023, 3, 16),
        content="我是张三，电话13812345678",
    )
    before = {key: row(build_annual_report(cast.centre, 2023), key) for key in keys}

    done = retention.purge(today=date(2035, 3, 1))

    assert done.kinds[RecordKind.DISCLOSURE_REQUEST].due == 10
    assert {key: row(build_annual_report(cast.centre, 2023), key) for key in keys} == before
    left = DisclosureRequest.objects.exclude(applicant_name=ERASED_NAME)
    assert sorted(left.values_list("number", flat=True)) == ["YSQ-E", "YSQ-J"]
    assert set(
        DisclosureRequest.objects.filter(applicant_name=ERASED_NAME).values_list("phone", flat=True)
    ) == {""}
    assert Reply.objects.get().body == f"{ERASED_NAME}：\n你于2023年3月1日提出的申请收悉。"
    assert Clarification.objects.get().content == ""


def test_a_request_with_an_undecided_appeal_is_kept(requests, cast) -> None:  # noqa: F811
    Appeal.objects.create(
        request=requests["C"],
        organisation=cast.centre,
        kind=AppealKind.LITIGATION_DIRECT,
        filed_on=date(2023, 6, 1),
        body="咸宁市咸安区人民法院",
    )
    done = retention.purge(today=date(2035, 3, 1))
    requests["C"].refresh_from_db()
    assert requests["C"].applicant_name == "张三"
    assert done.kinds[RecordKind.DISCLOSURE_REQUEST].held == 1


def test_an_answered_rights_request_loses_the_requesters_data_after_three_years(holders) -> None:
    from tests.privacy.conftest import accepted, by_id
    from yimen.privacy import services
    from yimen.privacy.models import RightKind

    reviewer = holders.cast.reviewer
    request = services.provide_copy(request=accepted(by_id(holders, RightKind.ACCESS), reviewer), by=reviewer)
    answered_on = timezone.localdate(request.answered_at)
    assert request.export is not None

    mark = answered_on.replace(year=answered_on.year + 3)
    retention.purge(today=mark)
    request.refresh_from_db()
    assert request.requester_name == "张三"

    retention.purge(today=mark + timedelta(days=1))
    request.refresh_from_db()
    assert (request.requester_name, request.phone, request.id_number, request.export) == (
        ERASED_NAME,
        "",
        "",
        None,
    )
    assert (request.kind, request.outcome, request.state) == (RightKind.ACCESS, "provided", "answered")


def test_sms_older_than_a_year_are_deleted_and_younger_ones_kept(cast) -> None:
    old = sms("13812345678", local(2025, 12, 6, 23, 59))
    young = sms("13812345678", local(2025, 12, 7, 0, 0))
    done = retention.purge(today=date(2026, 12, 7))
    assert not SmsMessage.objects.filter(pk=old.pk).exists()
    assert SmsMessage.objects.filter(pk=young.pk).exists()
    assert done.kinds[retention.SMS].due == 1


def test_a_dry_run_counts_and_changes_nothing(licence, cast, security) -> None:
    case = concluded_on_2020_01_10(licence, cast)
    held = concluded_on_2020_01_10(licence, cast)
    retention.place_hold(kind=RecordKind.CASE, number=held.number, reason="审计", by=security)
    old = sms("13812345678", local(2020, 1, 10, 9))
    audited = AuditEntry.objects.count()

    done = retention.purge(today=date(2050, 1, 11), dry_run=True)

    assert done.kinds[RecordKind.CASE].as_dict() == {"due": 1, "held": 1, "files": 0, "skipped": 0}
    assert done.kinds[retention.SMS].due == 1
    case.refresh_from_db()
    assert case.applicant_name == APPLICANT.name and CaseFile.objects.filter(case=case).exists()
    assert SmsMessage.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.count() == audited


def test_each_run_is_audited_once_with_its_counts_and_a_second_run_finds_nothing(licence, cast) -> None:
    concluded_on_2020_01_10(licence, cast)
    sms("13812345678", local(2020, 1, 10, 9))

    retention.purge(today=date(2050, 1, 11))
    retention.purge(today=date(2050, 1, 11))

    first, second = runs()
    assert first["case"] == {"due": 1, "held": 0, "files": 1, "skipped": 0}
    assert first["sms"]["due"] == 1 and first["dry_run"] is False
    assert first["kept_from"]["case"] == "2020-01-11" and first["kept_from"]["sms"] == "2049-01-11"
    assert second["case"]["due"] == 0 and second["sms"]["due"] == 0
    entry = AuditEntry.objects.filter(action="retention.purged").first()
    assert entry is not None and entry.actor_label == "保留期限清理"


def test_the_worker_queues_the_purge_once_a_day_and_runs_it(licence, cast) -> None:
    concluded_on_2020_01_10(licence, cast)
    now = timezone.make_aware(datetime(2050, 1, 11, 0, 1))
    assert events.emit_daily(now=now) >= 1  # with the other apps' daily jobs (exchange, open data)
    assert events.emit_daily(now=now) == 0  # another minute, another worker: still one a day
    assert OutboxMessage.objects.filter(name="privacy.retention_due").count() == 1

    events.run_once(now=now)

    assert Case.objects.get().applicant_name == ERASED_NAME
    assert [run["today"] for run in runs()] == ["2050-01-11"]


def test_the_command_reports_what_a_dry_run_would_do(licence, cast, capsys) -> None:
    concluded_on_2020_01_10(licence, cast)
    call_command("retention", "purge", "--dry-run")
    out = capsys.readouterr().out
    assert "办件（" in out and "试运行：未作任何修改" in out
    assert Case.objects.get().applicant_name == APPLICANT.name


def test_the_security_administrator_places_and_releases_a_hold_in_the_office(
    client: Client, licence, cast, security
) -> None:
    case = concluded_on_2020_01_10(licence, cast)
    sign_in(client, cast.clerk)
    assert client.get("/office/holds/").status_code == 403
    sign_in(client, security)
    page = client.get("/office/holds/")
    assert page.status_code == 200 and "结束后 30 年" in page.content.decode()
    refused = client.post("/office/holds/", {"kind": "case", "number": case.number, "reason": ""})
    assert refused.status_code == 422 and "保留理由" in refused.content.decode()
    placed = client.post("/office/holds/", {"kind": "case", "number": case.number, "reason": "行政复议"})
    assert placed.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.number, hold.placed_by, hold.in_force) == (case.number, security, True)
    assert case.number in client.get("/office/holds/").content.decode()
    client.post(f"/office/holds/{hold.pk}/release/", {"release_reason": "复议决定已送达"})
    hold.refresh_from_db()
    assert not hold.in_force and hold.release_reason == "复议决定已送达"


@pytest.mark.parametrize(("value", "read"), [("30y", (30, "years")), ("365D", (365, "days"))])
def test_a_retention_period_is_years_or_days(
    monkeypatch: pytest.MonkeyPatch, value: str, read: tuple
) -> None:
    monkeypatch.setenv("YIMEN_TEST_PERIOD", value)
    assert env_period("YIMEN_TEST_PERIOD", "1y") == read


@pytest.mark.parametrize("value", ["30", "30 years", "0y", "y", "-3d"])
def test_a_retention_period_that_cannot_be_read_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("YIMEN_TEST_PERIOD", value)
    with pytest.raises(ImproperlyConfigured, match="YIMEN_TEST_PERIOD"):
        env_period("YIMEN_TEST_PERIOD", "1y")


def test_29_february_keeps_the_day_after_the_mark_rule(settings) -> None:
    settings.YIMEN = {**settings.YIMEN, "RETENTION_CASES": (30, "years")}
    # A record ended 2022-02-28 has its mark on 2052-02-28 and goes from 2052-02-29.
    assert retention.first_kept(RecordKind.CASE, date(2052, 2, 29)) == date(2022, 3, 1)
    assert retention.first_kept(RecordKind.CASE, date(2052, 2, 28)) == date(2022, 2, 28)
