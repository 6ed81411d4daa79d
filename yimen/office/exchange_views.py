"""数据交换 in the office: the targets with today's figures and their state; a target's rejected rows (each
re-queued under its own row_guid with 「重新推送」) and dead letters (「全部重新推送」); the 及时率/准确率
dashboard with its ECharts lines and the annual report's sentence; the daily reconciliation with its gaps.

The centre's 监察 and the administrator see every row, a department's 审批 role the rows of its own
records (`exchange.queries.deliveries_visible_to`, the one selector); only the administrator creates,
changes, enables and disables targets. Every change goes through `exchange.services`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from yimen.catalog.models import ServiceItem
from yimen.core.errors import ApplicationError
from yimen.exchange import queries, services, stats
from yimen.exchange.models import Delivery, Kind, Reconciliation, Record, Target
from yimen.exchange.queries import MANAGE, REQUEUE, VIEW
from yimen.office.exchange_forms import DashboardForm, TargetForm
from yimen.office.sections import Section
from yimen.office.views import requires, signed_in
from yimen.org.models import Staff
from yimen.org.permissions import can

PAGE_SIZE = 50
DEAD_SHOWN = 50
UNREAD = ("revision__payload",)  # the lists show a row's version, never its (sealed) content

SECTION = Section(
    "office/exchange",
    home=("返回交换目标", "office_exchange:targets"),
    detail=("返回该交换目标", "office_exchange:target"),
    pages=(
        ("数据交换", "office_exchange:targets", (VIEW,)),
        ("及时率与准确率", "office_exchange:dashboard", (VIEW,)),
        ("对账", "office_exchange:reconciliations", (VIEW,)),
    ),
)
_render, _refused = SECTION.render, SECTION.refused


# --- links to the records behind the rows -----------------------------------------------------------


def group_of(source: str) -> str:
    """The source object of a row's source: case:12:accept → case:12; an item's or a certificate's row
    is its object."""
    kind, _, rest = source.partition(":")
    return f"case:{rest.split(':', 1)[0]}" if kind == "case" else source


def record_links(groups: Iterable[str]) -> dict[str, str]:
    """The office page of each source object: a case's page, an item's current version, a certificate's
    page (one query for the items; the others are named by their id)."""
    groups = set(groups)
    codes = {group.partition(":")[2] for group in groups if group.startswith("item:")}
    versions = dict(
        ServiceItem.objects.filter(impl_code__in=codes, current__isnull=False).values_list(
            "impl_code", "current_id"
        )
    )
    links: dict[str, str] = {}
    for group in groups:
        kind, _, key = group.partition(":")
        if kind == "case" and key.isdigit():
            links[group] = reverse("office_cases:detail", args=[int(key)])
        elif kind == "certificate" and key.isdigit():
            links[group] = reverse("office_certificates:detail", args=[int(key)])
        elif kind == "item" and key in versions:
            links[group] = reverse("office_catalog:version", args=[versions[key]])
    return links


# --- the targets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetRow:
    target: Target
    today: stats.Figures
    backlog: dict[str, int]


@requires(VIEW)
def target_list(request: HttpRequest) -> HttpResponse:
    """The targets, their state and today's figures over the rows one may see."""
    staff = signed_in(request)
    visible = queries.deliveries_visible_to(staff)
    today = timezone.localdate()
    figures = stats.by_target(visible, today, today)
    waiting = queries.backlog(visible)
    rows = [
        TargetRow(target, figures.get(target.pk, stats.Figures()), waiting.get(target.pk, {}))
        for target in queries.targets_visible_to(staff)
    ]
    return _render(request, "targets.html", {"rows": rows, "today": today, "may_manage": can(staff, MANAGE)})


def _save(request: HttpRequest, target: Target | None) -> HttpResponse:
    staff = signed_in(request)
    data = request.POST if request.method == "POST" else None
    form = TargetForm(data, target=target)
    if data is not None and form.is_valid():
        try:
            saved = services.save_target(by=staff, target=target, **form.values())
        except ApplicationError as exc:
            if exc.status != 422:
                return _refused(request, exc, target)
            form.show(exc)
        else:
            messages.success(request, f"已保存交换目标“{saved.name}”。")
            return redirect("office_exchange:target", pk=saved.pk)
    status = 422 if data is not None else 200
    return _render(request, "target_form.html", {"form": form, "found": target}, status=status)


@require_http_methods(["GET", "POST"])
@requires(MANAGE)
def target_new(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@require_http_methods(["GET", "POST"])
@requires(MANAGE)
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save(request, queries.target_for(signed_in(request), pk))


# --- one target: its rejected rows and dead letters -------------------------------------------------


@dataclass
class Shown:
    """A delivery as the lists show it: its record's link, and whether this person may re-queue it."""

    delivery: Delivery
    link: str = ""
    may_requeue: bool = False


@dataclass
class TargetPage:
    target: Target
    chosen: dict[str, str]
    failure: ApplicationError | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _shown(staff: Staff, deliveries: list[Delivery]) -> list[Shown]:
    links = record_links(d.record.group for d in deliveries)
    return [Shown(d, links.get(d.record.group, ""), can(staff, REQUEUE, d.record)) for d in deliveries]


def _target_page(request: HttpRequest, page: TargetPage, status: int = 200) -> HttpResponse:
    staff = signed_in(request)
    target = page.target
    visible = queries.deliveries_visible_to(staff).filter(target=target)
    rejected = queries.open_rejections(visible)
    present = set(rejected.values_list("kind", "err_type").distinct().order_by())
    kinds = {kind for kind, _ in present}
    err_types = sorted({err_type for _, err_type in present} - {""})
    chosen = page.chosen
    if chosen["kind"] in Kind.values:
        rejected = rejected.filter(kind=chosen["kind"])
    if chosen["err_type"]:
        rejected = rejected.filter(err_type=chosen["err_type"])
    listed = Paginator(
        rejected.select_related("record", "revision").defer(*UNREAD).order_by("-rejected_at", "-pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    dead = queries.open_dead(visible).select_related("record", "revision").defer(*UNREAD).order_by("-pk")
    dead_rows = list(dead[:DEAD_SHOWN])
    today = timezone.localdate()
    context = {
        "target": target,
        "taken": [Kind(kind).label for kind in target.kinds if kind in Kind.values],
        "today": stats.by_target(visible, today, today).get(target.pk, stats.Figures()),
        "page": listed,
        "rejected": _shown(staff, list(listed)),
        "dead": _shown(staff, dead_rows),
        "dead_count": dead.count() if len(dead_rows) == DEAD_SHOWN else len(dead_rows),
        "kinds": [(value, label) for value, label in Kind.choices if value in kinds],
        "err_types": err_types,
        "chosen": chosen,
        "may_manage": can(staff, MANAGE),
        "failure": page.failure,
        **page.extra,
    }
    return _render(request, "target.html", context, status=status)


def _chosen(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip()[:100] for key in ("kind", "err_type")}


@requires(VIEW)
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = queries.target_for(signed_in(request), pk)
    return _target_page(request, TargetPage(target, _chosen(request)))


def _acted(request: HttpRequest, target: Target, act: Callable[[], str]) -> HttpResponse:
    """A step on the target's page: done, its message shown on the page; refused, the refusal's page
    (a form's own mistakes, 422, are shown on the target page instead)."""
    try:
        done = act()
    except ApplicationError as exc:
        if exc.status != 422:
            return _refused(request, exc, target)
        extra = {"reason": request.POST.get("reason", "")}
        return _target_page(request, TargetPage(target, _chosen(request), exc, extra), status=422)
    messages.success(request, done)
    return redirect("office_exchange:target", pk=target.pk)


@require_POST
@requires(MANAGE)
def target_enable(request: HttpRequest, pk: int) -> HttpResponse:
    staff = signed_in(request)
    target = queries.target_for(staff, pk)

    def enable() -> str:
        services.enable_target(target=target, by=staff)
        return f"已启用交换目标“{target.name}”，待推送的数据将继续推送。"

    return _acted(request, target, enable)


@require_POST
@requires(MANAGE)
def target_disable(request: HttpRequest, pk: int) -> HttpResponse:
    staff = signed_in(request)
    target = queries.target_for(staff, pk)

    def disable() -> str:
        services.disable_target(target=target, by=staff, reason=request.POST.get("reason", ""))
        return f"已停用交换目标“{target.name}”。"

    return _acted(request, target, disable)


@require_POST
@requires(VIEW)
def delivery_requeue(request: HttpRequest, pk: int) -> HttpResponse:
    """重新推送 one rejected or dead row: a new version under the same row_guid, to that target only."""
    staff = signed_in(request)
    delivery = queries.delivery_for(staff, pk)

    def requeue() -> str:
        made = services.requeue(delivery=delivery, by=staff)
        return f"已重新推送记录 {delivery.record.row_guid}（第 {made.revision.version} 版），等待推送。"

    return _acted(request, delivery.target, requeue)


@require_POST
@requires(MANAGE)
def target_requeue_dead(request: HttpRequest, pk: int) -> HttpResponse:
    staff = signed_in(request)
    target = queries.target_for(staff, pk)

    def requeue_all() -> str:
        return f"已将 {services.requeue_dead(target=target, by=staff)} 条推送失败的记录重新推送。"

    return _acted(request, target, requeue_all)


# --- the dashboard ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRow:
    target: str
    kind: str  # "" on a target's total row
    figures: stats.Figures
    total: bool = False


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _rate(value: Any) -> float | None:
    return float(value) if value is not None else None


def _chart_data(lines: list[stats.Line], names: dict[int, str], start: date, end: date) -> dict[str, Any]:
    """Per day: the rows due, on time and rejected (all targets), and each target's two rates."""
    days = _days(start, end)
    per_day = stats.summed(lines, lambda line: line.day)
    per_target_day = stats.summed(lines, lambda line: (line.target_id, line.day))
    empty = stats.Figures()
    rates = []
    for target_id in sorted({line.target_id for line in lines}, key=lambda pk: names.get(pk, "")):
        shown = [per_target_day.get((target_id, day), empty) for day in days]
        name = names.get(target_id, str(target_id))
        rates.append({"name": f"{name} 及时率", "data": [_rate(f.timely_rate) for f in shown]})
        rates.append({"name": f"{name} 准确率", "data": [_rate(f.accuracy_rate) for f in shown]})
    return {
        "labels": [day.strftime("%m-%d") for day in days],
        "rates_kind": "line",
        "rates_min": "dataMin",
        "series": {
            "volume": [
                {"name": "应推送", "data": [per_day.get(day, empty).due for day in days]},
                {"name": "按时推送", "data": [per_day.get(day, empty).on_time for day in days]},
                {"name": "被退回", "data": [per_day.get(day, empty).rejected for day in days]},
            ],
            "rates": rates,
        },
    }


def _table(lines: list[stats.Line], names: dict[int, str]) -> list[TableRow]:
    """Per target, a row per kind then the target's total; the grand total last when several targets."""
    by_kind = stats.summed(lines, lambda line: (line.target_id, line.kind))
    by_target = stats.summed(lines, lambda line: line.target_id)
    rows: list[TableRow] = []
    for target_id in sorted(by_target, key=lambda pk: names.get(pk, "")):
        name = names.get(target_id, str(target_id))
        for value, label in Kind.choices:
            if (target_id, value) in by_kind:
                rows.append(TableRow(name, str(label), by_kind[(target_id, value)]))
        rows.append(TableRow(name, "", by_target[target_id], total=True))
    if len(by_target) > 1:
        rows.append(TableRow("全部目标", "", stats.total(by_target.values()), total=True))
    return rows


@requires(VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    """及时率与准确率: per target and kind over a period, a line per day, and the report's sentence."""
    staff = signed_in(request)
    targets = queries.targets_visible_to(staff)
    form = DashboardForm(request.GET or None, targets=targets)
    start, end, target, kind = form.question()
    visible = queries.deliveries_visible_to(staff)
    asked = visible.filter(target=target) if target else visible
    if kind:
        asked = asked.filter(kind=kind)
    lines = stats.by_day(asked, start, end)
    names = {t.pk: t.name for t in targets}
    context = {
        "form": form,
        "start": start,
        "end": end,
        "table": _table(lines, names),
        "chart_data": _chart_data(lines, names, start, end),
        "narrative": stats.narrative(end.year, visible),
        "narrative_year": end.year,
        "definitions": stats.DEFINITIONS,
    }
    return _render(request, "dashboard.html", context, status=422 if form.errors else 200)


# --- the reconciliation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    kind: str
    source: str
    status: str
    link: str


def _gaps(reconciliations: list[Reconciliation], staff: Staff) -> dict[int, list[Gap]]:
    """Each reconciliation's gaps with their links; for a department, only its own records' (one query
    over the page's sources)."""
    sources = {gap["source"] for r in reconciliations for gap in r.gaps}
    reach = queries.reach_of(staff)
    if reach is not None:
        sources = set(
            Record.objects.filter(source__in=sources, organisation_id__in=reach).values_list(
                "source", flat=True
            )
        )
    links = record_links(group_of(source) for source in sources)
    return {
        r.pk: [
            Gap(gap["kind"], gap["source"], gap["status"], links.get(group_of(gap["source"]), ""))
            for gap in r.gaps
            if gap["source"] in sources
        ]
        for r in reconciliations
    }


@requires(VIEW)
def reconciliation_list(request: HttpRequest) -> HttpResponse:
    """对账: per target and day, what should have reached it, what it accepted, and the gaps."""
    staff = signed_in(request)
    targets = queries.targets_visible_to(staff)
    chosen = request.GET.get("target", "").strip()
    found = (
        Reconciliation.objects.filter(target__in=targets)
        .select_related("target")
        .order_by("-day", "target__code")
    )
    if chosen.isdigit():
        found = found.filter(target_id=int(chosen))
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    shown = list(page)
    gaps = _gaps(shown, staff)
    context = {
        "page": page,
        "rows": [(r, gaps[r.pk]) for r in shown],
        "targets": targets,
        "chosen": chosen,
    }
    return _render(request, "reconciliations.html", context)
