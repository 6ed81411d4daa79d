"""电子监察 and 办件统计 in the office: the red/yellow card board by organisation and window, the statistics
page with its definitions, ECharts charts (data handed over as JSON, drawn by office/charts.js) and an
Excel export. Supervisors and reviewers see only the organisations their roles reach."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property

from yimen.cases.models import Case
from yimen.cases.queries import stats, supervision
from yimen.catalog.models import ServiceItem
from yimen.core import calendar, spreadsheet
from yimen.office.views import requires, signed_in
from yimen.org.models import Organisation, Window
from yimen.org.permissions import organisations_for

CARDS_PER_PAGE = 50
LATE_WINDOWS = [(1, "近1日"), (7, "近7日"), (30, "近30日"), (90, "近90日")]


def _organisations(visible: Collection[int] | None) -> QuerySet[Organisation]:
    found = Organisation.objects.filter(is_active=True).order_by("code")
    return found if visible is None else found.filter(pk__in=list(visible))


class ScopeForm(forms.Form):
    """Narrowing shared by both pages: an organisation among those one may see, and a window."""

    organisation = forms.ModelChoiceField(
        label="单位", queryset=Organisation.objects.none(), required=False, empty_label="全部单位"
    )
    window = forms.ModelChoiceField(
        label="窗口", queryset=Window.objects.none(), required=False, empty_label="全部窗口"
    )

    def __init__(self, *args: Any, visible: Collection[int] | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["organisation"].queryset = _organisations(visible)
        fields["organisation"].error_messages["invalid_choice"] = "单位：不在您可查看的范围内"
        fields["window"].queryset = Window.objects.filter(is_active=True).order_by("number")
        fields["window"].error_messages["invalid_choice"] = "窗口：没有该窗口"

    def narrowed(self) -> dict[str, int | None]:
        data = self.cleaned_data if self.is_valid() else {}
        org, window = data.get("organisation"), data.get("window")
        return {"organisation_id": org.pk if org else None, "window_id": window.pk if window else None}


class BoardForm(ScopeForm):
    days = forms.TypedChoiceField(
        label="超期办结统计范围", choices=LATE_WINDOWS, coerce=int, required=False, initial=7
    )


def _first_of_year() -> date:
    return timezone.localdate().replace(month=1, day=1)


class StatsForm(ScopeForm):
    start = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(label="统计维度", choices=stats.By.choices, required=False)
    item = forms.CharField(label="事项实施编码", max_length=50, required=False)

    def clean_item(self) -> ServiceItem | None:
        code = self.cleaned_data.get("item", "").strip()
        if not code:
            return None
        item = ServiceItem.objects.filter(impl_code=code).first()
        if item is None:
            raise forms.ValidationError(f"事项实施编码：没有编码为 {code} 的事项")
        return item

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = data.get("start") or _first_of_year()
        end = data.get("end") or timezone.localdate()
        if end < start:
            self.add_error("end", "结束日期：不能早于开始日期")
        elif (end - start).days > 3 * 366:
            self.add_error("end", "结束日期：统计期不能超过3年")
        data["start"], data["end"] = start, end
        return data

    def stats_filter(self, visible: Collection[int] | None) -> stats.StatsFilter:
        data = self.cleaned_data if self.is_valid() else {}
        item = data.get("item")
        start = data.get("start") or _first_of_year()
        end = data.get("end") or timezone.localdate()
        if end < start:
            start, end = _first_of_year(), timezone.localdate()
        return stats.StatsFilter(
            start=start,
            end=end,
            by=data.get("by") or stats.By.ORGANISATION,
            organisations=visible,
            item_id=item.pk if item else None,
            **self.narrowed(),
        )


# --- The board --------------------------------------------------------------------------------------


@dataclass
class OrganisationCards:
    name: str
    red: int = 0
    yellow: int = 0
    windows: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class CardRow:
    case: Case
    card: str
    reason: str
    timing: str

    @property
    def card_label(self) -> str:
        return supervision.Card.LABELS[self.card]


def _timing(case: Case, now: datetime) -> str:
    """How the case stands against its deadline, in working days, for the card list."""
    due = case.promised_due
    assert due is not None
    if case.concluded_at is not None:
        concluded = timezone.localtime(case.concluded_at)
        late = calendar.workdays_between(timezone.localtime(due).date(), concluded.date()).workdays
        return f"{concluded:%m-%d %H:%M} 办结，超期" + (f" {late} 个工作日" if late > 0 else "")
    left = supervision.days_left(case, timezone.localdate(now)) or 0
    if due < now:
        return f"已超期 {-left} 个工作日" if left < 0 else "已超期"
    return "今日到期" if left == 0 else f"剩余 {left} 个工作日"


def _grouped(rows: list[dict[str, Any]]) -> list[OrganisationCards]:
    """The GROUP BY rows (organisation × window) nested under their organisation for the summary table."""
    groups: dict[int, OrganisationCards] = {}
    for row in rows:
        group = groups.setdefault(row["organisation_id"], OrganisationCards(name=row["organisation__name"]))
        group.red += row["red"]
        group.yellow += row["yellow"]
        window = (
            f"{row['window__number']} {row['window__name']}" if row["window_id"] else "网上申报（无窗口）"
        )
        group.windows.append({"name": window, "red": row["red"], "yellow": row["yellow"]})
    return list(groups.values())


class CountedPaginator(Paginator):
    """A paginator told the number of cards by the summary counts: one COUNT query fewer on a board
    that must answer in 100 ms."""

    def __init__(self, object_list: supervision.Cards, per_page: int, *, count: int):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


@requires("supervision.view")
def board(request: HttpRequest) -> HttpResponse:
    """电子监察看板: counts by organisation and window, then the cards, red first, by deadline."""
    visible = organisations_for(signed_in(request), "supervision.view")
    form = BoardForm(request.GET or None, visible=visible)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or 7
    now = timezone.now()
    scope = supervision.Scope(
        now=now, organisations=visible, late_since=now - timedelta(days=days), **form.narrowed()
    )
    groups = _grouped(supervision.counts(scope))
    red, yellow = sum(g.red for g in groups), sum(g.yellow for g in groups)
    paginator = CountedPaginator(supervision.cards(scope), CARDS_PER_PAGE, count=red + yellow)
    page = paginator.get_page(request.GET.get("page"))
    cards = [
        CardRow(
            case=carded.case,
            card=carded.card,
            reason=supervision.Reason.LABELS[carded.reason],
            timing=_timing(carded.case, now),
        )
        for carded in page
    ]
    yellow_days, yellow_percent = supervision.defaults()
    return render(
        request,
        "office/supervision/board.html",
        {
            "active": "board",
            "form": form,
            "groups": groups,
            "red": red,
            "yellow": yellow,
            "page": page,
            "cards": cards,
            "days": days,
            "yellow_days": yellow_days,
            "yellow_percent": yellow_percent,
            "now": now,
        },
    )


# --- Statistics -------------------------------------------------------------------------------------

COLUMNS: list[tuple[str, str]] = [
    ("accepted", "受理量"),
    ("concluded", "办结量"),
    ("immediate", "即办件数"),
    ("immediate_rate", "即办件率（%）"),
    ("on_time", "按时办结数"),
    ("on_time_rate", "按时办结率（%）"),
    ("early", "提前办结数"),
    ("early_rate", "提前办结率（%）"),
    ("overdue", "超期件数"),
    ("overdue_concluded", "其中超期办结"),
    ("overdue_open", "其中超期未办结"),
    ("average_workdays", "平均办结用时（工作日）"),
]


def _cell(value: Any, name: str) -> str:
    if value is None:
        return "—"
    return f"{value}%" if name.endswith("_rate") else str(value)


def _table(rows: list[stats.Row], total: stats.Row) -> list[tuple[str, list[str]]]:
    """Each row's label and its cells in COLUMNS order, formatted as the page shows them."""
    return [
        (row.label, [_cell(values[name], name) for name, _ in COLUMNS])
        for row in [*rows, total]
        for values in [row.as_dict()]
    ]


def _chart_data(rows: list[stats.Row], by: str) -> dict[str, Any]:
    return {
        "labels": [r.label for r in rows],
        "rates_kind": "line" if by == stats.By.MONTH else "bar",
        "series": {
            "volume": [
                {"name": "受理量", "data": [r.accepted for r in rows]},
                {"name": "办结量", "data": [r.concluded for r in rows]},
            ],
            "rates": [
                {"name": "即办件率（%）", "data": [r.immediate_rate for r in rows]},
                {"name": "按时办结率（%）", "data": [r.on_time_rate for r in rows]},
                {"name": "提前办结率（%）", "data": [r.early_rate for r in rows]},
            ],
        },
    }


def _statistics(request: HttpRequest) -> tuple[StatsForm, stats.StatsFilter, list[stats.Row], stats.Row]:
    visible = organisations_for(signed_in(request), "stats.view")
    form = StatsForm(request.GET or None, visible=visible)
    f = form.stats_filter(visible)
    rows, total = stats.case_stats(f)
    return form, f, rows, total


@requires("stats.view")
def statistics(request: HttpRequest) -> HttpResponse:
    form, f, rows, total = _statistics(request)
    return render(
        request,
        "office/supervision/stats.html",
        {
            "active": "stats",
            "form": form,
            "filter": f,
            "by_label": stats.By(f.by).label,
            "table": _table(rows, total),
            "columns": COLUMNS,
            "definitions": stats.DEFINITIONS,
            "chart_data": _chart_data(rows, f.by),
            "query": request.GET.urlencode(),
        },
        status=422 if form.errors else 200,
    )


def workbook(f: stats.StatsFilter, rows: list[stats.Row], total: stats.Row) -> bytes:
    """办件统计.xlsx: the table as on the page; the period and the definitions on a second sheet."""
    by = stats.By(f.by).label
    header = [by.removeprefix("按"), *(label for _, label in COLUMNS)]
    table = ([row.label, *(row.as_dict()[name] for name, _ in COLUMNS)] for row in [*rows, total])
    period = ("统计期", f"{f.start.isoformat()} 至 {f.end.isoformat()}（{by}）")
    notes = [period, *stats.DEFINITIONS]
    return spreadsheet.workbook_bytes([("办件统计", header, table), ("指标说明", ["指标", "口径"], notes)])


@requires("stats.view")
def statistics_export(request: HttpRequest) -> HttpResponse:
    _, f, rows, total = _statistics(request)
    name = f"办件统计_{f.start:%Y%m%d}-{f.end:%Y%m%d}.xlsx"
    return spreadsheet.download(workbook(f, rows, total), name, "case-stats.xlsx")
