"""个人信息权利申请 in the office (个人信息保护法 第五十条): the queue of the organisations whose data one
handles (open requests by due date, overdue ones flagged), one request with the requester's own records
and the answers its state and kind allow, and the window's form for a request brought to the counter.

Every change goes through `privacy.services`; a refused step shows its reason with its status: field
messages (422), a wrong state (409) or a missing role (403).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yimen.cases.services.privacy import CORRECTABLE, erasable
from yimen.core.downloads import file_response
from yimen.core.errors import ApplicationError
from yimen.office.sections import Section
from yimen.office.views import requires, signed_in
from yimen.org.models import Staff
from yimen.org.permissions import can, organisations_for_any
from yimen.privacy import queries, services
from yimen.privacy.forms import RightsRequestForm
from yimen.privacy.models import Channel, RequestState, RightKind, RightsRequest

HANDLE, INTAKE = services.HANDLE, services.INTAKE
STATE_FILTERS = [("", "未办结"), *RequestState.choices]

SECTION = Section(
    "office/privacy",
    home=("返回个人信息权利申请", "office_privacy:list"),
    detail=("返回申请", "office_privacy:detail"),
    pages=(
        ("个人信息权利申请", "office_privacy:list", (HANDLE,)),
        ("窗口登记", "office_privacy:new", (INTAKE, HANDLE)),
    ),
)
_render = SECTION.render


@requires(HANDLE)
def request_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in RequestState.values else ""
    found = queries.queue(signed_in(request), state)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return _render(request, "list.html", {"page": page, "states": STATE_FILTERS, "state": state})


def _organisations(staff: Staff) -> Any:
    reach = organisations_for_any(staff, (INTAKE, HANDLE))
    found = queries.holders()
    return found if reach is None else found.filter(pk__in=reach)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """窗口登记: the requester shows an ID card (or a case's number and 查询码) at the counter."""
    staff = signed_in(request)
    if not (can(staff, INTAKE) or can(staff, HANDLE)):
        return render(request, "office/forbidden.html", status=403)
    form = RightsRequestForm(request.POST or None, window=True)
    form.fields["organisation"].queryset = _organisations(staff)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            filed = services.file_request(
                kind=data["kind"],
                verification=data["verification"],
                organisation=data["organisation"],
                requester=form.requester(),
                content=data["content"],
                channel=Channel.WINDOW,
                by=staff,
            )
        except ApplicationError as exc:
            if exc.status != 422:
                return SECTION.refused(request, exc)
            form.show(exc)
        else:
            return _render(request, "filed.html", {"r": filed, "may_handle": can(staff, HANDLE, filed)})
    status = 422 if request.method == "POST" else 200
    return _render(request, "new.html", {"form": form}, status=status)


def _detail(
    request: HttpRequest, found: RightsRequest, *, failure: ApplicationError | None = None, status: int = 200
) -> HttpResponse:
    records = queries.records_of(found)
    actions = [
        action
        for action in services.REQUEST.actions(found.state)
        if action in ("accept", "refuse") or services.ANSWER_FOR[RightKind(found.kind)] == action
    ]
    context = {
        "r": found,
        "records": records,
        "erasable": [case.pk for case in records.cases if erasable(case)],
        "correctable": [(field, label) for field, (label, _) in CORRECTABLE.items()],
        "may_handle": can(signed_in(request), HANDLE, found),
        "actions": actions,
        "failure": failure,
        "submitted": request.POST if failure else {},
    }
    return _render(request, "detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, queries.request_for(signed_in(request), pk))


@login_required
def copy(request: HttpRequest, pk: int) -> HttpResponse:
    """The copy provided, to hand over on paper or a medium (第四十五条 复制)."""
    found = queries.request_for(signed_in(request), pk)
    if found.export is None:
        raise Http404("该申请没有提供个人信息副本")
    return file_response(
        json.dumps(found.export, ensure_ascii=False, indent=2).encode(),
        filename=f"个人信息副本-{found.number}.json",
        fallback=f"personal-data-{found.number}.json",
        content_type="application/json; charset=utf-8",
    )


def _accept(request: HttpRequest, found: RightsRequest, by: Staff) -> str:
    services.accept(request=found, by=by)
    return "已受理。"


def _provide(request: HttpRequest, found: RightsRequest, by: Staff) -> str:
    services.provide_copy(request=found, by=by, reply=request.POST.get("reply", ""))
    return "已提供个人信息副本，申请人可凭申请编号和查询码下载。"


def _correct(request: HttpRequest, found: RightsRequest, by: Staff) -> str:
    chosen = request.POST.get("case", "")
    case = next((c for c in queries.records_of(found).cases if str(c.pk) == chosen), None)
    if case is None:
        message = "所更正的办件：请从申请人本人的办件中选择"
        raise ApplicationError(message, fields={"case": [message]})
    changes = {field: request.POST[field] for field in CORRECTABLE if request.POST.get(field, "").strip()}
    if not changes:
        message = "更正内容：请至少填写一项正确的信息"
        raise ApplicationError(message, fields={"changes": [message]})
    services.correct(request=found, by=by, case=case, changes=changes, reply=request.POST.get("reply", ""))
    return f"已更正办件 {case.number}。"


def _erase(request: HttpRequest, found: RightsRequest, by: Staff) -> str:
    services.erase(request=found, by=by, reply=request.POST.get("reply", ""))
    return "已删除可以删除的记录，并在答复中说明了保留的记录及理由。"


def _refuse(request: HttpRequest, found: RightsRequest, by: Staff) -> str:
    services.refuse(request=found, by=by, reason=request.POST.get("reason", ""))
    return "已答复不予办理，理由已告知申请人。"


ACTIONS: dict[str, Callable[[HttpRequest, RightsRequest, Staff], str]] = {
    "accept": _accept,
    "provide": _provide,
    "correct": _correct,
    "erase": _erase,
    "refuse": _refuse,
}


@require_POST
@login_required
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    step = ACTIONS.get(action)
    if step is None:
        raise Http404("没有这个操作")
    found = queries.request_for(signed_in(request), pk)
    try:
        done = step(request, found, signed_in(request))
    except ApplicationError as exc:
        if exc.status != 422:
            return SECTION.refused(request, exc, found)
        found.refresh_from_db()
        return _detail(request, found, failure=exc, status=422)
    messages.success(request, done)
    return redirect("office_privacy:detail", pk=found.pk)
