"""好差评: one evaluation per concluded case; a 差评 opens a work order due 15 working days later, which is
answered and closed by the organisation; 满意率 and 差评整改率 are counted by the database."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from tests.cases.conftest import APPLICANT, file, local
from tests.conftest import make_staff
from yimen.cases.models import Case, Channel, Evaluation, Level, Result, WorkOrder, WorkOrderState
from yimen.cases.queries import evaluations as evaluation_queries
from yimen.cases.services import evaluations, intake, steps
from yimen.catalog.models import ServiceItem
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage, OutboxStatus
from yimen.org.models import Role
from yimen.org.permissions import organisations_for

pytestmark = pytest.mark.django_db

# 国庆 2024: 10-01..07 off, 09-29 (Sunday) and 10-12 (Saturday) worked.
EVALUATED = local(2024, 9, 27, 15)
DUE = local(2024, 10, 23, 23, 59, 59)


def concluded(item: ServiceItem, cast, *, channel: str = Channel.WINDOW, at: datetime = EVALUATED) -> Case:
    """A case filed at the market bureau's window (or online), accepted and concluded with a licence."""
    if channel == Channel.WINDOW:
        case = file(item, cast)
    else:
        case = intake.submit(item=item, applicant=APPLICANT, channel=Channel.ONLINE)
    case = steps.accept(case=case, by=cast.clerk, at=at)
    return steps.conclude(
        case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="JY1421200", at=at
    )


def rated(item: ServiceItem, cast, *levels: int, at: datetime = EVALUATED) -> list[Evaluation]:
    return [
        evaluations.evaluate(
            case=concluded(item, cast, at=at), level=level, channel=Channel.WINDOW, comment="", at=at
        )
        for level in levels
    ]


@pytest.mark.parametrize("level", Level.values)
def test_a_concluded_case_takes_each_level(licence, cast, level: int) -> None:
    case = concluded(licence, cast)
    evaluation = evaluations.evaluate(
        case=case, level=level, indicators={"attitude": 4}, comment=" 窗口很耐心 ", channel=Channel.WINDOW
    )
    assert evaluation.organisation == cast.market and evaluation.window == cast.window
    assert evaluation.indicators == {"overall": level, "attitude": 4}
    assert evaluation.comment == "窗口很耐心"
    assert WorkOrder.objects.filter(evaluation=evaluation).exists() == (level <= Level.DISSATISFIED)
    received = OutboxMessage.objects.get(name="evaluation.received")
    assert received.payload["number"] == case.number and received.payload["level"] == level
    assert AuditEntry.objects.filter(action="cases.evaluated", object_id=str(evaluation.pk)).exists()


def test_a_delivered_case_can_be_evaluated_too(licence, cast) -> None:
    case = steps.deliver(case=concluded(licence, cast), by=cast.clerk, method="pickup")
    evaluation = evaluations.evaluate(case=case, level=Level.SATISFIED, channel=Channel.WINDOW)
    assert evaluation.get_level_display() == "满意"


def test_a_second_evaluation_of_the_same_case_is_refused(licence, cast) -> None:
    case = concluded(licence, cast)
    evaluations.evaluate(case=case, level=Level.VERY_SATISFIED, channel=Channel.WINDOW)
    with pytest.raises(TransitionError, match="该办件已评价") as caught:
        evaluations.evaluate(case=case, level=Level.VERY_DISSATISFIED, channel=Channel.WINDOW)
    assert caught.value.status == 409
    assert Evaluation.objects.get(case=case).level == Level.VERY_SATISFIED
    assert not WorkOrder.objects.exists()


def test_an_open_case_cannot_be_evaluated(licence, cast) -> None:
    case = steps.accept(case=file(licence, cast), by=cast.clerk)
    with pytest.raises(TransitionError, match="办件办结后才能评价") as caught:
        evaluations.evaluate(case=case, level=Level.SATISFIED, channel=Channel.WINDOW)
    assert caught.value.status == 409 and not Evaluation.objects.exists()


def test_indicators_are_those_of_the_channel_rated_one_to_five(licence, cast) -> None:
    case = concluded(licence, cast)
    with pytest.raises(ApplicationError) as caught:
        evaluations.evaluate(
            case=case,
            level=Level.SATISFIED,
            indicators={"usability": 5, "attitude": 6, "overall": 1},
            channel=Channel.WINDOW,
        )
    assert caught.value.fields == {
        "usability": ["评价指标“usability”：窗口受理的指标只有服务效率、服务水平、服务态度"],
        "attitude": ["服务态度：应为 1 至 5 的等级"],
        "overall": ["整体满意度：应与评价等级一致"],
    }
    assert not Evaluation.objects.exists()
    online = concluded(licence, cast, channel=Channel.ONLINE)
    evaluation = evaluations.evaluate(
        case=online, level=Level.BASIC, indicators={"usability": 2}, channel=Channel.ONLINE
    )
    assert evaluation.indicators == {"overall": 3, "usability": 2} and evaluation.window is None


def test_a_level_outside_the_five_is_refused(licence, cast) -> None:
    with pytest.raises(ApplicationError) as caught:
        evaluations.evaluate(case=concluded(licence, cast), level=6, channel=Channel.WINDOW)
    assert caught.value.fields["level"] == [
        "评价等级：请从非常满意、满意、基本满意、不满意、非常不满意中选择一项"
    ]


def test_very_dissatisfied_opens_a_work_order_due_15_working_days_later_across_national_day(
    licence, cast
) -> None:
    [evaluation] = rated(licence, cast, Level.VERY_DISSATISFIED)
    order = WorkOrder.objects.get(evaluation=evaluation)
    assert order.due == DUE and not order.due_provisional
    assert order.state == WorkOrderState.OPEN and order.organisation == cast.market and order.owner is None
    opened = OutboxMessage.objects.get(name="workorder.opened")
    assert opened.payload["number"] == evaluation.case.number
    assert opened.payload["due"] == DUE.isoformat()


def test_the_rectification_period_is_configuration(licence, cast) -> None:
    with override_settings(YIMEN={**settings.YIMEN, "WORK_ORDER_DAYS": 5}):
        [evaluation] = rated(licence, cast, Level.DISSATISFIED)
    assert evaluation.work_order.due == local(2024, 10, 10, 23, 59, 59)


def test_a_work_order_is_assigned_answered_and_closed(licence, cast) -> None:
    [evaluation] = rated(licence, cast, Level.DISSATISFIED)
    order = evaluations.assign_owner(order=evaluation.work_order, owner=cast.reviewer, by=cast.supervisor)
    assert order.owner == cast.reviewer
    order = evaluations.reply(
        order=order,
        by=cast.reviewer,
        findings="窗口人员未一次性告知材料，已约谈并培训。",
        reply="您反映的问题属实，我们已整改，感谢监督。",
    )
    assert order.state == WorkOrderState.REPLIED and order.replied_at is not None
    replied = OutboxMessage.objects.get(name="workorder.replied")
    assert replied.payload["number"] == evaluation.case.number
    assert replied.payload["reply"] == "您反映的问题属实，我们已整改，感谢监督。"
    order = evaluations.close(order=order, by=cast.reviewer)
    assert WorkOrder.objects.get(pk=order.pk).state == WorkOrderState.CLOSED
    with pytest.raises(TransitionError, match="工单当前为“已办结”，不能答复申请人"):
        evaluations.reply(order=order, by=cast.reviewer, reply="再次答复")


def test_whoever_answers_an_unassigned_order_owns_it(licence, cast) -> None:
    [evaluation] = rated(licence, cast, Level.DISSATISFIED)
    order = evaluations.reply(order=evaluation.work_order, by=cast.reviewer, reply="已整改。")
    assert order.owner == cast.reviewer


def test_closing_before_the_applicant_has_a_reply_is_refused(licence, cast) -> None:
    [evaluation] = rated(licence, cast, Level.VERY_DISSATISFIED)
    with pytest.raises(TransitionError, match="工单当前为“整改中”，不能办结，须先答复申请人"):
        evaluations.close(order=evaluation.work_order, by=cast.reviewer)
    assert WorkOrder.objects.get(pk=evaluation.work_order.pk).state == WorkOrderState.OPEN


def test_a_reply_needs_its_text(licence, cast) -> None:
    [evaluation] = rated(licence, cast, Level.DISSATISFIED)
    with pytest.raises(ApplicationError) as caught:
        evaluations.reply(order=evaluation.work_order, by=cast.reviewer, findings="已核实", reply="  ")
    assert caught.value.fields == {"reply": ["答复申请人：必填，将告知申请人"]}


def test_another_organisations_staff_cannot_handle_the_order(licence, cast) -> None:
    [evaluation] = rated(licence, cast, Level.DISSATISFIED)
    police_reviewer = make_staff("police_reviewer", "周公安", cast.police, (Role.REVIEWER, cast.police))
    for outsider in (police_reviewer, cast.other, cast.clerk):
        with pytest.raises(NotPermitted, match="您无权处理该差评整改工单") as caught:
            evaluations.reply(order=evaluation.work_order, by=outsider, reply="与我无关")
        assert caught.value.status == 403
    with pytest.raises(ApplicationError) as refused:
        evaluations.assign_owner(order=evaluation.work_order, owner=police_reviewer, by=cast.reviewer)
    assert refused.value.fields == {"owner": ["责任人：周公安无权处理本单位的差评整改工单"]}
    assert WorkOrder.objects.get(pk=evaluation.work_order.pk).owner is None


def test_the_supervisor_sees_the_open_orders_past_their_due(licence, cast) -> None:
    late, answered = (e.work_order for e in rated(licence, cast, Level.VERY_DISSATISFIED, Level.DISSATISFIED))
    evaluations.reply(order=answered, by=cast.reviewer, reply="已整改。")
    [recent] = rated(licence, cast, Level.DISSATISFIED, at=timezone.now())
    seen = evaluation_queries.overdue_work_orders(organisations_for(cast.supervisor, "supervision.view"))
    assert [order.pk for order in seen] == [late.pk]
    assert recent.work_order.due > timezone.now()
    flagged = {
        o.pk: o.overdue
        for o in evaluation_queries.work_orders(organisations_for(cast.reviewer, "workorder.handle"))
    }
    assert flagged == {late.pk: True, answered.pk: False, recent.work_order.pk: False}
    assert not evaluation_queries.work_orders({cast.police.pk}).exists()


def test_satisfaction_and_rectification_rates_by_organisation_and_window(licence, cast) -> None:
    evaluations_given = rated(licence, cast, Level.VERY_SATISFIED, Level.SATISFIED, Level.DISSATISFIED, 1)
    on_time = evaluations_given[2].work_order
    evaluations.reply(order=on_time, by=cast.reviewer, reply="已整改。", at=local(2024, 10, 23, 17))
    evaluations.close(order=on_time, by=cast.reviewer)
    period = evaluation_queries.Period(local(2024, 9, 1).date(), local(2024, 12, 31).date())
    [by_org] = evaluation_queries.satisfaction_by_organisation(period)
    [by_window] = evaluation_queries.satisfaction_by_window(period)
    for row in (by_org, by_window, evaluation_queries.satisfaction_total(period)):
        assert row.total == 4 and row.levels == (1, 1, 0, 1, 1)
        assert str(row.satisfaction_rate) == "50.0"
        assert (row.bad, row.due, row.on_time) == (2, 2, 1)
        assert str(row.rectification_rate) == "50.0"
    assert by_org.name == "咸宁市市场监督管理局" and by_window.name == "B012 市场监管窗口"
    elsewhere = evaluation_queries.Period(local(2025, 1, 1).date(), local(2025, 12, 31).date())
    assert evaluation_queries.satisfaction_by_organisation(elsewhere) == []
    assert evaluation_queries.satisfaction_total(elsewhere).satisfaction_rate is None


def test_a_late_reply_counts_against_the_rate_and_an_open_period_not_yet(licence, cast) -> None:
    [late] = rated(licence, cast, Level.DISSATISFIED)
    evaluations.reply(order=late.work_order, by=cast.reviewer, reply="已整改。", at=local(2024, 10, 24, 9))
    rated(licence, cast, Level.VERY_DISSATISFIED, at=timezone.now())
    row = evaluation_queries.satisfaction_total(
        evaluation_queries.Period(local(2024, 1, 1).date(), timezone.localdate())
    )
    assert (row.bad, row.due, row.on_time) == (2, 1, 0)
    assert str(row.rectification_rate) == "0.0"


def test_the_applicant_is_texted_the_reply(licence, cast) -> None:
    from tests.cases.conftest import file
    from yimen.cases.models import Result
    from yimen.core import events, notify
    from yimen.core.models import SmsMessage

    case = steps.accept(case=file(licence, cast), by=cast.clerk)
    case = steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="C1")
    evaluation = evaluations.evaluate(case=case, level=1, indicators={}, comment="等太久", channel="window")
    evaluations.reply(
        order=evaluation.work_order, by=cast.reviewer, findings="已核实", reply="已对窗口人员批评教育。"
    )
    # Queued by the reply itself, in its transaction: before any worker runs.
    queued = OutboxMessage.objects.get(name="sms.send", payload__template="workorder.replied")
    payload = events.SMS_SEND.load(queued.payload)
    assert notify.payload_phone(payload) == case.phone and payload.context["number"] == case.number
    events.run_once()
    events.run_once()
    OutboxMessage.objects.update(status=OutboxStatus.PENDING)  # delivered again: still one SMS
    events.run_once()
    text = SmsMessage.objects.get(template="workorder.replied").text
    assert f"您对办件{case.number}的评价已核实处理：已对窗口人员批评教育。" in text


def test_a_refused_reply_texts_nobody(licence, cast) -> None:
    [evaluation] = rated(licence, cast, Level.DISSATISFIED)
    evaluations.reply(order=evaluation.work_order, by=cast.reviewer, reply="已整改。")
    with pytest.raises(TransitionError):
        evaluations.reply(order=evaluation.work_order, by=cast.reviewer, reply="再答复一次。")
    with pytest.raises(NotPermitted):
        evaluations.reply(order=evaluation.work_order, by=cast.other, reply="不是本单位的工单。")
    texts = OutboxMessage.objects.filter(name="sms.send", payload__template="workorder.replied")
    assert [t.payload["context"]["reply"] for t in texts] == ["已整改。"]
