"""A case from the window to delivery; every illegal step is refused with 409 and changes nothing."""

from __future__ import annotations

import re

import pytest

from tests.cases.conftest import APPLICANT, COMPANY, file, local
from yimen.cases.models import Case, CaseState, Channel, Result
from yimen.cases.services import intake, steps
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.core.people import Applicant

pytestmark = pytest.mark.django_db


def test_a_window_application_gets_its_number_and_query_code(licence, cast) -> None:
    case = file(licence, cast)
    assert re.fullmatch(rf"{licence.impl_code}\d{{8}}0001", case.number)
    assert re.fullmatch(r"\d{6}", case.query_code)
    assert file(licence, cast).number.endswith("0002")
    assert case.state == CaseState.SUBMITTED and case.version == licence.current
    assert case.id_number == "11010519491231002X" and case.organisation == cast.market


def test_bad_applicant_data_is_refused_field_by_field_and_nothing_is_written(licence, cast) -> None:
    bad = Applicant(kind="person", name=" ", phone="12345", id_number="340524198001010013")
    with pytest.raises(ApplicationError) as caught:
        intake.submit(item=licence, applicant=bad, channel=Channel.ONLINE)
    assert caught.value.fields == {
        "name": ["申请人：必填"],
        "phone": ["手机号码：应为11位手机号码，用于接收办理进度短信"],
        "id_number": ["公民身份号码第18位校验码错误：应为 X"],
    }
    assert not Case.objects.exists()


def test_a_company_applies_with_its_credit_code(licence, cast) -> None:
    case = intake.submit(item=licence, applicant=COMPANY, channel=Channel.ONLINE)
    assert case.uscc == "91350100M000100Y43" and case.legal_representative == "李四"


def test_the_full_path_to_delivery(licence, cast) -> None:
    case = file(licence, cast)
    case = steps.accept(case=case, by=cast.clerk, at=local(2024, 9, 27, 10))
    assert case.state == CaseState.HANDLING and case.step == "受理"
    assert case.promised_due == local(2024, 10, 30, 23, 59, 59) == case.legal_due
    for _ in range(3):
        case = steps.advance(case=case, by=cast.reviewer)
    assert case.step == "决定"
    with pytest.raises(TransitionError, match="已是最后一个环节"):
        steps.advance(case=case, by=cast.reviewer)
    case = steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="JY14212000001")
    case = steps.deliver(case=case, by=cast.clerk, method="courier", tracking_no="SF1234567890")
    assert case.state == CaseState.DELIVERED
    timeline = list(case.events.values_list("label", flat=True))
    assert timeline == ["申报", "受理", "环节办理", "环节办理", "环节办理", "办结", "送达"]
    names = set(OutboxMessage.objects.values_list("name", flat=True))
    assert {"case.accepted", "case.concluded", "case.delivered"} <= names
    assert AuditEntry.objects.filter(object_id=str(case.pk), action__startswith="cases.").count() == 7


def test_illegal_steps_are_refused(licence, cast) -> None:
    case = file(licence, cast)
    with pytest.raises(TransitionError, match="不能办结"):
        steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="X")
    with pytest.raises(TransitionError, match="不能送达"):
        steps.deliver(case=case, by=cast.clerk, method="pickup")
    steps.refuse(case=case, by=cast.clerk, reason="不属于本机关职权范围")
    with pytest.raises(TransitionError, match="“不予受理”，不能受理"):
        steps.accept(case=case, by=cast.clerk)
    assert Case.objects.get(pk=case.pk).state == CaseState.REFUSED


def test_a_stale_form_is_refused(licence, cast) -> None:
    case = file(licence, cast)
    steps.accept(case=case, by=cast.clerk, expected_version=case.lock_version)
    with pytest.raises(TransitionError, match="已被他人更新"):
        steps.advance(case=case, by=cast.reviewer, expected_version=case.lock_version)


def test_only_the_departments_own_staff_act(licence, cast) -> None:
    case = file(licence, cast)
    with pytest.raises(NotPermitted):
        steps.accept(case=case, by=cast.other)
    with pytest.raises(NotPermitted):
        steps.accept(case=case, by=cast.reviewer)  # a reviewer does not take applications
    steps.accept(case=case, by=cast.clerk)
    with pytest.raises(NotPermitted):
        steps.advance(case=case, by=cast.clerk)


def test_a_window_that_does_not_serve_the_item_cannot_take_it(licence, cast) -> None:
    from yimen.org.models import Window

    police_window = Window.objects.create(number="B020", name="公安窗口", supervision_phone="0715-8200000")
    with pytest.raises(NotPermitted, match="非综合窗口"):
        intake.submit(
            item=licence, applicant=APPLICANT, channel=Channel.WINDOW, by=cast.other, window=police_window
        )


def test_a_comprehensive_window_takes_any_item_and_routes_it(licence, cast) -> None:
    from yimen.org.models import Role, StaffRole, Window

    one_window = Window.objects.create(
        number="A01", name="综合受理窗口1", is_comprehensive=True, supervision_phone="0715-8126517"
    )
    cast.officer.window = one_window
    cast.officer.save()
    StaffRole.objects.create(staff=cast.officer, role=Role.CLERK, organisation=cast.centre)
    case = intake.submit(
        item=licence, applicant=APPLICANT, channel=Channel.WINDOW, by=cast.officer, window=one_window
    )
    steps.accept(case=case, by=cast.officer)
    assert Case.objects.get(pk=case.pk).organisation == cast.market  # routed to the department


def test_supplement_is_told_once_and_the_clock_has_not_started(licence, cast) -> None:
    case = file(licence, cast)
    with pytest.raises(ApplicationError, match="补正"):
        steps.request_supplement(case=case, by=cast.clerk, materials=[" "])
    case = steps.request_supplement(case=case, by=cast.clerk, materials=["营业执照", "场所平面图"])
    assert case.state == CaseState.SUPPLEMENT and case.accepted_at is None and case.promised_due is None
    assert case.events.last().data["materials"] == ["营业执照", "场所平面图"]
    sms = OutboxMessage.objects.get(name="sms.send", payload__template="case.supplement")
    assert (
        sms.payload["template"] == "case.supplement"
        and sms.payload["context"]["materials"] == "营业执照、场所平面图"
    )
    case = steps.supplement_received(case=case, by=cast.clerk)
    case = steps.accept(case=case, by=cast.clerk)
    assert case.promised_due is not None


def test_refusal_and_non_issue_results_need_a_reason(licence, cast) -> None:
    case = file(licence, cast)
    with pytest.raises(ApplicationError, match="理由"):
        steps.refuse(case=case, by=cast.clerk, reason="")
    steps.accept(case=case, by=cast.clerk)
    with pytest.raises(ApplicationError, match="理由"):
        steps.conclude(case=case, by=cast.reviewer, result=Result.DENIED)
    with pytest.raises(ApplicationError, match="证照编号"):
        steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED)
    case = steps.conclude(case=case, by=cast.reviewer, result=Result.DENIED, reason="经营场所不符合要求")
    assert case.result_reason == "经营场所不符合要求"


def test_withdrawal_after_acceptance_closes_as_returned(licence, cast) -> None:
    case = steps.accept(case=file(licence, cast), by=cast.clerk)
    case = steps.withdraw(case=case, reason="申请人主动放弃")
    assert case.state == CaseState.WITHDRAWN and case.result == Result.RETURNED


def test_an_immediate_item_is_accepted_and_concluded_in_one_step(instant, licence, cast) -> None:
    case = steps.accept_immediately(case=file(instant, cast), by=cast.clerk, certificate_no="BL0001")
    assert case.state == CaseState.CONCLUDED and case.concluded_at == case.accepted_at == case.promised_due
    with pytest.raises(TransitionError, match="不是即办件"):
        steps.accept_immediately(case=file(licence, cast), by=cast.clerk, certificate_no="X")


def test_a_special_procedure_moves_the_deadlines(licence, cast) -> None:
    from datetime import date

    case = steps.accept(case=file(licence, cast), by=cast.clerk, at=local(2024, 9, 27, 10))
    case = steps.start_special(case=case, by=cast.reviewer, reason="现场检测", on=date(2024, 10, 8))
    assert case.state == CaseState.SPECIAL
    with pytest.raises(TransitionError):
        steps.advance(case=case, by=cast.reviewer)
    case = steps.end_special(case=case, by=cast.reviewer, on=date(2024, 10, 10))
    assert case.paused_workdays == 3 and case.promised_due == local(2024, 11, 4, 23, 59, 59)


def test_a_calendar_change_recomputes_open_cases(licence, cast) -> None:
    from yimen.cases.handlers import recompute_deadlines
    from yimen.core import events
    from yimen.core.services import set_day

    case = steps.accept(case=file(licence, cast), by=cast.clerk, at=local(2024, 9, 27, 10))
    set_day(day=local(2024, 10, 15).date(), is_workday=False, note="台风停止办公", by=cast.admin)
    message = OutboxMessage.objects.get(name="calendar.changed")
    recompute_deadlines(
        events.received(events.Message(message.pk, message.name, message.payload, message.key, 1))
    )
    moved = Case.objects.get(pk=case.pk)
    assert moved.promised_due == local(2024, 10, 31, 23, 59, 59)
    # The new deadline is a change like a step's: a step on the copy read before it runs again on it.
    assert moved.lock_version == case.lock_version + 1
    concluded = steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="JY1")
    assert concluded.promised_due == moved.promised_due and concluded.lock_version == moved.lock_version + 1


def test_the_applicant_is_texted_at_filing_acceptance_conclusion_and_delivery(licence, cast) -> None:
    from yimen.core import events
    from yimen.core.models import SmsMessage

    case = steps.accept(case=file(licence, cast), by=cast.clerk, at=local(2024, 9, 27, 10))
    case = steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="JY1")
    steps.deliver(case=case, by=cast.clerk, method="courier", tracking_no="SF1234567890")
    events.run_once()
    texts = list(SmsMessage.objects.order_by("id").values_list("phone", "text"))
    assert [phone for phone, _ in texts] == ["13812345678"] * 4
    assert f"已收到，办件编号{case.number}，查询码{case.query_code}" in texts[0][1]
    assert f"办件编号{case.number}，查询码{case.query_code}，承诺2024年10月30日前办结" in texts[1][1]
    assert "已办结（出证办结）" in texts[2][1] and "/evaluate/" in texts[2][1]
    assert "已送达（邮寄送达，运单号SF1234567890）" in texts[3][1]
