"""Open311 GeoReport v2, read only: services are the published items, requests are the cases, with their
public status and nothing of their applicants.

Which cases are requests follows the public results board (cases.queries.public): a case becomes public
once the centre has taken it on (受理) or refused it (不予受理), and what is shown is what the board
shows — the item, the organisation, the state and its times. A case only submitted is not yet one (it
may be corrected or withdrawn before anyone looks at it), and a withdrawn case (撤件, the applicant's
own decision) never is. No applicant's name, phone, ID number or address is ever selected into a row;
the request's description, address and location are null: a 办件 has no public place.

The listing filters by 实施编码, status and the time the case was submitted, over at most 90 days (the
GeoReport default span), newest first, in pages of at most 1000 (its default limit) reaching the newest
20,000; a client walks further back by moving end_date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from yimen.cases.models import Case, CaseEvent, CaseState, Result
from yimen.cases.queries.public import BOARD_STATES
from yimen.catalog import queries as catalog_queries
from yimen.catalog.limits import format_limit
from yimen.core.throttle import Budget

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_DAYS = 90
MAX_PAGE_SIZE = 1000
# Pages reach the newest 20,000 requests of a query (an offset read costs what it skips); older ones are
# read by moving end_date back to the oldest requested_datetime received.
MAX_REACH = 20_000
_DEEPER = (
    f"（翻页只及最新的 {MAX_REACH} 条；更早的请把 end_date 改为已取得的最早 requested_datetime 再查，"
    "同一秒的会再次出现，按 service_request_id 去重）"
)
MAX_IDS = 100
_OFFSET_AS_SPACE = re.compile(r"\s(\d{2}:?\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CLOSED = tuple(BOARD_STATES)  # 办结、送达、不予受理: the states the board shows a result for
OPEN = (CaseState.HANDLING, CaseState.SPECIAL)

# Every call from one address counts, as the other public lookups do (core.throttle).
CALLS = Budget("open311:ip", lambda: 60, 60, "本网络地址每分钟调用 Open311 接口的次数已达上限，请稍后再试")


class Refused(ValueError):
    """A request the interface refuses: the HTTP status and a Chinese description naming the parameter."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def iso(moment: datetime | None) -> str | None:
    """GeoReport's time: ISO 8601 with the offset, in the centre's time zone."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# --- services -------------------------------------------------------------------------------------------


def services() -> list[dict[str, Any]]:
    """Every published item as a GeoReport service: no extra attributes (metadata false), a request is
    numbered when it is filed (realtime)."""
    items = catalog_queries.published().prefetch_related("current__themes")
    out = []
    for item in items:
        version = item.current
        assert version is not None  # published() has a current version
        type_label = version.get_item_type_display()
        out.append(
            {
                "service_code": item.impl_code,
                "service_name": version.name,
                "description": f"{type_label}；承诺办结时限：{format_limit(version.promised_limit, version.promised_unit)}",
                "metadata": False,
                "type": "realtime",
                "keywords": ",".join(dict.fromkeys([type_label, *(t.name for t in version.themes.all())])),
                "group": item.organisation.name,
            }
        )
    return out


def changeset() -> datetime:
    """When the service list last changed: the latest publication of a current version."""
    latest = catalog_queries.published().aggregate(latest=Max("current__published_at"))["latest"]
    return latest or timezone.now()


# --- requests -------------------------------------------------------------------------------------------


def public_requests() -> QuerySet[Case]:
    """The one selector of the cases the public may see as requests (module docstring)."""
    return Case.objects.filter(Q(accepted_at__isnull=False) | Q(state=CaseState.REFUSED)).exclude(
        state=CaseState.WITHDRAWN
    )


# Never an applicant's field: the rows are built from these alone.
FIELDS = (
    "number",
    "state",
    "result",
    "submitted_at",
    "promised_due",
    "version__name",
    "item__impl_code",
    "organisation__name",
    "updated",
)


@dataclass(frozen=True)
class RequestFilter:
    start: datetime
    end: datetime
    numbers: list[str] = field(default_factory=list)
    service_code: str = ""
    states: tuple[str, ...] = (*OPEN, *CLOSED)
    page: int = 1
    page_size: int = MAX_PAGE_SIZE


def _moment(value: str, name: str, *, end: bool) -> datetime:
    """A GeoReport date parameter: ISO 8601 with or without time and offset. An end takes in the whole of
    its last unit: a bare date its day, a time in seconds its second (so an end_date set to a
    requested_datetime this interface gave, which is in whole seconds, loses none of that second)."""
    # A "+08:00" offset left unescaped in a query string arrives as a space.
    text = _OFFSET_AS_SPACE.sub(r"+\1", value.strip()) if "T" in value else value.strip()
    moment: datetime | None = None
    try:
        if _DATE.match(text):
            day = parse_date(text)
            assert day is not None  # the pattern is a date's; a wrong month or day raised
            moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
        else:
            moment = parse_datetime(text)
            if moment is not None and end and not moment.microsecond:
                moment += timedelta(seconds=1)
    except ValueError:
        moment = None
    if moment is None:
        raise Refused(
            400, f"{name}：不是有效的 ISO 8601 时间（例如 2026-01-01T00:00:00+08:00 或 2026-01-01）"
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _number(value: str, name: str, low: int, high: int, default: int, hint: str = "") -> int:
    value = value.strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise Refused(400, f"{name}：应为 {low} 至 {high} 的整数{hint}")
    return int(value)


def request_filter(params: dict[str, str], *, now: datetime | None = None) -> RequestFilter:
    """The listing's parameters read and checked; Refused names the first one that is wrong."""
    now = now or timezone.now()
    numbers = [n.strip() for n in params.get("service_request_id", "").split(",") if n.strip()]
    if len(numbers) > MAX_IDS:
        raise Refused(400, f"service_request_id（办件编号）：一次最多 {MAX_IDS} 个，以逗号分隔")
    start_text, end_text = params.get("start_date", "").strip(), params.get("end_date", "").strip()
    span = timedelta(days=MAX_DAYS)
    # Either end alone reaches 90 days to the other; neither is the last 90 days.
    if start_text:
        start = _moment(start_text, "start_date（开始时间）", end=False)
        end = _moment(end_text, "end_date（结束时间）", end=True) if end_text else start + span
    else:
        end = _moment(end_text, "end_date（结束时间）", end=True) if end_text else now
        start = end - span
    if end <= start:
        raise Refused(400, "end_date（结束时间）：应晚于 start_date（开始时间）")
    if end - start > span:
        raise Refused(400, f"start_date、end_date：查询区间不能超过 {MAX_DAYS} 天")
    states: list[str] = []
    for status in (s.strip() for s in params.get("status", "").split(",") if s.strip()):
        if status == "open":
            states.extend(OPEN)
        elif status == "closed":
            states.extend(CLOSED)
        else:
            raise Refused(400, "status（状态）：只能是 open 或 closed，多个以逗号分隔")
    size = _number(params.get("page_size", ""), "page_size（每页条数）", 1, MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    deepest = MAX_REACH // size
    page = _number(params.get("page", ""), "page（页码）", 1, deepest, 1, _DEEPER)
    return RequestFilter(
        start=start,
        end=end,
        numbers=numbers,
        service_code=params.get("service_code", "").strip()[:50],
        states=tuple(states) or (*OPEN, *CLOSED),
        page=page,
        page_size=size,
    )


def _rows(cases: QuerySet[Case]) -> QuerySet[Case, dict[str, Any]]:
    last_step = (
        CaseEvent.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(at=Max("at"))
        .values("at")
    )
    return cases.annotate(updated=Coalesce(Subquery(last_step), "submitted_at")).values(*FIELDS)


def requests(f: RequestFilter) -> list[dict[str, Any]]:
    """A page of requests, newest first. Numbers given override every other parameter, as the
    specification says of service_request_id."""
    cases = public_requests()
    if f.numbers:
        cases = cases.filter(number__in=f.numbers)
    else:
        cases = cases.filter(submitted_at__gte=f.start, submitted_at__lt=f.end, state__in=f.states)
        if f.service_code:
            cases = cases.filter(item__impl_code=f.service_code)
    first = (f.page - 1) * f.page_size
    rows = _rows(cases.order_by("-submitted_at", "-pk"))[first : first + f.page_size]
    return [request_row(row) for row in rows]


def request(number: str) -> dict[str, Any] | None:
    row = _rows(public_requests().filter(number=number)).first()
    return request_row(row) if row else None


def _status_notes(state: str, result: str) -> str:
    """The state as the board says it: the label, and for a concluded case its 办结结果."""
    label = CaseState(state).label
    if state in (CaseState.CONCLUDED, CaseState.DELIVERED) and result in Result.values:
        return f"{label}（{Result(result).label}）"
    return label


def request_row(row: dict[str, Any]) -> dict[str, Any]:
    closed = row["state"] in CLOSED
    return {
        "service_request_id": row["number"],
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(row["state"], row["result"]),
        "service_name": row["version__name"],
        "service_code": row["item__impl_code"],
        "description": None,
        "agency_responsible": row["organisation__name"],
        "service_notice": None,
        "requested_datetime": iso(row["submitted_at"]),
        "updated_datetime": iso(row["updated"]),
        "expected_datetime": iso(row["promised_due"]),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
