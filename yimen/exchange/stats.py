"""及时率 and 准确率 of the pushes, as the seed reports them (「上传数据的及时性和准确性均达到99%以上」):
counted per target, kind and day by the database, one aggregate query per question.

A row is one delivery (one revision of a record owed to one target); its day is the local date of the
change that owed it (`changed_at`). A delivery superseded in the queue before it was sent (a newer
version of the row replaced it) is not counted: the newer one is.

- 应推送 `due`: rows pushed, and rows whose limit has passed unpushed. A row not yet pushed and still
  within its limit is not due yet: it shows under 待推送 only.
- 按时推送 `on_time`: rows first pushed within their limit (`first_sent_at ≤ due_by`: the target's limit
  for the kind, counted from the change).
- **及时率 = 按时推送 ÷ 应推送.**
- 已推送 `pushed`: rows pushed at least once.
- 已有结果 `judged`: rows sent as the record first stood (corrections excluded) whose answer is known:
  accepted, rejected or dead.
- 一次通过 `first_try`: of those, accepted on the first attempt (accepted, attempts = 1, not a correction).
- **准确率 = 一次通过 ÷ 已有结果.** A correction re-sends a row already counted, so it is left out of
  both; a row still waiting for the target's answer is neither right nor wrong yet.
- 被退回 `rejected`: rows the target rejected; they stay counted after the row is corrected.
- 已更正 `corrected`: corrections (rows re-sent after a rejection) the target accepted.
- 推送失败 `dead`: rows that used up the retry schedule.
- 待推送 `pending`: rows waiting to be sent or being sent; 待确认 `waiting`: written to a 前置库 and
  waiting for its confirmation period to pass.

A rate is shown to one decimal rounded down, so 98.96% reads 98.9%, never 99.0%; whether it reaches 99%
is decided on the counts themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from yimen.exchange.models import OPEN, Delivery, Kind, Status, Target

SETTLED = (Status.ACCEPTED, Status.REJECTED, Status.DEAD)
TARGET_RATE = 99  # 「均达到99%以上」
K = TypeVar("K", bound=Hashable)

DEFINITIONS: list[tuple[str, str]] = [
    ("应推送", "变更时间在统计期内、已推送或已过推送时限的记录（被新版本取代而未推送的不计）"),
    ("按时推送", "首次推送时间不晚于时限（变更时间 + 该目标该类数据的及时性时限）的记录"),
    ("及时率", "按时推送 ÷ 应推送"),
    ("一次通过", "首次推送即被接收、且不是更正重报的记录"),
    ("准确率", "一次通过 ÷ 已有结果（非更正重报、已被接收、退回或推送失败的记录）"),
    ("被退回", "对方校验不通过退回的记录；更正后仍计入"),
    ("已更正", "被退回后更正重报并被接收的记录"),
    ("推送失败", "按重试计划推送约三天仍未成功、转入死信的记录"),
    ("待推送 / 待确认", "尚未推送或推送中的记录 / 已写入前置库、等待确认期满的记录"),
]


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage to one decimal, rounded down; None when there is nothing to divide."""
    if whole <= 0:
        return None
    return (Decimal(part * 1000 // whole) / 10).quantize(Decimal("0.1"))


def percent(value: Decimal | None) -> str:
    """99.6 → "99.6%", 100.0 → "100%"; "—" for no rate."""
    if value is None:
        return "—"
    return f"{value:.1f}".removesuffix(".0") + "%"


@dataclass(frozen=True)
class Figures:
    due: int = 0
    on_time: int = 0
    pushed: int = 0
    judged: int = 0
    first_try: int = 0
    rejected: int = 0
    corrected: int = 0
    dead: int = 0
    pending: int = 0
    waiting: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def late(self) -> int:
        return self.due - self.on_time

    @property
    def timely_rate(self) -> Decimal | None:
        return rate(self.on_time, self.due)

    @property
    def accuracy_rate(self) -> Decimal | None:
        return rate(self.first_try, self.judged)

    @property
    def timely_text(self) -> str:
        return percent(self.timely_rate)

    @property
    def accuracy_text(self) -> str:
        return percent(self.accuracy_rate)

    @property
    def both_reach_target(self) -> bool:
        """Both rates at least 99%, on the exact counts."""
        return (
            self.due > 0
            and self.judged > 0
            and self.on_time * 100 >= TARGET_RATE * self.due
            and self.first_try * 100 >= TARGET_RATE * self.judged
        )


NAMES = tuple(f.name for f in fields(Figures))


@dataclass(frozen=True)
class Line:
    """The figures of one target, kind and day."""

    target_id: int
    kind: str
    day: date
    figures: Figures


def _counts(now: datetime) -> dict[str, Count]:
    pushed = Q(first_sent_at__isnull=False)
    original = Q(correction=False)
    counts = {
        "due": Count("pk", filter=pushed | Q(due_by__lte=now)),
        "on_time": Count("pk", filter=Q(first_sent_at__lte=F("due_by"))),
        "pushed": Count("pk", filter=pushed),
        "judged": Count("pk", filter=original & Q(status__in=SETTLED)),
        "first_try": Count("pk", filter=original & Q(status=Status.ACCEPTED, attempts=1)),
        "rejected": Count("pk", filter=Q(status=Status.REJECTED)),
        "corrected": Count("pk", filter=Q(correction=True, status=Status.ACCEPTED)),
        "dead": Count("pk", filter=Q(status=Status.DEAD)),
        "pending": Count("pk", filter=Q(status__in=OPEN)),
        "waiting": Count("pk", filter=Q(status=Status.SENT)),
    }
    return counts


def _figures(row: dict[str, Any]) -> Figures:
    return Figures(*(row[name] for name in NAMES))


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def counted(deliveries: QuerySet[Delivery], start: date, end: date) -> QuerySet[Delivery]:
    """The deliveries of changes made from `start` to `end` (local dates, both included)."""
    return deliveries.exclude(status=Status.SUPERSEDED).filter(
        changed_at__gte=_moment(start), changed_at__lt=_moment(end + timedelta(days=1))
    )


def by_day(
    deliveries: QuerySet[Delivery], start: date, end: date, *, now: datetime | None = None
) -> list[Line]:
    """One line per target, kind and day with rows: one GROUP BY with conditional counts."""
    day = TruncDate("changed_at", tzinfo=timezone.get_current_timezone())
    rows = (
        counted(deliveries, start, end)
        .annotate(day=day)
        .values("target_id", "kind", "day")
        .annotate(**_counts(now or timezone.now()))
        .order_by("target_id", "kind", "day")
    )
    return [Line(row["target_id"], row["kind"], row["day"], _figures(row)) for row in rows]


def by_target(
    deliveries: QuerySet[Delivery], start: date, end: date, *, now: datetime | None = None
) -> dict[int, Figures]:
    """Each target's figures over the period: one GROUP BY."""
    rows = (
        counted(deliveries, start, end)
        .values("target_id")
        .annotate(**_counts(now or timezone.now()))
        .order_by("target_id")
    )
    return {row["target_id"]: _figures(row) for row in rows}


def year_totals(
    deliveries: QuerySet[Delivery], year: int, *, now: datetime | None = None
) -> dict[int, Figures]:
    """Each target's figures for a calendar year."""
    return by_target(deliveries, date(year, 1, 1), date(year, 12, 31), now=now)


def summed(lines: Iterable[Line], key: Callable[[Line], K]) -> dict[K, Figures]:
    """The lines' figures added up under `key` (per target, per target and kind, per day …), in order."""
    totals: dict[K, Figures] = defaultdict(Figures)
    for line in lines:
        totals[key(line)] += line.figures
    return dict(totals)


def total(figures: Iterable[Figures]) -> Figures:
    return sum(figures, Figures())


# --- the annual report's sentence -------------------------------------------------------------------

# What the report calls each kind's data: 办件 for every table of a case.
WORDS: dict[str, str] = {
    Kind.ACCEPT: "办件",
    Kind.PROCESS: "办件",
    Kind.RESULT: "办件",
    Kind.SPECIAL: "办件",
    Kind.MATERIAL: "办件",
    Kind.TASK: "事项",
    Kind.LICENCE: "证照",
    Kind.EVALUATION: "评价",
    Kind.TRADING: "交易公告",
}
ORDER = ("办件", "事项", "证照", "评价", "交易公告")


def amount(count: int) -> str:
    """条 as a report writes them: 8,765条 as 8765条, 342,345条 as 34.2万余条, 340,000条 as 34万条."""
    if count < 10000:
        return f"{count}条"
    tenths = count // 1000
    whole = f"{tenths / 10:.1f}".removesuffix(".0")
    return f"{whole}万{'余' if count % 1000 else ''}条"


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else "、".join(words[:-1]) + "和" + words[-1]


def narrative(
    year: int,
    deliveries: QuerySet[Delivery] | None = None,
    *,
    now: datetime | None = None,
) -> str:
    """The annual report's sentence on the pushes of `year`, from the real figures; "" when nothing was
    pushed. The seed's 「均达到99%以上」 is said only when both rates reach 99%."""
    now = now or timezone.now()
    found = Delivery.objects.all() if deliveries is None else deliveries
    rows = (
        counted(found, date(year, 1, 1), date(year, 12, 31))
        .values("target_id", "kind")
        .annotate(**_counts(now))
        .order_by("target_id", "kind")
    )
    lines = [Line(row["target_id"], row["kind"], date(year, 1, 1), _figures(row)) for row in rows]
    lines = [line for line in lines if line.figures.pushed]
    if not lines:
        return ""
    figures = total(line.figures for line in lines)
    names = list(
        Target.objects.filter(pk__in={line.target_id for line in lines})
        .order_by("code")
        .values_list("name", flat=True)
    )
    kinds = {WORDS[line.kind] for line in lines}
    words = [word for word in ORDER if word in kinds]
    when = "全年" if year < timezone.localdate(now).year else "今年以来"
    sentence = f"{when}向{'、'.join(names)}推送{_listed(words)}数据{amount(figures.pushed)}"
    rates = []
    if figures.timely_rate is not None:
        rates.append(f"及时率{percent(figures.timely_rate)}")
    if figures.accuracy_rate is not None:
        rates.append(f"准确率{percent(figures.accuracy_rate)}")
    if figures.both_reach_target:
        return f"{sentence}，上传数据的及时性和准确性均达到{TARGET_RATE}%以上（{'、'.join(rates)}）。"
    if rates:
        return f"{sentence}，上传{'、'.join(rates)}。"
    return f"{sentence}。"


def report_sentence(organisations: list[int], year: int) -> str:
    """The sentence for the annual report of the organisations a report counts (reports.contributions)."""
    return narrative(year, Delivery.objects.filter(record__organisation_id__in=organisations))
