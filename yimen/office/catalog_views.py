"""The office's catalogue pages: items and their drafts, the two review queues, and versions compared.

Every change goes through `catalog.services`; these views parse forms, call a service, and show
its refusal where it belongs: field messages (422), a wrong state (409) or a missing role (403).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, CharField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from yimen.catalog import queries, services
from yimen.catalog.limits import format_limit
from yimen.catalog.models import ItemVersion, ServiceItem, VersionState
from yimen.core.errors import ApplicationError, TransitionError
from yimen.office.catalog_forms import GuideForm, GuideTables, NewItemForm, initial_of, show_service_errors
from yimen.office.sections import Section
from yimen.office.views import requires, signed_in
from yimen.org.models import Organisation, Staff, Window
from yimen.org.permissions import can, organisations_for

STATE_FILTERS = [*VersionState.choices, ("retired", "已废止")]
OPEN_STATES = [VersionState.DRAFT, VersionState.LEGAL_REVIEW, VersionState.REFORM_REVIEW]


SECTION = Section(
    "office/catalog",
    home=("返回工作台", "office:home"),
    detail=("返回该事项版本", "office_catalog:version"),
    pages=(
        ("事项管理", "office_catalog:items", ("item.edit",)),
        ("法制审核", "office_catalog:queue_legal", ("item.legal_review",)),
        ("审改审核", "office_catalog:queue_reform", ("item.reform_review",)),
        ("一件事", "office_catalog:combined_list", ("item.edit", "item.reform_review")),
    ),
)
_render, _refused = SECTION.render, SECTION.refused


def _in(items: QuerySet[Any], field: str, organisations: set[int] | None) -> QuerySet[Any]:
    return items if organisations is None else items.filter(**{f"{field}__in": organisations})


def _version(request: HttpRequest, pk: int, *actions: str) -> ItemVersion:
    """The version, if the signed-in person holds one of `actions` over its organisation; else 404."""
    visible = queries.versions_visible_to(signed_in(request), *actions)
    version = (
        visible.select_related("item__organisation", "item__current", "created_by").filter(pk=pk).first()
    )
    if version is None:
        raise Http404("没有这个事项版本")
    return version


# --- the list ------------------------------------------------------------------------------------


def _editable_items(organisations: set[int] | None, state: str, q: str) -> QuerySet[ServiceItem]:
    """Items with their latest version's number, state and name, one query for the page."""
    latest = ItemVersion.objects.filter(item=OuterRef("pk")).order_by("-number")
    items = _in(
        ServiceItem.objects.select_related("organisation", "current"), "organisation_id", organisations
    )
    items = items.annotate(
        latest_id=Subquery(latest.values("pk")[:1]),
        latest_number=Subquery(latest.values("number")[:1]),
        latest_state=Subquery(latest.values("state")[:1]),
        latest_name=Subquery(latest.values("name")[:1]),
    )
    items = items.annotate(
        latest_label=Case(
            When(retired_at__isnull=False, then=Value("已废止")),
            *[When(latest_state=value, then=Value(str(label))) for value, label in VersionState.choices],
            default=Value(""),
            output_field=CharField(),
        )
    )
    if state == "retired":
        items = items.filter(retired_at__isnull=False)
    elif state:
        items = items.filter(latest_state=state, retired_at__isnull=True)
    if q:
        items = items.filter(
            Q(latest_name__icontains=q) | Q(impl_code__icontains=q) | Q(basic_code__icontains=q)
        )
    return items.order_by("organisation__code", "impl_code")


@requires("item.edit")
def item_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in dict(STATE_FILTERS) else ""
    q = request.GET.get("q", "").strip()[:50]
    items = _editable_items(organisations_for(signed_in(request), "item.edit"), state, q)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return _render(request, "items.html", {"page": page, "states": STATE_FILTERS, "state": state, "q": q})


# --- the editor ----------------------------------------------------------------------------------


def _editor(
    request: HttpRequest,
    form: GuideForm,
    tables: GuideTables,
    version: ItemVersion | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "tables": tables, "version": version, "failed": status == 422}
    return _render(request, "editor.html", context, status=status)


def _data(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


@requires("item.edit")
def item_new(request: HttpRequest) -> HttpResponse:
    staff = signed_in(request)
    organisations = _in(
        Organisation.objects.filter(is_active=True), "pk", organisations_for(staff, "item.edit")
    )
    windows = Window.objects.filter(organisations__in=organisations, is_active=True).distinct()
    form = NewItemForm(_data(request), organisations=organisations, windows=windows)
    tables = GuideTables(_data(request))
    if request.method != "POST":
        return _editor(request, form, tables)
    if form.is_valid() and tables.is_valid():
        data = form.cleaned_data
        try:
            version = services.create_item(
                organisation=data["organisation"],
                basic_code=data["basic_code"],
                impl_code=data["impl_code"],
                handle_code=data["handle_code"],
                guide=form.guide(tables),
                by=staff,
            )
        except ApplicationError as exc:
            if exc.status != 422:
                return _refused(request, exc)
            show_service_errors(exc, form, tables)
        else:
            messages.success(
                request, f"已新建事项“{version.name}”（实施编码 {version.item.impl_code}），当前为草稿。"
            )
            return redirect("office_catalog:version", pk=version.pk)
    return _editor(request, form, tables, status=422)


@requires("item.edit")
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = signed_in(request)
    version = _version(request, pk, "item.edit")
    if not version.is_editable:
        return _refused(
            request, TransitionError(f"该版本处于“{version.get_state_display()}”状态，不能修改"), version
        )
    windows = version.item.organisation.windows.all()
    form = GuideForm(_data(request), initial=initial_of(version), windows=windows)
    tables = GuideTables(_data(request), version)
    if request.method != "POST":
        return _editor(request, form, tables, version)
    if form.is_valid() and tables.is_valid():
        try:
            services.update_draft(version=version, guide=form.guide(tables), by=staff)
        except ApplicationError as exc:
            if exc.status != 422:
                return _refused(request, exc, version)
            show_service_errors(exc, form, tables)
        else:
            messages.success(request, f"第 {version.number} 版草稿已保存。")
            return redirect("office_catalog:version", pk=version.pk)
    return _editor(request, form, tables, version, status=422)


# --- one version and its workflow --------------------------------------------------------------


def _actions(staff: Staff, version: ItemVersion) -> dict[str, bool]:
    """Which buttons to show; the services decide again when one is pressed."""
    item = version.item
    editor = can(staff, "item.edit", version)
    reviewer = version.created_by_id != staff.pk
    live = item.retired_at is None
    return {
        "edit": editor and version.is_editable,
        "submit": editor and version.state == VersionState.DRAFT,
        "legal": reviewer
        and version.state == VersionState.LEGAL_REVIEW
        and can(staff, "item.legal_review", version),
        "reform": reviewer
        and version.state == VersionState.REFORM_REVIEW
        and can(staff, "item.reform_review", version),
        "revise": editor
        and live
        and version.pk == item.current_id
        and not item.versions.filter(state__in=OPEN_STATES).exists(),
        "retire": editor and live,
    }


def _readable(version: ItemVersion) -> dict[str, Any]:
    """The time limits as a guide states them (即办, 半天, 20 个工作日)."""
    procedures = [
        (
            p.get("name", ""),
            format_limit(Decimal(str(p["limit"])), p.get("unit", ""))
            if p.get("limit") not in (None, "")
            else "",
            p.get("basis", ""),
        )
        for p in version.special_procedures or []
    ]
    return {
        "legal": format_limit(version.legal_limit, version.legal_unit),
        "promised": format_limit(version.promised_limit, version.promised_unit),
        "procedures": procedures,
    }


def _detail(
    request: HttpRequest, version: ItemVersion, *, failure: ApplicationError | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "version": queries.guide(version),
        "readable": _readable(version),
        "item": version.item,
        "versions": version.item.versions.order_by("-number"),
        "actions": _actions(signed_in(request), version),
        "failure": failure,
    }
    return _render(request, "version.html", context, status=status)


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _version(request, pk))


def _perform(action: str, version: ItemVersion, by: Staff, form: QueryDict) -> tuple[ItemVersion, str]:
    """Run one workflow step; returns the version to show next and what to tell the user."""
    if action == "submit":
        return services.submit(version=version, by=by), "已提交法制审核。"
    if action == "legal_approve":
        return services.legal_approve(version=version, by=by), "法制审核已通过，已转审改审核。"
    if action == "reform_approve":
        published = services.reform_approve(version=version, by=by)
        return published, f"审改审核已通过，第 {published.number} 版已发布为现行版本。"
    if action == "reject":
        services.reject(version=version, by=by, comment=form.get("comment", ""))
        return version, "已退回修改，编辑人可在草稿中看到审核意见。"
    if action == "revise":
        draft = services.start_revision(item=version.item, by=by, change_note=form.get("change_note", ""))
        return draft, f"已新建第 {draft.number} 版草稿，请修改后提交审核。"
    if action == "retire":
        services.retire_item(item=version.item, by=by, reason=form.get("reason", ""))
        return version, "事项已废止，门户网站不再显示。"
    raise Http404("没有这项操作")


@require_POST
@login_required
def version_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    version = _version(request, pk)
    try:
        shown, message = _perform(action, version, signed_in(request), request.POST)
    except ApplicationError as exc:
        if exc.status != 422:
            return _refused(request, exc, version)
        return _detail(request, version, failure=exc, status=422)
    messages.success(request, message)
    target = "office_catalog:version_edit" if action == "revise" else "office_catalog:version"
    return redirect(target, pk=shown.pk)


def _baseline(version: ItemVersion, against: str | None) -> ItemVersion | None:
    """The version to compare with: the one asked for, else the last published before this one."""
    others = version.item.versions.exclude(pk=version.pk)
    if against:
        if not against.isdigit():
            raise Http404("没有这个事项版本")
        return get_object_or_404(others, pk=int(against))
    published = others.filter(
        number__lt=version.number, state__in=[VersionState.PUBLISHED, VersionState.SUPERSEDED]
    )
    return published.order_by("-number").first()


@login_required
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    old = _baseline(version, request.GET.get("against"))
    context = {
        "version": version,
        "old": old,
        "changes": queries.diff(old, version) if old else [],
        "figures": queries.reform_figures(old, version) if old else None,
        "versions": version.item.versions.exclude(pk=version.pk).order_by("-number"),
    }
    return _render(request, "diff.html", context)


# --- the review queues ---------------------------------------------------------------------------


def _queue(request: HttpRequest, state: str, action: str, title: str) -> HttpResponse:
    waiting = queries.versions_visible_to(signed_in(request), action).filter(state=state)
    waiting = waiting.select_related("item__organisation", "created_by")
    page = Paginator(waiting.order_by("submitted_at", "pk"), 50).get_page(request.GET.get("page"))
    return _render(request, "queue.html", {"page": page, "title": title, "state": state})


@requires("item.legal_review")
def queue_legal(request: HttpRequest) -> HttpResponse:
    return _queue(request, VersionState.LEGAL_REVIEW, "item.legal_review", "法制审核")


@requires("item.reform_review")
def queue_reform(request: HttpRequest) -> HttpResponse:
    return _queue(request, VersionState.REFORM_REVIEW, "item.reform_review", "审改审核")
