"""The demo's disclosure requests as plans: each request's history decided step by step — channel and
receipt date, applicant, 补正, consultation, extension, fee, reply, delivery, appeal — in the shares a
municipal centre sees. The clock's arithmetic is the regulation's (deadlines); demo/disclosure.py writes the plans.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from yimen.core import calendar
from yimen.core.identity import id_number_check_char, uscc_check_char
from yimen.demo.org import GIVEN, SURNAMES
from yimen.disclosure import clock, deadlines
from yimen.disclosure.fees import per_page_fee
from yimen.disclosure.models import (
    Appeal,
    AppealKind,
    AppealResult,
    ApplicantType,
    Channel,
    Clarification,
    Consultation,
    ConsultationParty,
    DeliveryMethod,
    DisclosureRequest,
    EventKind,
    FeeMethod,
    FeeNotice,
    FormWanted,
    Outcome,
)
from yimen.disclosure.services import intake
from yimen.org.models import Organisation, Staff

PER_YEAR = 165  # the seed's centre, 2018
YEARS = 5
FEES_FROM = date(2021, 1, 1)

# Shares, each list's weights summing to 100.
CHANNELS = [
    (Channel.ONLINE, 46), (Channel.IN_PERSON, 20), (Channel.REGISTERED_MAIL, 14),
    (Channel.ORDINARY_MAIL, 7), (Channel.EMAIL, 8), (Channel.FAX, 2), (Channel.ORAL, 3),
]  # fmt: skip
APPLICANTS = [
    (ApplicantType.NATURAL, 82), (ApplicantType.BUSINESS, 9), (ApplicantType.RESEARCH, 2),
    (ApplicantType.WELFARE, 1), (ApplicantType.LEGAL_SERVICE, 5), (ApplicantType.OTHER, 1),
]  # fmt: skip
OUTCOMES = [
    (Outcome.DISCLOSED, 42), (Outcome.PARTIAL, 10), (Outcome.THIRD_PARTY, 2), (Outcome.PROCESS, 3),
    (Outcome.INTERNAL, 2), (Outcome.QUERY_MATTER, 1), (Outcome.NOT_HELD, 20), (Outcome.NEEDS_CREATION, 5),
    (Outcome.PETITION, 5), (Outcome.REPEATED, 3), (Outcome.PUBLICATION, 2), (Outcome.CONFIRMATION, 2),
    (Outcome.OTHER, 3),
]  # fmt: skip
CLARIFY_SHARE, CONSULT_SHARE, EXTEND_SHARE, FEE_SHARE, APPEAL_SHARE = 0.07, 0.05, 0.06, 0.012, 0.025
TOPICS = [
    "本市老旧小区改造计划及资金安排", "政务服务中心进驻事项目录及调整文件", "某路段道路拓宽工程的立项批复",
    "本区义务教育学校划片范围", "集体土地征收补偿安置方案", "某企业环境影响评价审批文件",
    "市场监管部门对某超市的行政处罚决定书", "公共租赁住房分配名单及审核程序", "城市总体规划修改的听证材料",
    "政府投资项目招标结果", "行政事业性收费项目清单", "困难群众临时救助发放情况",
    "某小区周边规划调整的批复", "本单位上一年度部门决算", "某工程竣工验收备案材料",
]  # fmt: skip
REASONS = {
    Outcome.PARTIAL: "所申请信息中含有第三方个人信息，已作区分处理，对可以公开的部分予以提供。",
    Outcome.THIRD_PARTY: "经书面征求第三方意见，第三方不同意公开且理由合理，公开会损害第三方合法权益。",
    Outcome.PROCESS: "所申请信息属于行政机关在履行职责过程中形成的讨论记录、过程稿，依法可以不予公开。",
    Outcome.INTERNAL: "所申请信息属于人事管理、后勤管理、内部工作流程等内部事务信息。",
    Outcome.QUERY_MATTER: "所申请信息属于行政查询事项，请按有关规定办理查询。",
    Outcome.NOT_HELD: "经检索，本机关没有制作或者获取所申请的政府信息。",
    Outcome.NEEDS_CREATION: "所申请信息需要对现有政府信息进行加工、分析，本机关可以不予提供。",
    Outcome.PETITION: "申请内容属于信访、投诉、举报事项，请通过信访渠道反映。",
    Outcome.REPEATED: "本机关已就相同内容作出过答复，不予重复处理。",
    Outcome.CONFIRMATION: "申请要求确认或重新出具已获取的信息，不属于政府信息公开申请。",
    Outcome.OTHER: "申请人在答复前撤回申请。",
    Outcome.STILL_UNCLEAR: "补正后申请内容仍不明确，无法确定所需政府信息。",
}


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _workday_after(day: date, workdays: int) -> date:
    return calendar.add_workdays(day, workdays).date


@dataclass
class Plan:
    """One request's history as it will be written: the steps' dates and what was decided."""

    request: DisclosureRequest
    started_on: date
    clarification: Clarification | None = None
    consultation: Consultation | None = None
    extension: tuple[date, int] | None = None
    fee: FeeNotice | None = None
    outcome: str = ""
    replied_on: date | None = None
    delivered_on: date | None = None
    appeal: Appeal | None = None
    events: list[tuple[str, date, str, int]] = field(default_factory=list)  # kind, on, note, workdays


def _applicant(rng: random.Random, kind: str) -> dict[str, Any]:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    if kind == ApplicantType.NATURAL:
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        first17 = (
            f"4212{rng.choice(['02', '21', '22', '23', '24', '81'])}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        )
        return {"applicant_name": name, "id_number": first17 + id_number_check_char(first17), "phone": phone}
    first17 = f"91421200{rng.randrange(10**9):09d}"
    suffix = {
        "business": "有限公司",
        "research": "研究院",
        "welfare": "公益基金会",
        "legal_service": "律师事务所",
    }
    return {
        "applicant_name": f"咸宁市{rng.choice(GIVEN)}{rng.choice(GIVEN)}{suffix.get(kind, '协会')}",
        "uscc": first17 + uscc_check_char(first17),
        "legal_representative": name,
        "contact_person": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "phone": phone,
    }


def _received(rng: random.Random, channel: str, day: date) -> tuple[date, date]:
    """(submitted, received) for a request the office gets on or about `day` (条例第三十一条)."""
    if channel == Channel.REGISTERED_MAIL:
        submitted = day - timedelta(days=rng.randint(2, 4))
        return submitted, deadlines.receipt_date(channel=channel, submitted_on=submitted, signed_on=day)
    if channel in (Channel.ORDINARY_MAIL, Channel.FAX, Channel.EMAIL):
        submitted = day - timedelta(days=rng.randint(0, 3))
        return submitted, deadlines.receipt_date(channel=channel, submitted_on=submitted, confirmed_on=day)
    if channel == Channel.ONLINE and rng.random() < 0.15:  # filed at the weekend, confirmed on Monday
        saturday = day - timedelta(days=(day.weekday() - 5) % 7)
        return saturday, deadlines.receipt_date(channel=channel, submitted_on=saturday)
    return day, deadlines.receipt_date(channel=channel, submitted_on=day)


def working_days(first: date, last: date, count: int, rng: random.Random) -> Iterator[date]:
    """`count` working days between first and last, in order, spread at random."""
    span = (last - first).days
    picked = sorted(first + timedelta(days=rng.randrange(span + 1)) for _ in range(count))
    for day in picked:
        yield day if calendar.is_workday(day) else _workday_after(day, 1)


class Builder:
    """Decides each request's history; the clock's arithmetic is the regulation's (deadlines)."""

    def __init__(self, rng: random.Random, today: date, organisation: Organisation, officer: Staff | None):
        self.rng, self.today, self.organisation, self.officer = rng, today, organisation, officer

    def plan(self, day: date) -> Plan | None:
        rng = self.rng
        channel = _pick(rng, CHANNELS)
        submitted, received = _received(rng, channel, day)
        if received > self.today or submitted > self.today:
            return None
        kind = _pick(rng, APPLICANTS)
        request = DisclosureRequest(
            organisation=self.organisation,
            channel=channel,
            submitted_on=submitted,
            received_on=received,
            clock_start_on=received,
            due_on=received,
            rules=clock.rules_for(received),
            applicant_type=kind,
            description=f"申请公开{rng.choice(TOPICS)}",
            form_wanted=_pick(
                rng, [(FormWanted.ELECTRONIC, 55), (FormWanted.PAPER, 40), (FormWanted.INSPECTION, 5)]
            ),
            delivery_method=DeliveryMethod.ONLINE if channel == Channel.ONLINE else DeliveryMethod.POST,
            address="咸宁市咸安区"
            + rng.choice(["温泉路", "金桂路", "银泉大道", "永安大道"])
            + f" {rng.randint(1, 300)} 号",
            created_by=None if channel == Channel.ONLINE else self.officer,
            **_applicant(rng, kind),
        )
        request.query_code = intake.query_code()
        plan = Plan(request, started_on=received)
        workdays = clock.RULES[request.rules].reply_workdays
        plan.events.append((EventKind.RECEIVED, received, deadlines.RECEIPT_RULES[channel], workdays))
        self._history(plan)
        return plan

    def _history(self, plan: Plan) -> None:
        rng, r, rules = self.rng, plan.request, clock.RULES[plan.request.rules]
        start = r.received_on
        if rng.random() < CLARIFY_SHARE:
            notified = _workday_after(start, rng.randint(1, 5))
            deadline = _workday_after(notified, 15)
            answered = rng.random() < 0.7
            back = _workday_after(notified, rng.randint(3, 10)) if answered else None
            plan.clarification = Clarification(
                notified_on=notified,
                items="请说明所需信息的具体名称、文号或形成时间，以便检索。",
                deadline_on=deadline,
                received_on=back if back and back <= self.today else None,
                content="所需信息为2020年度发布的有关文件。" if back and back <= self.today else "",
            )
            plan.events.append((EventKind.CLARIFICATION_REQUESTED, notified, plan.clarification.items, 0))
            if plan.clarification.received_on is None:
                if deadline < self.today:
                    self._close(plan, Outcome.NO_CLARIFICATION, _workday_after(deadline, 1))
                return
            start = plan.clarification.received_on
            plan.events.append((EventKind.CLARIFICATION_RECEIVED, start, "", rules.reply_workdays))
        plan.started_on = start if plan.clarification else _workday_after(start, rng.randint(0, 1))
        if plan.clarification is None:
            plan.events.append((EventKind.STARTED, plan.started_on, "", 0))
        pauses: list[clock.Pause] = []
        if rng.random() < CONSULT_SHARE:
            sent = _workday_after(plan.started_on, rng.randint(2, 6))
            party = rng.choice(list(ConsultationParty))
            back = _workday_after(sent, rng.randint(5, 14))
            plan.consultation = Consultation(
                party_kind=party,
                party_name="咸宁市某置业有限公司"
                if party == ConsultationParty.THIRD_PARTY
                else "咸宁市自然资源和规划局",
                sent_on=sent,
                reply_due_on=_workday_after(sent, clock.CONSULTATION_WORKDAYS),
                replied_on=back if back <= self.today else None,
                opinion=rng.choice(["不同意公开", "同意公开", "同意部分公开"]) if back <= self.today else "",
            )
            plan.events.append((EventKind.CONSULTATION_STARTED, sent, party.label, 0))
            pauses.append(clock.Pause(sent, plan.consultation.replied_on or plan.consultation.reply_due_on))
            if plan.consultation.replied_on is None:
                return
            plan.events.append((EventKind.CONSULTATION_ENDED, back, party.label, 0))
        extension = 0
        if rng.random() < EXTEND_SHARE:
            extension = rng.choice([10, 15, rules.max_extension])
            before = clock.due_date(start, rules.reply_workdays, pauses).on
            on = _workday_after(start, rng.randint(rules.reply_workdays - 6, rules.reply_workdays - 1))
            plan.extension = (min(on, before), extension)
            if plan.extension[0] <= self.today:
                note = "需要调取档案并征求业务科室意见，经负责人同意延期"
                plan.events.append((EventKind.EXTENDED, plan.extension[0], note, extension))
            else:
                plan.extension, extension = None, 0
        if start >= FEES_FROM and rng.random() < FEE_SHARE * 5 and r.form_wanted != FormWanted.INSPECTION:
            self._fee(plan, pauses)
            if plan.fee is None or plan.fee.paid_on is None:
                return
        due = clock.due_date(start, rules.reply_workdays + extension, pauses).on
        used = clock.due_date(start, rng.randint(3, rules.reply_workdays - 2) + extension // 2, pauses).on
        if plan.extension and used <= plan.extension[0]:
            used = _workday_after(plan.extension[0], rng.randint(1, 5))
        replied = min(used, due)
        if replied > self.today:
            return  # still being handled
        outcome = _pick(self.rng, OUTCOMES)
        if plan.consultation is not None:
            outcome = rng.choice([Outcome.PARTIAL, Outcome.THIRD_PARTY, Outcome.DISCLOSED])
        elif plan.clarification is not None and rng.random() < 0.2:
            outcome = Outcome.STILL_UNCLEAR
        self._reply(plan, outcome, replied)

    def _fee(self, plan: Plan, pauses: list[clock.Pause]) -> None:
        """按量计收 (per page) for a long answer; four in five pay within their 20 working days."""
        rng = self.rng
        pages = rng.choice([45, 80, 120, 160, 250])
        issued = _workday_after(plan.started_on, rng.randint(3, 8))
        if issued > self.today:
            return
        pay_by = _workday_after(issued, clock.FEE_PAYMENT_WORKDAYS)
        paid = _workday_after(issued, rng.randint(2, 12)) if rng.random() < 0.8 else None
        paid = paid if paid and paid <= self.today else None
        plan.fee = FeeNotice(
            method=FeeMethod.PER_PAGE,
            quantity=pages,
            amount=per_page_fee(pages),
            issued_on=issued,
            pay_by=pay_by,
            paid_on=paid,
        )
        plan.events.append((EventKind.FEE_NOTICE, issued, f"按量计收，{pages}页，{plan.fee.amount}元", 0))
        if paid is not None:
            plan.events.append((EventKind.FEE_PAID, paid, f"{plan.fee.amount}元", 0))
            if deadlines.fee_pauses_clock():
                pauses.append(clock.Pause(issued, paid))
        elif pay_by < self.today:
            self._close(plan, Outcome.FEE_UNPAID, _workday_after(pay_by, 1))

    def _close(self, plan: Plan, outcome: str, on: date) -> None:
        """视为放弃申请: closed with 其他处理 on the first working day after the applicant's deadline."""
        if on > self.today:
            return
        plan.outcome, plan.replied_on = outcome, on
        kind = EventKind.CLARIFICATION_EXPIRED if outcome == Outcome.NO_CLARIFICATION else EventKind.NOTE
        plan.events += [(kind, on, Outcome(outcome).label, 0), (EventKind.CLOSED, on, "", 0)]

    def _reply(self, plan: Plan, outcome: str, replied: date) -> None:
        rng = self.rng
        plan.outcome, plan.replied_on = outcome, replied
        plan.events.append((EventKind.REPLIED, replied, Outcome(outcome).label, 0))
        delivered = _workday_after(replied, rng.choice([0, 0, 1, 2]))
        if delivered <= self.today:
            plan.delivered_on = delivered
            plan.events += [
                (EventKind.DELIVERED, delivered, plan.request.get_delivery_method_display(), 0),
                (EventKind.CLOSED, delivered, "", 0),
            ]
        if rng.random() < APPEAL_SHARE and outcome != Outcome.DISCLOSED:
            filed = replied + timedelta(days=rng.randint(10, 55))
            if filed <= self.today:
                kind = _pick(rng, [(AppealKind.RECONSIDERATION, 75), (AppealKind.LITIGATION_DIRECT, 25)])
                decided = filed + timedelta(days=rng.randint(60, 240))
                done = decided <= self.today
                plan.appeal = Appeal(
                    organisation=self.organisation,
                    kind=kind,
                    filed_on=filed,
                    body="咸宁市人民政府" if kind == AppealKind.RECONSIDERATION else "咸宁市咸安区人民法院",
                    result=_pick(
                        rng,
                        [
                            (AppealResult.MAINTAINED, 80),
                            (AppealResult.CORRECTED, 12),
                            (AppealResult.OTHER, 8),
                        ],
                    )
                    if done
                    else "",
                    decided_on=decided if done else None,
                )
                plan.events.append((EventKind.APPEALED, filed, plan.appeal.get_kind_display(), 0))
                if done:
                    plan.events.append(
                        (EventKind.APPEAL_DECIDED, decided, plan.appeal.get_result_display(), 0)
                    )
