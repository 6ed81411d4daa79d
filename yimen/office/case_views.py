"""The office's case pages: 一窗受理 at a window, the case list, a case's page with the actions its state
allows, the 并联审查 queue, and the download of uploaded materials.

Every change goes through `cases.services` (and `cases.uploads`); these views parse a form, call a
service and show its refusal where it belongs: field messages (422), a wrong or stale state (409), a
missing role (403). Who sees which case is `cases.queries.visibility`: a case one may not see does not
exist for them (404), asked before anything else; roles without case work get the office's 403 page.
Those who see a case without handling it (监察) read its applicant masked and may unmask it, with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yimen.cases import notices, transitions, uploads
from yimen.cases.models import Case, CaseState, Channel, DeliveryMethod, Result, Review, ReviewState
from yimen.cases.queries import visibility
from yimen.cases.queries.visibility import CASE_VIEW
from yimen.cases.services import privacy, steps
from yimen.cases.services import reviews as case_reviews
from yimen.catalog import queries as catalog_queries
from yimen.catalog.models import ItemVersion, ServiceItem
from yimen.certificates import queries as certificate_queries
from yimen.certificates import reuse
from yimen.certificates.models import UseChannel
from yimen.core import audit
from yimen.core.downloads import stored_file_response
from yimen.core.errors import ApplicationError
from yimen.core.fields import matching
from yimen.core.identity import mask_id_number, mask_phone
from yimen.core.people import Applicant
from yimen.office.case_forms import IntakeForm, ItemSearchForm, expected_version, one_per_line, optional_date
from yimen.office.sections import Section
from yimen.office.views import requires, signed_in
from yimen.org.models import Staff
from yimen.org.permissions import can, organisations_for

PAGE_SIZE = 50
# Reads of an applicant's personal data, one audit entry each (GB/T 22239-2019 8.1.4.3 a, 8.1.4.11 b).
READ_CASE = "case.applicant_viewed"
READ_FILE = "case.file_downloaded"


SECTION = Section(
    "office/cases",
    home=("返回办件列表", "office_cases:list"),
    detail=("刷新该办件", "office_cases:detail"),
    pages=(
        ("办件列表", "office_cases:list", (CASE_VIEW,)),
        ("一窗受理", "office_cases:intake", ("case.intake",)),
        ("一件事受理", "office_cases:combined_intake", ("case.intake",)),
        ("并联审查", "office_cases:reviews", ("case.review",)),
    ),
)
_render, _refused = SECTION.render, SECTION.refused


# --- the list ------------------------------------------------------------------------------------


@requires(CASE_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in CaseState.values else ""
    q = request.GET.get("q", "").strip()[:50]
    cases = visibility.cases_visible_to(signed_in(request)).select_related(
        "version", "organisation", "window"
    )
    if state:
        cases = cases.filter(state=state)
    if q:
        # An ID number or a phone is sealed: it is found whole, through its blind index.
        cases = cases.filter(
            Q(number__icontains=q)
            | Q(applicant_name__icontains=q)
            | matching(Case, "id_number", q)
            | matching(Case, "phone", q)
        )
    page = Paginator(cases.order_by("-submitted_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "states": CaseState.choices, "state": state, "q": q}
    return _render(request, "list.html", context)


# --- 一窗受理 --------------------------------------------------------------------------------------


def _intake_items(staff: Staff) -> QuerySet[ServiceItem]:
    """Public items this clerk's window serves: any at a 综合窗口, else their organisations' items."""
    items = catalog_queries.published()
    if staff.window is not None and staff.window.is_comprehensive:
        return items
    organisations = organisations_for(staff, "case.intake")
    return items if organisations is None else items.filter(organisation_id__in=organisations)


@requires("case.intake")
def intake(request: HttpRequest) -> HttpResponse:
    form = ItemSearchForm(request.GET)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    items = _intake_items(signed_in(request))
    if q:
        items = items.filter(current__name__icontains=q)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "intake_search.html", {"form": form, "page": page, "q": q})


def _file(staff: Staff, item: ServiceItem, form: IntakeForm) -> tuple[Case, str]:
    """Submit with the files, then accept (or accept and conclude a 即办件): all of it, or nothing."""
    step = form.cleaned_data["then"]
    with uploads.all_or_nothing():
        case = reuse.submit_reusing(
            item=item,
            applicant=form.applicant(),
            channel=Channel.WINDOW,
            uploads_given=form.uploads(),
            replacements=[r for r in form.replaced() if isinstance(r, reuse.Replacement)],
            use_channel=UseChannel.WINDOW,
            by=staff,
            window=staff.window,
        ).case
        if step == "accept":
            case = steps.accept(case=case, by=staff)
        elif step == "finish":
            case = steps.accept_immediately(
                case=case, by=staff, certificate_no=form.cleaned_data["certificate_no"]
            )
    told = f"办件编号 {case.number}，查询码 {case.query_code}"
    if step == "finish":
        return case, f"已受理并当场办结（{told}，证照编号 {case.certificate_no}）。"
    if step == "accept":
        return case, f"已受理（{told}），承诺办结时间 {case.promised_due:%Y-%m-%d %H:%M}。"
    return case, f"已收件登记（{told}），待受理。"


def _offered(version: ItemVersion, data: QueryDict) -> list[reuse.Replacement]:
    """免提交: the materials the live certificates of the applicant the clerk typed replace."""
    typed = Applicant(
        kind=data.get("kind", ""),
        name="",
        phone="",
        id_number=data.get("id_number", ""),
        uscc=data.get("uscc", ""),
    )
    holder = reuse.holder_of(typed)
    return reuse.replaceable(version, *holder) if holder else []


@requires("case.intake")
def intake_item(request: HttpRequest, item_id: int) -> HttpResponse:
    """The window's form. 调取电子证照 (then=identify) shows, for the ID number or 统一社会信用代码 typed,
    each material a live certificate replaces, checked (「已调用电子证照，无需提交」) for the clerk to
    confirm; filing records the confirmed uses with the case and keeps no file for those materials."""
    staff = signed_in(request)
    item = get_object_or_404(_intake_items(staff), pk=item_id)
    assert item.current is not None
    version = catalog_queries.guide(item.current)
    posted = request.method == "POST"
    offered = _offered(version, request.POST) if posted else []
    identify = posted and request.POST.get("then") == "identify"
    data: QueryDict = request.POST
    if identify:  # shown checked: the clerk unticks what the applicant brings on paper instead
        data = request.POST.copy()
        for replacement in offered:
            data[f"reuse_{replacement.material_id}"] = "on"
    form = IntakeForm(
        data if posted else None, request.FILES if posted else None, version=version, offered=offered
    )
    if identify:
        context = {"item": item, "version": version, "form": form, "identified": True, "offered": offered}
        return _render(request, "intake.html", context)
    if posted and form.is_valid():
        try:
            case, message = _file(staff, item, form)
        except ApplicationError as exc:
            if exc.status != 422:
                return _refused(request, exc)
            form.show(exc)
        else:
            messages.success(request, message)
            return redirect("office_cases:detail", pk=case.pk)
    context = {"item": item, "version": version, "form": form, "failed": posted, "offered": offered}
    return _render(request, "intake.html", context, status=422 if posted else 200)


# --- one case and its actions --------------------------------------------------------------------


def _has_next_step(case: Case) -> bool:
    return case.step_index + 1 < len(transitions.steps_of(case.version))


def available_actions(staff: Staff, case: Case, reviews: list[Review]) -> set[str]:
    """The forms to show; the services decide again when one is sent."""
    found = set()
    waiting = any(r.state == ReviewState.PENDING for r in reviews)  # 联办: conclude when all have decided
    for action in transitions.CASE.actions(case.state):
        if action == "review":
            continue
        if (action == "advance" and not _has_next_step(case)) or (action == "conclude" and waiting):
            continue
        if visibility.may_take(staff, action, case):
            found.add(action)
    return found


def _decidable(staff: Staff, reviews: list[Review]) -> set[int]:
    return {r.pk for r in reviews if r.state == ReviewState.PENDING and can(staff, "case.review", r)}


@dataclass(frozen=True)
class ApplicantShown:
    """The applicant's personal data as this page shows it: in full to those who handle the case (or
    for the one page a reason was given for), else masked."""

    id_number: str
    phone: str
    address: str
    masked: bool


def shown_applicant(case: Case, *, full: bool) -> ApplicantShown:
    if full:
        return ApplicantShown(case.id_number, case.phone, case.address, masked=False)
    hidden = "（已隐藏）" if case.address else ""
    return ApplicantShown(mask_id_number(case.id_number), mask_phone(case.phone), hidden, masked=True)


def _detail(
    request: HttpRequest,
    case: Case,
    *,
    failure: ApplicationError | None = None,
    status: int = 200,
    revealed: bool = False,
    reveal_error: ApplicationError | None = None,
) -> HttpResponse:
    staff = signed_in(request)
    handles = visibility.handles(staff, case)
    if handles:  # the applicant in full (an unmasking by 监察 is audited with its reason instead)
        audit.record_read(request, READ_CASE, case)
    reviews = list(case.reviews.select_related("organisation", "by").order_by("organisation__code"))
    context = {
        "case": case,
        "applicant": shown_applicant(case, full=handles or revealed),
        "revealed": revealed and not handles,
        "reveal_error": reveal_error,
        "may_download": handles,
        "guide_url": reverse("catalog:item_version", args=[case.item.impl_code, case.version.number]),
        "events": case.events.select_related("by"),
        "files": case.files.all(),
        "notices": [(kind, notices.KINDS[kind].title) for kind in notices.available(case)],
        "reviews": reviews,
        "decidable": _decidable(staff, reviews) if case.state == CaseState.HANDLING else set(),
        "procedures": case.special_procedures.all(),
        "certificates": [
            (c, can(staff, certificate_queries.MANAGE, c)) for c in certificate_queries.of_case(case.pk)
        ],
        "actions": available_actions(staff, case, reviews),
        "results": Result.choices,
        "methods": DeliveryMethod.choices,
        "failure": failure,
    }
    return _render(request, "detail.html", context, status=status)


@requires(CASE_VIEW)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, visibility.case_for(signed_in(request), pk))


@require_POST
@requires(CASE_VIEW)
def case_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """查看敏感信息: the applicant in full on this one page, once the reason is recorded in the audit log."""
    case = visibility.case_for(signed_in(request), pk)
    reason = request.POST.get("reason", "")
    try:
        privacy.reveal_applicant(case=case, by=signed_in(request), reason=reason)
    except ApplicationError as exc:
        if exc.status != 422:
            return _refused(request, exc, case)
        return _detail(request, case, reveal_error=exc, status=422)
    return _detail(request, case, revealed=True)


Performer = Callable[[Case, Staff, QueryDict, int], str]


def _accept(case: Case, by: Staff, post: QueryDict, version: int) -> str:
    case = steps.accept(case=case, by=by, expected_version=version)
    return f"已受理，承诺办结时间 {case.promised_due:%Y-%m-%d %H:%M}。"


def _refuse(case: Case, by: Staff, post: QueryDict, version: int) -> str:
    steps.refuse(case=case, by=by, reason=post.get("reason", ""), expected_version=version)
    return "已作出不予受理决定，理由将告知申请人。"


def _supplement(case: Case, by: Staff, post: QueryDict, version: int) -> str:
    missing = one_per_line(post.get("materials", ""))
    steps.request_supplement(
        case=case, by=by, materials=missing, note=post.get("note", ""), expected_version=version
    )
    return f"已一次性告知申请人补正 {len(missing)} 项材料。"


def _received(case: Case, by: Staff, post: QueryDict, version: int) -> str:
    steps.supplement_received(case=case, by=by, expected_version=version)
    return "补正材料已收齐，办件回到待受理。"


def _advance(case: Case, by: Staff, post: QueryDict, version: int) -> str:
    done = case.step
    case = steps.advance(case=case, by=by, opinion=post.get("opinion", ""), expected_version=version)
    return f"“{done}”环节已办理，进入“{case.step}”环节。"


def _start_special(case: Case, by: Staff, post: QueryDict, version: int) -> str:
    on = optional_date(post, "on", "开始日期")
    steps.start_special(case=case, by=by, reason=post.get("reason", ""), on=on, expected_version=version)
    return "特别程序已开始，其间的工作日不计入办结时限。"


def _end_special(case: Case, by: Staff, post: QueryDict, version: int) -> str:
    on = optional_date(post, "on", "结束日期")
    case = steps.end_special(case=case, by=by, on=on, expected_version=version)
    return f"特别程序已结束，承诺办结时间顺延至 {case.promised_due:%Y-%m-%d}。"


def _conclude(case: Case, by: Staff, post: QueryDict, version: int) -> str:
    case = steps.conclude(
        case=case,
        by=by,
        result=post.get("result", ""),
        reason=post.get("reason", ""),
        certificate_no=post.get("certificate_no", ""),
        expected_version=version,
    )
    return f"已办结：{case.get_result_display()}。"


def _deliver(case: Case, by: Staff, post: QueryDict, version: int) -> str:
    case = steps.deliver(
        case=case,
        by=by,
        method=post.get("method", ""),
        tracking_no=post.get("tracking_no", ""),
        expected_version=version,
    )
    return f"已送达（{case.get_delivery_method_display()}）。"


def _withdraw(case: Case, by: Staff, post: QueryDict, version: int) -> str:
    steps.withdraw(case=case, by=by, reason=post.get("reason", ""), expected_version=version)
    return "已代申请人撤件。"


PERFORMERS: dict[str, Performer] = {
    "accept": _accept,
    "refuse": _refuse,
    "request_supplement": _supplement,
    "supplement_received": _received,
    "advance": _advance,
    "start_special": _start_special,
    "end_special": _end_special,
    "conclude": _conclude,
    "deliver": _deliver,
    "withdraw": _withdraw,
}


@require_POST
@requires(CASE_VIEW)
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    perform = PERFORMERS.get(action)
    if perform is None:
        raise Http404("没有这项操作")
    try:
        case = visibility.case_for(signed_in(request), pk, step=action)
    except ApplicationError as exc:
        return _refused(request, exc)
    try:
        message = perform(case, signed_in(request), request.POST, expected_version(request.POST))
    except ApplicationError as exc:
        if exc.status != 422:
            return _refused(request, exc, case)
        return _detail(request, case, failure=exc, status=422)
    messages.success(request, message)
    return redirect("office_cases:detail", pk=case.pk)


@login_required
def case_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A material file, as an attachment, to staff who handle its case; 403 to roles without case work and
    to those who only see the case (监察: the materials hold copies of identity papers); to anyone else it
    does not exist. (Not `requires`: a FileResponse is no HttpResponse.)"""
    if not can(request.user, CASE_VIEW):
        return render(request, "office/forbidden.html", status=403)
    try:
        stored = visibility.file_for(signed_in(request), pk)
    except ApplicationError as exc:
        return _refused(request, exc)
    response = stored_file_response(
        stored.file, filename=uploads.served_name(stored), content_type=stored.content_type
    )
    audit.record_read(request, READ_FILE, stored)
    return response


# --- 并联审查 --------------------------------------------------------------------------------------


def _reviews(staff: Staff) -> QuerySet[Review]:
    reviews = Review.objects.select_related("case__version", "case__organisation", "organisation")
    organisations = organisations_for(staff, "case.review")
    return reviews if organisations is None else reviews.filter(organisation_id__in=organisations)


def _queue(
    request: HttpRequest, *, failure: ApplicationError | None = None, status: int = 200
) -> HttpResponse:
    pending = _reviews(signed_in(request)).filter(state=ReviewState.PENDING, case__state=CaseState.HANDLING)
    page = Paginator(pending.order_by("case__accepted_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "reviews.html", {"page": page, "failure": failure}, status=status)


@requires("case.review")
def review_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request)


@require_POST
@requires("case.review")
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    staff = signed_in(request)
    review = get_object_or_404(_reviews(staff), pk=pk)
    approve = request.POST.get("decision") == "approve"
    from_case = request.POST.get("back") == "case"
    try:
        case_reviews.decide_review(
            review=review, by=staff, approve=approve, opinion=request.POST.get("opinion", "")
        )
    except ApplicationError as exc:
        if exc.status != 422:
            return _refused(request, exc, review.case)
        if from_case:
            return _detail(request, visibility.case_for(staff, review.case_id), failure=exc, status=422)
        return _queue(request, failure=exc, status=422)
    verdict = "同意" if approve else "不同意"
    messages.success(request, f"已对办件 {review.case.number} 作出审查结论：{verdict}。")
    if from_case:
        return redirect("office_cases:detail", pk=review.case_id)
    return redirect("office_cases:reviews")
