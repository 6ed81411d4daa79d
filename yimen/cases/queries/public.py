"""What the public may read about cases: one case by 办件编号 + 查询码, the live results board and the
hall's big screen. Every value that leaves here is already masked (张*): callers cannot leak a full name,
an ID number or a phone, because none is ever selected into a public row.

Sized for a city year (1.29 M cases, ≈ 5,000 a working day): the board reads the newest rows by the
index on 办结时间 (by window: `case_window_concluded`), today's figures are one conditional aggregation
over the rows accepted or concluded today, found by the indexes on 受理时间 and 办结时间.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from django.db.models import Count, Q, Subquery
from django.utils import timezone
from pydantic import Field as Doc

from yimen.cases.models import Case, CaseEvent, CaseState, DeliveryMethod, Result
from yimen.core.identity import mask_name
from yimen.core.people import tail_matches
from yimen.org.models import Window

# A case appears on the board once it has a public outcome.
BOARD_STATES = [CaseState.CONCLUDED, CaseState.DELIVERED, CaseState.REFUSED]
BOARD_SIZE = 50
SCREEN_SIZE = 10
NONE = "—"
TIME_FORMAT = "%Y-%m-%d %H:%M"


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime(TIME_FORMAT) if moment else NONE


def _outcome(state: str, result: str) -> str:
    """办结结果 as the applicant reads it; a refused case was never accepted, so it has none."""
    if state == CaseState.REFUSED:
        return CaseState.REFUSED.label
    return Result(result).label if result in Result.values else CaseState(state).label


def _where(number: str, name: str, phone: str) -> tuple[str, str]:
    """The window that handled a case and its 监督电话, as the public sees them."""
    return f"{number} {name}", phone or NONE


def _online(organisation: str, phone: str) -> tuple[str, str]:
    """An online case has no window: the organisation answers for it, with its own 监督电话."""
    return f"网上申报（{organisation}）", phone or NONE


# --- 办件查询 -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStep:
    """One line of the applicant's timeline: what happened and when, never who did it."""

    at: str
    label: str
    note: str = ""
    materials: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PublicCase:
    """What the applicant sees with the number and the 查询码: the portal's page and the API's answer."""

    number: str
    item: str
    business_type: Annotated[str, Doc(description="业务类型")]
    applicant: Annotated[str, Doc(description="申请人（已脱敏）")]
    state: str
    accepted_at: str
    promised_due: str
    result: str
    result_reason: str
    window: str
    supervision_phone: str
    timeline: list[PublicStep]


def _note(event: CaseEvent) -> str:
    """The part of an event's note meant for the applicant. Internal opinions (环节意见, 并联审查意见)
    stay in the office; reasons the applicant is owed by law (不予受理, 补正, 特别程序, 不予许可) show."""
    data: dict[str, Any] = event.data or {}
    match event.action:
        case "submit" | "refuse" | "withdraw" | "start_special" | "request_supplement":
            return event.note
        case "advance":
            return f"{data.get('done', '')}环节已完成，进入{data.get('next', '')}环节"
        case "end_special":
            return f"特别程序用时 {data.get('workdays', 0)} 个工作日，办结期限相应顺延"
        case "conclude":
            outcome = _outcome(CaseState.CONCLUDED, str(data.get("result", "")))
            return f"{outcome}：{event.note}" if event.note else outcome
        case "deliver":
            method = str(data.get("method", ""))
            label = DeliveryMethod(method).label if method in DeliveryMethod.values else ""
            tracking = data.get("tracking_no") or ""
            return f"{label}（快递单号 {tracking}）" if tracking else label
    return ""


def _timeline(case: Case) -> list[PublicStep]:
    events = (
        CaseEvent.objects.filter(case=case).only("at", "action", "label", "note", "data").order_by("at", "id")
    )
    return [
        PublicStep(
            at=_local(event.at),
            label=event.label,
            note=_note(event),
            materials=list((event.data or {}).get("materials", []))
            if event.action == "request_supplement"
            else [],
        )
        for event in events
    ]


def case_by_code(*, number: str, code: str) -> Case | None:
    """The case whose 办件编号 and 查询码 both match, else None — the same None whether the number is
    unknown or the code is wrong, so the answer reveals nothing about which numbers exist. Also the proof
    of identity of a 个人信息权利申请 made with a case (privacy.queries)."""
    if "\x00" in number:  # no number holds NUL (PostgreSQL refuses it in a query)
        number = ""
    case = Case.objects.select_related("version", "window", "organisation").filter(number=number).first()
    # Compare in constant time, and compare even when there is no case, so timing tells nothing either.
    expected = case.query_code if case is not None else "-" * 6
    if not secrets.compare_digest(expected.encode(), code.encode()) or case is None:
        return None
    return case


def lookup(*, number: str, code: str, tail: str | None = None) -> PublicCase | None:
    """办件查询: what the applicant sees of the case whose 办件编号 and 查询码 both match (and, when a second
    factor is asked for, the last four digits of its phone: core/people.py `tail_matches`), else None."""
    case = case_by_code(number=number, code=code)
    if case is None or not tail_matches(phone=case.phone, id_number=case.id_number, given=tail):
        return None
    window, organisation = case.window, case.organisation
    where, phone = (
        _where(window.number, window.name, window.supervision_phone)
        if window
        else _online(organisation.name, organisation.supervision_phone)
    )
    return PublicCase(
        number=case.number,
        item=case.version.name,
        business_type=case.business_type,
        applicant=mask_name(case.applicant_name),
        state=case.get_state_display(),
        accepted_at=_local(case.accepted_at),
        promised_due=_local(case.promised_due),
        result=_outcome(case.state, case.result) if case.concluded_at else "",
        result_reason=case.result_reason if case.concluded_at else "",
        window=where,
        supervision_phone=phone,
        timeline=_timeline(case),
    )


# --- 实时办件公示 and 大屏 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    """One result on the board; the same dict is rendered by the template and sent as JSON."""

    key: int
    window: str
    item: str
    applicant: str
    result: str
    time: str
    phone: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_BOARD_FIELDS = (
    "pk",
    "state",
    "result",
    "concluded_at",
    "applicant_name",
    "version__name",
    "window__number",
    "window__name",
    "window__supervision_phone",
    "organisation__name",
    "organisation__supervision_phone",
)


def _board_row(row: dict[str, Any]) -> BoardRow:
    window, phone = (
        _where(row["window__number"], row["window__name"], row["window__supervision_phone"])
        if row["window__number"]
        else _online(row["organisation__name"], row["organisation__supervision_phone"])
    )
    return BoardRow(
        key=row["pk"],
        window=window,
        item=row["version__name"],
        applicant=mask_name(row["applicant_name"]),
        result=_outcome(row["state"], row["result"]),
        time=_local(row["concluded_at"]),
        phone=phone,
    )


def latest_results(*, window: str = "", limit: int = BOARD_SIZE) -> list[BoardRow]:
    """The newest results across the centre, or at one window (by its number), newest first."""
    rows = Case.objects.filter(state__in=BOARD_STATES, concluded_at__isnull=False)
    if window:
        # By the window's id, so the database walks `case_window_concluded` (window, 办结时间).
        rows = rows.filter(window=Subquery(Window.objects.filter(number=window).values("pk")[:1]))
    newest = rows.order_by("-concluded_at", "-pk").values(*_BOARD_FIELDS)[:limit]
    return [_board_row(row) for row in newest]


def board_windows() -> list[tuple[str, str]]:
    """The windows a visitor can filter the board by: (number, "number name")."""
    return [
        (number, f"{number} {name}")
        for number, name in Window.objects.filter(is_active=True)
        .order_by("number")
        .values_list("number", "name")
    ]


@dataclass(frozen=True)
class DayFigures:
    """受理量, 办结量 and 即办件率 of one day (gov-service.md §2.5: 即办件率 = 即办件办结数 / 办结总数)."""

    day: date
    accepted: int
    concluded: int
    immediate: int

    @property
    def day_label(self) -> str:
        return f"{self.day.year}年{self.day.month}月{self.day.day}日"

    @property
    def immediate_rate(self) -> str:
        return f"{self.immediate * 100 / self.concluded:.1f}%" if self.concluded else NONE

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "day_label": self.day_label,
            "accepted": self.accepted,
            "concluded": self.concluded,
            "immediate": self.immediate,
            "immediate_rate": self.immediate_rate,
        }


def day_figures(day: date | None = None) -> DayFigures:
    """One query: cases accepted on the day, cases concluded on the day with a 办结结果 (不予受理 and
    withdrawal before acceptance have none), and how many of those were 即办件 (承诺时限 0)."""
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    accepted = Q(accepted_at__gte=start, accepted_at__lt=end)
    concluded_on_day = Q(concluded_at__gte=start, concluded_at__lt=end)
    concluded = concluded_on_day & ~Q(result="")
    figures = Case.objects.filter(accepted | concluded_on_day).aggregate(
        accepted=Count("pk", filter=accepted),
        concluded=Count("pk", filter=concluded),
        immediate=Count("pk", filter=concluded & Q(version__promised_limit=0)),
    )
    return DayFigures(day=day, **figures)
