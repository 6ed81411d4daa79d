"""政务数据开放 in the office: the administrator (org.manage) of a data provider keeps its data sets — creates
and edits their catalogue entries, publishes and withdraws them, generates their files again — and
decides the applications to its 有条件开放 data sets: an approval shows the issued API key once, a
refusal keeps its reason.

Every change goes through `opendata.services`; a refused step shows its reason with its status: field
messages (422), a wrong state (409) or a missing role (403). Another organisation's data set or
application is a 404, as an unknown one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yimen.core.errors import ApplicationError
from yimen.office.opendata_forms import ApprovalForm, DatasetForm, RefusalForm, initial_of
from yimen.office.sections import Section
from yimen.office.views import requires, signed_in
from yimen.opendata import queries, services
from yimen.opendata.models import ApplicationState, Dataset, Distribution
from yimen.opendata.sources import SOURCES
from yimen.org.models import Staff

MANAGE = queries.MANAGE
STATE_FILTERS = [("", "待审核"), *ApplicationState.choices]

SECTION = Section(
    "office/opendata",
    home=("返回开放数据集", "office_opendata:list"),
    detail=("返回数据集", "office_opendata:detail"),
    pages=(
        ("开放数据集", "office_opendata:list", (MANAGE,)),
        ("新建数据集", "office_opendata:new", (MANAGE,)),
        ("数据开放申请", "office_opendata:applications", (MANAGE,)),
    ),
)
APPLICATIONS = Section(
    "office/opendata",
    home=("返回数据开放申请", "office_opendata:applications"),
    detail=("返回申请", "office_opendata:application"),
    pages=SECTION.pages,
)
_render = SECTION.render


@requires(MANAGE)
def dataset_list(request: HttpRequest) -> HttpResponse:
    staff = signed_in(request)
    found = queries.datasets_visible_to(staff).order_by("-is_published", "identifier")
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return _render(request, "list.html", {"page": page, "pending": queries.pending(staff).count()})


def _save(request: HttpRequest, found: Dataset | None) -> HttpResponse:
    staff = signed_in(request)
    data = request.POST if request.method == "POST" else None
    initial = initial_of(found) if found else {"identifier": queries.next_identifier(timezone.localdate())}
    form = DatasetForm(data, publishers=queries.publishers_for(staff), initial=initial)
    if data is not None and form.is_valid():
        try:
            saved = services.save_dataset(dataset=found, fields=form.values(), by=staff)
        except ApplicationError as exc:
            if exc.status != 422:
                return SECTION.refused(request, exc, found)
            form.show(exc)
        else:
            messages.success(request, f"已保存数据集“{saved.title}”。")
            return redirect("office_opendata:detail", pk=saved.pk)
    status = 422 if data is not None else 200
    context = {"form": form, "found": found, "sources": SOURCES.values()}
    return _render(request, "form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@requires(MANAGE)
def new(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@never_cache
@require_http_methods(["GET", "POST"])
@requires(MANAGE)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save(request, queries.dataset_for(signed_in(request), pk))


@requires(MANAGE)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = queries.dataset_for(signed_in(request), pk)
    context = {
        "d": found,
        "files": queries.files_of(found),
        "source": SOURCES[found.source],
        "applications": found.applications.select_related("publisher").order_by("-created_at")[:20],
    }
    return _render(request, "detail.html", context)


def _publish(found: Dataset, by: Staff) -> str:
    services.publish(dataset=found, by=by)
    return "已发布，数据文件已按当前数据生成。"


def _unpublish(found: Dataset, by: Staff) -> str:
    services.unpublish(dataset=found, by=by)
    return "已撤下，门户不再列出和提供下载。"


def _regenerate(found: Dataset, by: Staff) -> str:
    services.regenerate(dataset=found, by=by)
    records = Distribution.objects.filter(dataset=found).values_list("record_count", flat=True).first()
    return f"已按当前数据重新生成数据文件，共 {records} 条记录。"


ACTIONS: dict[str, Callable[[Dataset, Staff], str]] = {
    "publish": _publish,
    "unpublish": _unpublish,
    "regenerate": _regenerate,
}


@require_POST
@requires(MANAGE)
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    step = ACTIONS.get(action)
    if step is None:
        raise Http404("没有这个操作")
    found = queries.dataset_for(signed_in(request), pk)
    try:
        done = step(found, signed_in(request))
    except ApplicationError as exc:
        return SECTION.refused(request, exc, found)
    messages.success(request, done)
    return redirect("office_opendata:detail", pk=found.pk)


# --- applications ---------------------------------------------------------------------------------------


@requires(MANAGE)
def applications(request: HttpRequest) -> HttpResponse:
    staff = signed_in(request)
    state = request.GET.get("state", "")
    state = state if state in ApplicationState.values else ""
    found = queries.applications_visible_to(staff)
    found = found.filter(state=state) if state else queries.pending(staff)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    context = {"page": page, "states": STATE_FILTERS, "state": state}
    return APPLICATIONS.render(request, "applications.html", context)


def _application_page(
    request: HttpRequest,
    pk: int,
    *,
    approval: ApprovalForm | None = None,
    refusal: RefusalForm | None = None,
    status: int = 200,
) -> HttpResponse:
    found = queries.application_for(signed_in(request), pk)
    requested = found.datasets.order_by("identifier")
    context = {
        "a": found,
        "requested": requested,
        "approved": found.approved.order_by("identifier"),
        "actions": services.APPLICATION.actions(found.state),
        "approval": approval or ApprovalForm(requested=requested, expires_on=services.default_expiry()),
        "refusal": refusal or RefusalForm(),
    }
    return APPLICATIONS.render(request, "application.html", context, status=status)


@requires(MANAGE)
def application(request: HttpRequest, pk: int) -> HttpResponse:
    return _application_page(request, pk)


@never_cache
@require_POST
@requires(MANAGE)
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    """批准: the key is on the answer's page once (never cached, never stored in clear)."""
    staff = signed_in(request)
    found = queries.application_for(staff, pk)
    form = ApprovalForm(
        request.POST, requested=found.datasets.order_by("identifier"), expires_on=services.default_expiry()
    )
    if form.is_valid():
        try:
            approved, plain = services.approve(
                application=found,
                by=staff,
                datasets=list(form.cleaned_data["datasets"]),
                expires_on=form.cleaned_data["expires_on"],
            )
        except ApplicationError as exc:
            if exc.status != 422:
                return APPLICATIONS.refused(request, exc, found)
            form.show(exc)
        else:
            context = {"a": approved, "plain": plain, "approved": approved.approved.order_by("identifier")}
            return APPLICATIONS.render(request, "approved.html", context)
    return _application_page(request, pk, approval=form, status=422)


@require_POST
@requires(MANAGE)
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    staff = signed_in(request)
    found = queries.application_for(staff, pk)
    form = RefusalForm(request.POST)
    if form.is_valid():
        try:
            services.refuse(application=found, by=staff, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            if exc.status != 422:
                return APPLICATIONS.refused(request, exc, found)
            form.show(exc)
        else:
            messages.success(request, "已答复不予批准，理由将告知申请人。")
            return redirect("office_opendata:application", pk=found.pk)
    return _application_page(request, pk, refusal=form, status=422)
