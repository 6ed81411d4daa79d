"""统计图表: the figures of the office and public statistics pages, each chart with the numbers it draws
(shown as an accessible table and exported to Excel). Every figure is another app's query or one
GROUP BY here: cases from `cases.queries.stats`, 好差评 from `cases.queries.evaluations`, timeliness
from `publishing.queries`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.db.models import Count
from django.utils import timezone

from yimen.cases.queries import evaluations, stats
from yimen.disclosure.models import DisclosureRequest, Outcome
from yimen.org.models import Organisation
from yimen.publishing.queries import timeliness_by_organisation
from yimen.reports import counts
from yimen.reports.scope import Year

TOP_ORGANISATIONS = 15  # the busiest units; the table below the chart lists them all
FIRST_YEAR = 2008  # the first year of the 2008 regulation


def chosen_year(value: str | None, today: date | None = None) -> int:
    """The year a page asks for, kept between 2008 and this year (this year when missing or not a number)."""
    this_year = (today or timezone.localdate()).year
    try:
        year = int(value or this_year)
    except ValueError:
        year = this_year
    return min(max(year, FIRST_YEAR), this_year)


def years(today: date | None = None) -> list[int]:
    """The years a page offers, latest first."""
    return list(range((today or timezone.localdate()).year, FIRST_YEAR - 1, -1))


@dataclass(frozen=True)
class Series:
    name: str
    data: list[Any]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    kind: str  # "bar", "line" or "pie"
    unit: str
    labels: list[str]
    series: list[Series]
    note: str = ""
    table_labels: list[str] = field(default_factory=list)
    table_series: list[Series] = field(default_factory=list)

    @property
    def header(self) -> list[str]:
        return ["", *(s.name for s in self.table_series or self.series)]

    @property
    def rows(self) -> list[list[Any]]:
        """The numbers as a table: one row per label, one column per series (all rows, not only those drawn)."""
        labels, series = self.table_labels or self.labels, self.table_series or self.series
        return [[label, *(s.data[i] for s in series)] for i, label in enumerate(labels)]

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "unit": self.unit,
            "labels": self.labels,
            "series": [{"name": s.name, "data": s.data} for s in self.series],
        }


@dataclass(frozen=True)
class Period:
    year: int
    start: date
    end: date


def period(year: int, today: date | None = None) -> Period:
    """A calendar year, up to today while it runs."""
    today = today or timezone.localdate()
    y = Year(year)
    return Period(year, y.first, min(y.last, today))


def _cases(p: Period, organisations: Collection[int] | None) -> list[Chart]:
    months, _ = stats.case_stats(
        stats.StatsFilter(start=p.start, end=p.end, by=stats.By.MONTH, organisations=organisations)
    )
    by_org, _ = stats.case_stats(
        stats.StatsFilter(start=p.start, end=p.end, by=stats.By.ORGANISATION, organisations=organisations)
    )
    month_labels = [r.label for r in months]
    busiest = sorted(by_org, key=lambda r: -r.accepted)
    volume = [
        Series("受理量", [r.accepted for r in busiest]),
        Series("办结量", [r.concluded for r in busiest]),
    ]
    return [
        Chart(
            "cases-month",
            "办件量（按月）",
            "bar",
            "件",
            month_labels,
            [Series("受理量", [r.accepted for r in months]), Series("办结量", [r.concluded for r in months])],
        ),
        Chart(
            "cases-organisation",
            f"办件量（按单位，前{TOP_ORGANISATIONS}个）",
            "bar",
            "件",
            [r.label for r in busiest[:TOP_ORGANISATIONS]],
            [Series(s.name, s.data[:TOP_ORGANISATIONS]) for s in volume],
            note="表格列出全部单位。",
            table_labels=[r.label for r in busiest],
            table_series=volume,
        ),
        Chart(
            "cases-rates",
            "即办件率与按时办结率（按月）",
            "line",
            "%",
            month_labels,
            [
                Series("即办件率（%）", [r.immediate_rate for r in months]),
                Series("按时办结率（%）", [r.on_time_rate for r in months]),
            ],
            note="口径见办件统计：即办件率 = 即办件办结数 ÷ 办结量；按时办结率 = 不晚于承诺办结时间办结的件数 ÷ 办结量。",
        ),
    ]


def _requests(p: Period, organisations: Collection[int] | None) -> Chart:
    """Disclosure requests decided in the period, by outcome (table 三's rows): one GROUP BY."""
    found = (
        DisclosureRequest.objects.all() if organisations is None else counts.requests_in(list(organisations))
    )
    rows = dict(
        found.filter(closed_on__gte=p.start, closed_on__lte=p.end)
        .values("outcome")
        .annotate(n=Count("pk"))
        .values_list("outcome", "n")
    )
    present = [(label, rows[value]) for value, label in Outcome.choices if rows.get(value)]
    return Chart(
        "requests-outcome",
        "依申请公开办理结果",
        "pie",
        "件",
        [str(label) for label, _ in present],
        [Series("件数", [n for _, n in present])],
        note="统计期内办结的政府信息公开申请，按办理结果（年度报告表三的行）。",
    )


def _timeliness(p: Period, organisations: Collection[int] | None) -> Chart:
    orgs = (
        Organisation.objects.all()
        if organisations is None
        else Organisation.objects.filter(pk__in=list(organisations))
    )
    rows = timeliness_by_organisation(orgs, p.year)
    rates = [_percent(cast(int, r["on_time"]), cast(int, r["published"])) for r in rows]
    return Chart(
        "publication-timeliness",
        "主动公开及时率（按单位）",
        "bar",
        "%",
        [str(r["organisation"]) for r in rows],
        [Series("及时公开率（%）", rates)],
        note="条例第二十六条：自信息形成或者变更之日起20个工作日内公开。及时公开率 = 按期公开的条数 ÷ 本年公开条数。",
        table_series=[
            Series("本年公开（条）", [r["published"] for r in rows]),
            Series("按期公开（条）", [r["on_time"] for r in rows]),
            Series("及时公开率（%）", rates),
        ],
    )


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _satisfaction(p: Period, organisations: Collection[int] | None) -> Chart:
    rows = evaluations.satisfaction_by_organisation(evaluations.Period(p.start, p.end))
    if organisations is not None:
        names = set(Organisation.objects.filter(pk__in=list(organisations)).values_list("name", flat=True))
        rows = [r for r in rows if r.name in names]
    rates = [float(r.satisfaction_rate) if r.satisfaction_rate is not None else None for r in rows]
    return Chart(
        "satisfaction",
        "好差评满意率（按单位）",
        "bar",
        "%",
        [r.name for r in rows],
        [Series("满意率（%）", rates)],
        note=evaluations.SATISFACTION_RATE,
        table_series=[
            Series("评价数", [r.total for r in rows]),
            Series("差评数", [r.bad for r in rows]),
            Series("满意率（%）", rates),
        ],
    )


def charts(year: int, organisations: Collection[int] | None, *, today: date | None = None) -> list[Chart]:
    """Every chart of the statistics pages for `year`, over the organisations one may see (None: all)."""
    p = period(year, today)
    return [
        *_cases(p, organisations),
        _requests(p, organisations),
        _timeliness(p, organisations),
        _satisfaction(p, organisations),
    ]


def sheets(chart_list: Sequence[Chart], p: Period) -> list[tuple[str, list[str], list[list[Any]]]]:
    """One Excel sheet per chart (its table), and the period on the first row of each."""
    return [
        (chart.title[:31], chart.header, [*chart.rows, [], [f"统计期：{p.start} 至 {p.end}"]])
        for chart in chart_list
    ]
