"""依申请公开 in the office: the officer's desk (queues by state, due soon and overdue, search), counter
entry of a request, and a request's page — its clock explained step by step and the forms of the steps
its state allows.

Every change goes through `disclosure.services`; a form's problems come back next to its fields (422),
a step the request's state or a newer version of it does not allow is refused (409), a missing role
(403). Who sees which request is `disclosure.queries`: one of an organisation one does not handle does
not exist for them (404), asked before the role a step needs and before its state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yimen.core import audit
from yimen.core.errors import ApplicationError
from yimen.core.people import Applicant
from yimen.disclosure import deadlines, queries, workflow
from yimen.disclosure.models import (
    Appeal,
    Consultation,
    DisclosureRequest,
    RequestState,
)
from yimen.disclosure.presenting import letter_problem, letter_response
from yimen.disclosure.services import appeals, clock, fees, steps
from yimen.disclosure.services import intake as request_intake
from yimen.office import disclosure_forms as f
from yimen.office.case_forms import expected_version
from yimen.office.sections import Section
from yimen.office.views import requires, signed_in
from yimen.org.models import Staff
from yimen.org.permissions import can

PAGE_SIZE = 50
ACTION = "disclosure.handle"
# Reads of a requester's personal data, one audit entry each (GB/T 22239-2019 8.1.4.3 a, 8.1.4.11 b).
READ_REQUEST = "disclosure.request_viewed"
READ_LETTER = "disclosure.letter_downloaded"
QUEUES = {"due_soon": "临近到期", "overdue": "已超期", "all": "全部申请"}


SECTION = Section(
    "office/disclosure",
    home=("返回依申请公开", "office_disclosure:desk"),
    detail=("刷新该申请", "office_disclosure:detail"),
)
_render, _refused = SECTION.render, SECTION.refused


# --- the desk --------------------------------------------------------------------------------------


def selection(staff: Staff, queue: str, q: str) -> QuerySet[DisclosureRequest]:
    """The requests a queue (an open state, due soon, overdue, all) or a search names."""
    today = timezone.localdate()
    if q:
        return queries.find(staff, q)
    if queue == "due_soon":
        return queries.due_soon(staff, today)
    if queue == "overdue":
        return queries.overdue(staff, today)
    if queue == "all":
        return queries.visible(staff).order_by("-received_on", "-id")
    if queue in deadlines.OPEN_STATES:
        return queries.open_requests(staff).filter(state=queue)
    return queries.open_requests(staff)


def desk_filters(request: HttpRequest) -> tuple[str, str]:
    queue = request.GET.get("queue", "")
    allowed = {*QUEUES, *deadlines.OPEN_STATES}
    return (queue if queue in allowed else ""), request.GET.get("q", "").strip()[:50]


@requires(ACTION)
def desk(request: HttpRequest) -> HttpResponse:
    """待办: the open requests soonest deadline first, with their red and yellow cards."""
    staff, today = signed_in(request), timezone.localdate()
    queue, q = desk_filters(request)
    counts = queries.counts_by_state(staff, today)
    page = Paginator(selection(staff, queue, q), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(r, queries.card(r, today)) for r in page]
    tabs = [
        (state.value, state.label, counts.get(state.value, 0))
        for state in map(RequestState, deadlines.OPEN_STATES)
    ]
    context = {
        "page": page,
        "rows": rows,
        "tabs": tabs,
        "counts": counts,
        "open_total": sum(counts.get(s, 0) for s in deadlines.OPEN_STATES),
        "queue": queue,
        "queue_label": QUEUES.get(queue) or dict(RequestState.choices).get(queue, "办理中"),
        "q": q,
        "yellow_days": queries.yellow_days(),
        "query": request.GET.urlencode(),
    }
    return _render(request, "desk.html", context)


# --- counter entry -----------------------------------------------------------------------------------


@requires(ACTION)
def intake(request: HttpRequest) -> HttpResponse:
    """登记: a request handed in, posted, faxed, e-mailed, or told to the officer (口头, written down)."""
    staff = signed_in(request)
    form = f.CounterForm(request.POST or None, staff=staff, initial={"submitted_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            dates = form.dates()
            filed = request_intake.register(
                by=staff,
                channel=form.cleaned_data["channel"],
                applicant=Applicant(**form.applicant()),
                submitted_on=form.cleaned_data["submitted_on"],
                signed_on=dates["signed_on"],
                confirmed_on=dates["confirmed_on"],
                **form.request_fields(),
            )
        except ApplicationError as exc:
            if exc.status != 422:
                return _refused(request, exc)
            form.show(exc)
        else:
            messages.success(
                request,
                f"已登记，申请编号 {filed.number}，查询码 {filed.query_code}（请告知申请人）；"
                f"收到申请之日 {filed.received_on:%Y-%m-%d}，答复期限 {filed.due_on:%Y-%m-%d}。",
            )
            return redirect("office_disclosure:detail", pk=filed.pk)
    status = 422 if request.method == "POST" else 200
    return _render(request, "intake.html", {"form": form}, status)


# --- one request -----------------------------------------------------------------------------------


Perform = Callable[[DisclosureRequest, Staff, dict[str, Any], int], str]


@dataclass(frozen=True)
class Step:
    form: type[forms.Form]
    perform: Perform


def _calls(service: Callable[..., Any], said: str) -> Perform:
    """The usual step: `service` on the request with the form's fields and the version the officer saw.
    `said` is what the officer is told, formatted with `done` (what the service returned) and `data`."""

    def perform(r: DisclosureRequest, by: Staff, data: dict[str, Any], version: int) -> str:
        done = service(request=r, by=by, expected_version=version, **data)
        return said.format(done=done, data=data)

    return perform


def _consulted(r: DisclosureRequest, by: Staff, data: dict[str, Any], version: int) -> str:
    consultation = get_object_or_404(Consultation, pk=data.pop("consultation"), request=r)
    clock.end_consultation(consultation=consultation, by=by, expected_version=version, **data)
    r.refresh_from_db()
    return f"已登记意见收回，答复期限为 {r.due_on:%Y-%m-%d}。"


def _reply(r: DisclosureRequest, by: Staff, data: dict[str, Any], version: int) -> str:
    answer = steps.reply(request=r, by=by, expected_version=version, **data)
    return f"已答复：{answer.get_outcome_display()}。告知书可下载打印。"


def _appeal(r: DisclosureRequest, by: Staff, data: dict[str, Any], version: int) -> str:
    found = appeals.file_appeal(request=r, by=by, **data)
    return f"已登记{found.get_kind_display()}。"


def _decided(r: DisclosureRequest, by: Staff, data: dict[str, Any], version: int) -> str:
    appeal = get_object_or_404(Appeal, pk=data.pop("appeal"), request=r)
    found = appeals.decide_appeal(appeal=appeal, by=by, **data)
    return f"已登记{found.get_kind_display()}结果：{found.get_result_display()}。"


STEPS: dict[str, Step] = {
    "start": Step(f.StepForm, _calls(steps.start, "已开始办理。")),
    "request_clarification": Step(
        f.ClarifyForm,
        _calls(
            clock.request_clarification,
            "已一次性告知补正，补正期限 {data[deadline_on]:%Y-%m-%d}；收到补正后答复期限重新起算。",
        ),
    ),
    "receive_clarification": Step(
        f.SupplementForm,
        _calls(
            clock.receive_clarification,
            "已登记收到补正，答复期限重新计算为 {done.due_on:%Y-%m-%d}。",
        ),
    ),
    "expire_clarification": Step(
        f.StepForm,
        _calls(clock.expire_clarification, "申请人逾期未补正，视为放弃申请，已办结（其他处理）。"),
    ),
    "start_consultation": Step(
        f.ConsultForm,
        _calls(
            clock.start_consultation,
            "已征求“{done.party_name}”意见，答复期限 {done.reply_due_on:%Y-%m-%d}；其间不计入答复期限。",
        ),
    ),
    "end_consultation": Step(f.ConsultEndForm, _consulted),
    "extend": Step(
        f.ExtendForm,
        _calls(
            clock.extend,
            "已延期答复 {data[workdays]} 个工作日，答复期限为 {done.due_on:%Y-%m-%d}。请告知申请人。",
        ),
    ),
    "set_custom_deadline": Step(
        f.CustomDeadlineForm,
        _calls(
            clock.set_custom_deadline,
            "已确定延迟答复期限 {done.due_on:%Y-%m-%d}（条例第三十五条）。请告知申请人。",
        ),
    ),
    "issue_fee_notice": Step(
        f.FeeForm,
        _calls(
            fees.issue_fee_notice,
            "已发出收费通知：{done.amount} 元，缴费期限 {done.pay_by:%Y-%m-%d}。",
        ),
    ),
    "record_payment": Step(
        f.StepForm, _calls(fees.record_payment, "已登记缴费，答复期限为 {done.due_on:%Y-%m-%d}。")
    ),
    "expire_fee": Step(
        f.StepForm, _calls(fees.expire_fee, "申请人逾期未缴费，视为放弃申请，已办结（其他处理）。")
    ),
    "reply": Step(f.ReplyForm, _reply),
    "deliver": Step(f.StepForm, _calls(steps.deliver, "已送达。")),
    "close": Step(f.StepForm, _calls(steps.close, "已办结归档。")),
    "file_appeal": Step(f.AppealForm, _appeal),
    "decide_appeal": Step(f.AppealDecisionForm, _decided),
}


def available(staff: Staff, r: DisclosureRequest) -> list[str]:
    """The steps whose forms the page shows: those the state allows and the person's roles reach (the
    services decide again when a form is sent)."""
    found = []
    for action in workflow.REQUEST.actions(r.state):
        if can(staff, workflow.NEEDS.get(action, ACTION), r):
            found.append(action)
    if r.replied_on is not None:
        found += ["file_appeal", "decide_appeal"]
    return found


TITLES = {
    **workflow.REQUEST.labels,
    "file_appeal": "登记行政复议、行政诉讼",
    "decide_appeal": "登记复议、诉讼结果",
}
# Steps taken on one consultation or one appeal of the request: a form for each open one.
PER_RECORD = {"end_consultation", "decide_appeal"}


def _record_forms(
    action: str,
    records: list[Any],
    field: str,
    actions: list[str],
    failed: str,
    form: forms.Form | None,
) -> list[tuple[Any, forms.Form]]:
    """(record, its form) for each open consultation or appeal; the one that failed keeps its errors."""
    if action not in actions:
        return []
    found = []
    for record in records:
        mine = failed == action and form is not None and form.data.get(f"{action}-{field}") == str(record.pk)
        found.append(
            (
                record,
                form
                if mine and form is not None
                else STEPS[action].form(prefix=action, initial={field: record.pk}),
            )
        )
    return found


def _detail(
    request: HttpRequest,
    r: DisclosureRequest,
    *,
    failed: str = "",
    form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    staff, today = signed_in(request), timezone.localdate()
    audit.record_read(request, READ_REQUEST, r)  # the requester's details, in full
    actions = available(staff, r)
    step_forms = {a: STEPS[a].form(prefix=a) for a in actions if a not in PER_RECORD}
    if failed and form is not None and failed not in PER_RECORD:
        step_forms[failed] = form
    notice_by = deadlines.clarification_notice_by(r.received_on)  # 条例第三十条
    appeals = list(r.appeals.order_by("filed_on", "id"))
    consultations = list(r.consultations.order_by("sent_on", "id"))
    context = {
        "r": r,
        "card": queries.card(r, today),
        "overdue": deadlines.is_overdue(r, today),
        "clock": deadlines.explain(r),
        "events": queries.timeline(r, public_only=False),
        "clarifications": r.clarifications.order_by("notified_on"),
        "consultations": consultations,
        "fee": getattr(r, "fee_notice", None),
        "answer": getattr(r, "reply", None),
        "appeals": appeals,
        "step_forms": [(action, TITLES[action], form) for action, form in step_forms.items()],
        "consultation_forms": _record_forms(
            "end_consultation",
            [c for c in consultations if c.replied_on is None],
            "consultation",
            actions,
            failed,
            form,
        ),
        "appeal_forms": _record_forms(
            "decide_appeal",
            [a for a in appeals if not a.result],
            "appeal",
            actions,
            failed,
            form,
        ),
        "failed": failed,
        "notice_by": notice_by if today <= notice_by else None,
    }
    return _render(request, "detail.html", context, status)


@requires(ACTION)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, queries.request_for(signed_in(request), pk))


@require_POST
@requires(ACTION)
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    step = STEPS.get(action)
    if step is None:
        raise Http404("没有这项操作")
    try:
        r = queries.request_for(signed_in(request), pk, step=action)
    except ApplicationError as exc:
        return _refused(request, exc)
    form = step.form(request.POST, prefix=action)
    try:
        version = expected_version(request.POST)
        if not form.is_valid():
            return _detail(request, r, failed=action, form=form, status=422)
        message = step.perform(r, signed_in(request), dict(form.cleaned_data), version)
    except ApplicationError as exc:
        if exc.status != 422:
            return _refused(request, exc, r)
        if isinstance(form, f.Named):
            form.show(exc)
        return _detail(request, r, failed=action, form=form, status=422)
    messages.success(request, message)
    return redirect(reverse("office_disclosure:detail", args=[r.pk]) + f"#{action}")


@requires(ACTION)
def letter(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    r = queries.request_for(signed_in(request), pk)
    if problem := letter_problem(r, fmt):
        raise Http404(problem)
    audit.record_read(request, READ_LETTER, r, what=fmt)
    return letter_response(r, fmt)
