"""差评整改工单 in the office: the list of one's organisations' orders (overdue ones flagged), one order
with its evaluation and the three steps (指定责任人, 答复申请人, 办结), and the supervisors' overdue list.

Every change goes through `cases.services.evaluations`; a refused step shows its reason with its status:
field messages (422), a wrong state (409) or a missing role (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from yimen.cases.models import Level, WorkOrder, WorkOrderState
from yimen.cases.queries import evaluations as evaluation_queries
from yimen.cases.services import evaluations
from yimen.core.errors import ApplicationError
from yimen.office.sections import Section
from yimen.office.views import requires, signed_in
from yimen.org.models import Staff
from yimen.org.permissions import can, organisations_for

STATE_FILTERS = [("overdue", "已超期"), *WorkOrderState.choices]


SECTION = Section(
    "office/workorders",
    home=("返回差评整改工单", "office_workorders:list"),
    detail=("返回工单", "office_workorders:detail"),
    pages=(
        ("差评整改工单", "office_workorders:list", ("workorder.handle",)),
        ("超期整改工单", "office_workorders:overdue", ("supervision.view",)),
    ),
)
_render = SECTION.render


def _page(request: HttpRequest, orders: Any) -> Any:
    return Paginator(orders, 50).get_page(request.GET.get("page"))


@requires("workorder.handle")
def order_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in dict(STATE_FILTERS) else ""
    orders = evaluation_queries.work_orders(organisations_for(signed_in(request), "workorder.handle"), state)
    context = {"page": _page(request, orders), "states": STATE_FILTERS, "state": state}
    return _render(request, "list.html", context)


@requires("supervision.view")
def overdue(request: HttpRequest) -> HttpResponse:
    """电子监察: every open order past its due, across the supervisor's reach."""
    orders = evaluation_queries.overdue_work_orders(organisations_for(signed_in(request), "supervision.view"))
    return _render(request, "overdue.html", {"page": _page(request, orders)})


def _order(request: HttpRequest, pk: int) -> WorkOrder:
    """The order, if the signed-in person handles or supervises its organisation; otherwise 404."""
    order = get_object_or_404(evaluation_queries.work_orders(None), pk=pk)
    staff = signed_in(request)
    if not (can(staff, "workorder.handle", order) or can(staff, "supervision.view", order)):
        raise Http404("没有这张工单")
    return order


def _detail(
    request: HttpRequest, order: WorkOrder, *, failure: ApplicationError | None = None, status: int = 200
) -> HttpResponse:
    evaluation = order.evaluation
    labels = evaluations.INDICATORS[evaluation.channel]
    context = {
        "order": order,
        "evaluation": evaluation,
        "case": evaluation.case,
        "indicators": [
            (labels.get(code, code), Level(value).label)
            for code, value in evaluation.indicators.items()
            if code != evaluations.OVERALL and value in Level.values
        ],
        "may_handle": can(signed_in(request), "workorder.handle", order),
        "owners": evaluation_queries.possible_owners(order),
        "actions": set(evaluations.WORK_ORDER.actions(order.state)),
        "failure": failure,
        "submitted": request.POST if failure else {},
    }
    return _render(request, "detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _order(request, pk))


def _assign(request: HttpRequest, order: WorkOrder, by: Staff) -> str:
    chosen = request.POST.get("owner", "")
    owner = Staff.objects.filter(pk=int(chosen), is_active=True).first() if chosen.isdigit() else None
    if owner is None:
        raise ApplicationError("请选择责任人", fields={"owner": ["责任人：请从本单位人员中选择"]})
    evaluations.assign_owner(order=order, owner=owner, by=by)
    return f"已指定责任人：{owner}"


def _reply(request: HttpRequest, order: WorkOrder, by: Staff) -> str:
    evaluations.reply(
        order=order,
        by=by,
        findings=request.POST.get("findings", ""),
        reply=request.POST.get("reply", ""),
    )
    return "已答复申请人，答复内容将通过短信告知申请人。"


def _close(request: HttpRequest, order: WorkOrder, by: Staff) -> str:
    evaluations.close(order=order, by=by)
    return "工单已办结。"


ACTIONS: dict[str, Callable[[HttpRequest, WorkOrder, Staff], str]] = {
    "assign": _assign,
    "reply": _reply,
    "close": _close,
}


@require_POST
@login_required
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    step = ACTIONS.get(action)
    if step is None:
        raise Http404("没有这个操作")
    order = _order(request, pk)
    try:
        done = step(request, order, signed_in(request))
    except ApplicationError as exc:
        if exc.status != 422:
            return SECTION.refused(request, exc, order)
        return _detail(request, order, failure=exc, status=422)
    messages.success(request, done)
    return redirect("office_workorders:detail", pk=order.pk)
