"""When a disclosure request must be answered, and why: the clock of 条例第三十、三十一、三十三条.

Receipt (第三十一条) fixes day 0 by channel. Counting follows 民法典第二百零一条: the receipt day is not
counted, day 1 is the first working day after it, so the reply is due on add_workdays(received_on, 20)
(the regulation says "自收到申请之日起20个工作日内" without naming day 0 — ogi-law.md §1.5).
Requests received before 2019-05-15 follow the 2008 regulation (第二十四条: 15 + 15 working days); the
2019 regulation took effect that day (第五十六条) and no transitional rule was found, so the regulation
in force on the receipt date applies.

The clock's facts are read from the request's rows (补正, 征求意见, 收费, 延期 events, 第三十五条
deadline). A pause (a, b] takes the working days after a through b out of the period; the reply is due
on the N-th working day after the clock's start that no pause covers, so adding a pause can only move
the deadline later. Overdue is derived from the stored `due_on`, never stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from yimen.core import calendar
from yimen.core.errors import ApplicationError
from yimen.disclosure.clock import (
    CLARIFICATION_NOTICE_WORKDAYS,
    RULES,
    Clock,
    Due,
    Fact,
    Rules,
    rules_for,
    run,
)
from yimen.disclosure.models import Channel, DisclosureRequest, EventKind, RequestState

OPEN_STATES = (
    RequestState.REGISTERED,
    RequestState.IN_PROGRESS,
    RequestState.CLARIFYING,
    RequestState.CONSULTING,
    RequestState.AWAITING_FEE,
)


RECEIPT_RULES: dict[str, str] = {
    Channel.IN_PERSON: "条例第三十一条第（一）项：当面提交的，以提交之日为收到申请之日",
    Channel.ORAL: "条例第二十九条、第三十一条第（一）项：口头提出、代为填写的，以提出之日为收到申请之日",
    Channel.REGISTERED_MAIL: "条例第三十一条第（二）项：邮寄需签收的，以行政机关签收之日为收到申请之日",
    Channel.ORDINARY_MAIL: "条例第三十一条第（二）项：平常信函等无需签收的，以与申请人确认之日为收到申请之日",
    Channel.FAX: "条例第三十一条第（三）项：通过传真提交的，以双方确认之日为收到申请之日",
    Channel.ONLINE: "条例第三十一条第（三）项：通过互联网渠道提交的，以双方确认之日为收到申请之日",
    Channel.EMAIL: "条例第三十一条第（三）项：通过电子邮件（数据电文）提交的，以双方确认之日为收到申请之日",
}


def next_workday(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    return day if calendar.is_workday(day) else calendar.add_workdays(day, 1).date


def receipt_date(
    *, channel: str, submitted_on: date, signed_on: date | None = None, confirmed_on: date | None = None
) -> date:
    """收到申请之日 (条例第三十一条): in person or oral, the day handed in; registered mail, the day the
    office signed for it; ordinary mail, fax and e-mail, the day the office confirmed with the applicant.
    Online, the portal's acknowledgement (number and 查询码) is the confirmation; made on a rest day, the
    office confirms it on the next working day, which is then the receipt day."""
    if channel not in Channel.values:
        raise ApplicationError("申请渠道不正确", fields={"channel": ["申请渠道：取值不在列表中"]})
    if channel in (Channel.IN_PERSON, Channel.ORAL):
        return submitted_on
    if channel == Channel.REGISTERED_MAIL:
        if signed_on is None:
            raise ApplicationError(
                "请填写签收日期",
                fields={
                    "signed_on": [
                        "签收日期：邮寄需签收的申请必填，以签收之日为收到申请之日（条例第三十一条）"
                    ]
                },
            )
        if signed_on < submitted_on:
            raise ApplicationError(
                "签收日期早于寄出日期", fields={"signed_on": ["签收日期：不能早于申请人寄出的日期"]}
            )
        return signed_on
    if confirmed_on is None:
        if channel == Channel.ONLINE:
            return next_workday(submitted_on)
        raise ApplicationError(
            "请填写确认日期",
            fields={"confirmed_on": ["确认日期：此渠道以与申请人确认之日为收到申请之日（条例第三十一条）"]},
        )
    if confirmed_on < submitted_on:
        raise ApplicationError(
            "确认日期早于提交日期", fields={"confirmed_on": ["确认日期：不能早于申请提交或寄出的日期"]}
        )
    return confirmed_on


def fee_pauses_clock() -> bool:
    """Whether the days from the fee notice to payment are left out of the answer period. 国办函〔2020〕
    109号 beyond its Art. 5 was not read (ogi-law.md §7); local rules leave them out, so by default they are."""
    return bool(settings.YIMEN["DISCLOSURE_FEE_PAUSES_CLOCK"])


def _consultation_end(rules: Rules, sent_on: date, reply_due_on: date, replied_on: date | None) -> date:
    """The 2019 regulation gives the other side 15 working days; after them the office decides without
    the opinion (第三十二条、第三十四条), so a late reply pauses the clock no longer. Still open: paused to
    its reply deadline, as far as is known."""
    if replied_on is None:
        return reply_due_on
    return min(replied_on, reply_due_on) if rules.consultation_capped else replied_on


def facts_of(request: DisclosureRequest) -> list[Fact]:
    """Everything that shaped the request's clock, read from its rows, in date order."""
    rules = RULES[rules_for(request.received_on)]
    facts = [
        Fact(
            request.received_on,
            "received",
            f"收到申请（{request.get_channel_display()}）",
            RECEIPT_RULES.get(request.channel, "条例第三十一条") + "；" + rules.citation,
            rules.reply_workdays,
        )
    ]
    if request.pk is None:  # being registered: only its receipt so far
        return facts
    for c in request.clarifications.all():
        facts.append(
            Fact(
                c.notified_on,
                "clarification_requested",
                f"告知补正，补正期限至{c.deadline_on:%Y-%m-%d}；收到补正前答复期限暂按补正期限届满之日起算",
                "条例第三十条：自收到申请之日起7个工作日内一次性告知补正，答复期限自收到补正的申请之日起计算",
                due=c.deadline_on,
            )
        )
        if c.received_on is not None:
            facts.append(
                Fact(
                    c.received_on,
                    "clarification_received",
                    "收到补正，答复期限重新起算",
                    "条例第三十条：答复期限自行政机关收到补正的申请之日起计算",
                    rules.reply_workdays,
                )
            )
    for s in request.consultations.all():
        end = _consultation_end(rules, s.sent_on, s.reply_due_on, s.replied_on)
        state = f"意见于{s.replied_on:%Y-%m-%d}收回" if s.replied_on else f"答复期限{s.reply_due_on:%Y-%m-%d}"
        facts.append(
            Fact(
                s.sent_on,
                "pause",
                f"征求{s.get_party_kind_display()}“{s.party_name}”意见（{state}），所需时间不计入答复期限",
                "条例第三十二条、第三十四条（15个工作日内提出意见），第三十三条第三款：征求意见所需时间不计算在期限内",
                end=end,
            )
        )
    fee = getattr(request, "fee_notice", None)
    if fee is not None and fee_pauses_clock():
        paid = f"{fee.paid_on:%Y-%m-%d}缴纳" if fee.paid_on else f"缴费期限{fee.pay_by:%Y-%m-%d}"
        facts.append(
            Fact(
                fee.issued_on,
                "pause",
                f"发出收费通知（{fee.amount}元，{paid}），通知至缴费期间不计入答复期限",
                "国办函〔2020〕109号《政府信息公开信息处理费管理办法》：收到收费通知次日起20个工作日内缴纳",
                end=fee.paid_on or fee.pay_by,
            )
        )
    for event in request.events.filter(kind__in=[EventKind.EXTENDED, EventKind.CUSTOM_DEADLINE]):
        if event.kind == EventKind.EXTENDED:
            facts.append(
                Fact(
                    event.on,
                    "extension",
                    f"经政府信息公开工作机构负责人同意延期答复{event.workdays}个工作日：{event.note}",
                    rules.citation,
                    event.workdays,
                )
            )
        else:
            facts.append(
                Fact(
                    event.on,
                    "custom",
                    f"确定延迟答复的合理期限至{event.due_after:%Y-%m-%d}：{event.note}",
                    "条例第三十五条：数量、频次明显超过合理范围，理由合理但无法在第三十三条规定期限内答复的，确定延迟答复的合理期限",
                    due=event.due_after,
                )
            )
    order = {"received": 0, "clarification_requested": 1, "clarification_received": 2}
    return sorted(facts, key=lambda f: (f.on, order.get(f.kind, 3)))


def compute(request: DisclosureRequest, *, facts: Sequence[Fact] | None = None) -> Clock:
    """The request's clock from its rows (receipt date and rules must already be set), or from `facts`
    when the caller has already read them with `facts_of(request)`."""
    return run(request.received_on, facts_of(request) if facts is None else facts)


def apply(request: DisclosureRequest, *, facts: Sequence[Fact] | None = None) -> list[str]:
    """Set the stored clock fields from the request's facts (read here, or `facts` as `facts_of` gave
    them, so a caller that needs them too reads them once); the names of the fields set."""
    clock = compute(request, facts=facts)
    due = clock.due()
    request.rules = clock.rules.code
    request.clock_start_on = clock.start
    request.due_on = due.on
    request.due_provisional = due.provisional
    request.paused_workdays = due.paused_workdays
    request.extension_workdays = clock.extension
    request.custom_due_on = clock.custom
    return [
        "rules",
        "clock_start_on",
        "due_on",
        "due_provisional",
        "paused_workdays",
        "extension_workdays",
        "custom_due_on",
    ]


@dataclass(frozen=True)
class ClockStep:
    """One line of the deadline's explanation: what happened, its working days, the deadline after it."""

    on: date
    label: str
    workdays: int
    due_after: date | None
    rule: str


def explain(request: DisclosureRequest) -> list[ClockStep]:
    """Why the deadline is what it is, step by step, so an auditor can check it by hand: the receipt
    date and rule, each restart, pause and extension with its working days, and the deadline after it."""
    facts = facts_of(request)
    steps: list[ClockStep] = []
    before: Due | None = None
    for i, fact in enumerate(facts):
        after = run(request.received_on, facts[: i + 1]).due()
        if fact.kind == "pause":
            workdays = after.paused_workdays - (before.paused_workdays if before else 0)
        elif fact.kind == "custom" and before is not None:
            workdays = max(0, calendar.workdays_between(before.on, after.on).workdays)
        else:
            workdays = fact.workdays
        steps.append(ClockStep(fact.on, fact.label, workdays, after.on, fact.rule))
        before = after
    return steps


def is_overdue(request: DisclosureRequest, today: date) -> bool:
    """Still open (no reply, not closed) and past its deadline; derived, never stored."""
    return request.state in OPEN_STATES and request.replied_on is None and today > request.due_on


def answered_late(request: DisclosureRequest) -> bool:
    """Answered after the deadline (the annual report's timeliness)."""
    return request.replied_on is not None and request.replied_on > request.due_on


def clarification_notice_by(received_on: date) -> date:
    """条例第三十条: the last day to send the one 补正 notice."""
    return calendar.add_workdays(received_on, CLARIFICATION_NOTICE_WORKDAYS).date
