"""The office's 一件事 pages. In the catalogue: the combined services (list, draft with its parts, submit,
审改 review, retire) with their figures. In cases: the window's intake of a combined service (the applicant
and the single material list once), the combined case with its sub-cases and certificates, and 受理 once,
which splits it.

Every change goes through `certificates.combined`; refusals show as field messages (422), a wrong state
(409) or a missing role (403), as in the rest of the office.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yimen.cases.forms import REUSE_PREFIX
from yimen.cases.models import Channel
from yimen.cases.queries.visibility import cases_visible_to
from yimen.catalog import queries as catalog_queries
from yimen.certificates import combined, combined_queries, reuse
from yimen.certificates import services as certificate_services
from yimen.certificates.combined_queries import CombinedMaterial
from yimen.certificates.models import Certificate, CombinedPart, CombinedService, CombinedState
from yimen.certificates.reuse import Replacement
from yimen.core import audit
from yimen.core.downloads import stored_file_response
from yimen.core.errors import ApplicationError
from yimen.core.people import Applicant
from yimen.office.case_views import SECTION as CASES
from yimen.office.catalog_views import SECTION as CATALOG
from yimen.office.combined_forms import CombinedIntakeForm, CombinedServiceForm, initial_of
from yimen.office.views import requires, signed_in
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can, organisations_for

KEEPERS = ("item.edit", "item.reform_review")
READ_CERTIFICATE = "certificates.file_read"
FORMATS = {"ofd": "application/ofd", "pdf": "application/pdf"}


# --- the catalogue: combined services ------------------------------------------------------------


def _keeps(staff: Staff) -> bool:
    return any(can(staff, action) for action in KEEPERS)


def _service(request: HttpRequest, pk: int) -> CombinedService:
    found = combined_queries.services_for(signed_in(request), *KEEPERS).filter(pk=pk).first()
    if found is None:
        raise Http404("没有这个一件事")
    return found


@login_required
def service_list(request: HttpRequest) -> HttpResponse:
    staff = signed_in(request)
    if not _keeps(staff):
        return render(request, "office/forbidden.html", status=403)
    services = list(combined_queries.services_for(staff, *KEEPERS).order_by("state", "code"))
    figures = combined_queries.figures(s.pk for s in services)
    rows = [(s, figures[s.pk]) for s in services]
    return CATALOG.render(request, "combined_list.html", {"rows": rows, "may_edit": can(staff, "item.edit")})


def _form(request: HttpRequest, staff: Staff, initial: dict[str, Any] | None = None) -> CombinedServiceForm:
    reach = organisations_for(staff, "item.edit")
    organisations = Organisation.objects.filter(is_active=True)
    if reach is not None:
        organisations = organisations.filter(pk__in=reach)
    data: QueryDict | None = request.POST if request.method == "POST" else None
    return CombinedServiceForm(
        data, initial=initial, organisations=organisations, items=catalog_queries.published()
    )


def _editor(
    request: HttpRequest, form: CombinedServiceForm, service: CombinedService | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "service": service, "failed": status == 422}
    return CATALOG.render(request, "combined_editor.html", context, status=status)


def _save(request: HttpRequest, form: CombinedServiceForm, service: CombinedService | None) -> HttpResponse:
    staff = signed_in(request)
    if form.is_valid():
        try:
            saved = combined.save_draft(
                definition=form.definition(),
                by=staff,
                service=service,
                expected_version=service.lock_version if service else None,
            )
        except ApplicationError as exc:
            if exc.status != 422:
                return CATALOG.refused(request, exc)
            form.show(exc)
        else:
            messages.success(request, f"一件事“{saved.name}”草稿已保存。")
            return redirect("office_catalog:combined", pk=saved.pk)
    return _editor(request, form, service, status=422)


@requires("item.edit")
def service_new(request: HttpRequest) -> HttpResponse:
    form = _form(request, signed_in(request))
    if request.method != "POST":
        return _editor(request, form, None)
    return _save(request, form, None)


@requires("item.edit")
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service(request, pk)
    if service.state != CombinedState.DRAFT:
        try:
            combined.COMBINED.check(service.state, "edit")
        except ApplicationError as exc:
            return CATALOG.refused(request, exc)
    form = _form(request, signed_in(request), initial_of(service))
    if request.method != "POST":
        return _editor(request, form, service)
    return _save(request, form, service)


def _service_actions(staff: Staff, service: CombinedService) -> dict[str, bool]:
    """Which buttons to show; the service decides again when one is pressed."""
    return {
        action: combined.COMBINED.allows(service.state, action)
        and can(staff, combined.ACTION_PERMISSIONS[action], service)
        for action in combined.COMBINED.transitions
    }


def _service_page(
    request: HttpRequest, service: CombinedService, failure: ApplicationError | None = None, status: int = 200
) -> HttpResponse:
    parts = combined_queries.parts_of(service)
    context = {
        "service": service,
        "parts": parts,
        "materials": combined_queries.material_list(service, parts),
        "workdays": combined_queries.promised_workdays(parts),
        "figures": combined_queries.figures([service.pk])[service.pk],
        "actions": _service_actions(signed_in(request), service),
        "failure": failure,
    }
    return CATALOG.render(request, "combined.html", context, status=status)


@login_required
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _service_page(request, _service(request, pk))


@require_POST
@login_required
def service_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    service = _service(request, pk)
    staff = signed_in(request)
    try:
        version = int(request.POST.get("expected_version", ""))
    except ValueError:
        version = None
    try:
        if action == "submit":
            combined.submit(service=service, by=staff, expected_version=version)
            told = "已提交审核。"
        elif action == "approve":
            combined.approve(service=service, by=staff, expected_version=version)
            told = "审核通过，一件事已发布，门户网站可办理。"
        elif action == "return":
            combined.return_for_changes(
                service=service, by=staff, comment=request.POST.get("comment", ""), expected_version=version
            )
            told = "已退回修改。"
        elif action == "retire":
            combined.retire(service=service, by=staff, expected_version=version)
            told = "一件事已停用，不再受理新的申请。"
        else:
            raise Http404("没有这项操作")
    except ApplicationError as exc:
        if exc.status != 422:
            return CATALOG.refused(request, exc)
        return _service_page(request, service, failure=exc, status=422)
    messages.success(request, told)
    return redirect("office_catalog:combined", pk=service.pk)


# --- cases: intake, the combined case, its certificates ---------------------------------------------


@requires("case.intake")
def intake(request: HttpRequest) -> HttpResponse:
    return CASES.render(request, "combined_intake_search.html", {"services": combined_queries.published()})


@requires("case.intake")
def intake_service(request: HttpRequest, pk: int) -> HttpResponse:
    staff = signed_in(request)
    service = combined_queries.published().filter(pk=pk).first()
    if service is None:
        raise Http404("没有这个一件事，或已停用")
    parts = combined_queries.parts_of(service)
    materials = combined_queries.material_list(service, parts)
    posted = request.method == "POST"
    offered = _offered(service, parts, materials, request.POST) if posted else []
    identify = posted and request.POST.get("then") == "identify"
    data: QueryDict = request.POST
    if identify:  # shown checked: the clerk unticks what the applicant brings on paper instead
        data = request.POST.copy()
        for replacement in offered:
            data[f"{REUSE_PREFIX}{replacement.material_id}"] = "on"
    form = CombinedIntakeForm(
        data if posted else None,
        request.FILES if posted else None,
        service=service,
        materials=materials,
        offered=offered,
    )
    context = {"service": service, "parts": parts, "form": form, "offered": offered}
    if identify:
        return CASES.render(request, "combined_intake.html", {**context, "identified": True})
    if posted and form.is_valid():
        try:
            filed = combined.apply(
                service=service,
                applicant=form.applicant(),
                channel=Channel.WINDOW,
                by=staff,
                window=staff.window,
                uploads=form.uploads(),
                reused={r.material for r in form.replaced()},
            )
        except ApplicationError as exc:
            if exc.status != 422:
                return CASES.refused(request, exc)
            form.show(exc)
        else:
            messages.success(
                request, f"已收件登记一件事（编号 {filed.combined.number}），共 {len(parts)} 个办件，待受理。"
            )
            return redirect("office_cases:combined", pk=filed.combined.pk)
    context["failed"] = posted
    return CASES.render(request, "combined_intake.html", context, status=422 if posted else 200)


def _offered(
    service: CombinedService, parts: list[CombinedPart], lines: list[CombinedMaterial], data: QueryDict
) -> list[Replacement]:
    """免提交: the lines the live certificates of the applicant the clerk typed replace."""
    typed = Applicant(
        kind=service.applicant_kind,
        name="",
        phone="",
        id_number=data.get("id_number", ""),
        uscc=data.get("uscc", ""),
    )
    return combined_queries.offered(lines, parts, reuse.holder_of(typed))


@requires("case.view")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = signed_in(request)
    found = combined_queries.combined_for(staff, pk)
    links = combined_queries.sub_cases(found)
    context = {
        "combined": found,
        "links": links,
        "applicant": links[0].case if links else None,
        "certificates": combined_queries.certificates_of(found),
        "may_accept": found.accepted_at is None
        and found.concluded_at is None
        and combined.may_accept(staff, found),
    }
    return CASES.render(request, "combined_case.html", context)


@require_POST
@requires("case.intake")
def case_accept(request: HttpRequest, pk: int) -> HttpResponse:
    staff = signed_in(request)
    found = combined_queries.combined_for(staff, pk)
    try:
        combined.accept(combined=found, by=staff)
    except ApplicationError as exc:
        return CASES.refused(request, exc)
    messages.success(request, "已受理：并联事项已分送各部门办理，串联事项待前置事项出证后自动受理。")
    return redirect("office_cases:combined", pk=found.pk)


@login_required
def certificate_file(request: HttpRequest, pk: int, certificate: int, kind: str) -> HttpResponseBase:
    """A certificate of a combined case's sub-case, as OFD or PDF, to staff who may open that sub-case."""
    if kind not in FORMATS:
        raise Http404("没有这种格式")
    staff = signed_in(request)
    found = combined_queries.combined_for(staff, pk)
    listed: Certificate | None = combined_queries.certificates_of(found).filter(pk=certificate).first()
    if listed is None:
        raise Http404("没有找到该证照")
    if listed.case_id is None or not cases_visible_to(staff).filter(pk=listed.case_id).exists():
        raise Http404("没有找到该证照")
    listed = certificate_services.ensure_files(certificate=listed)
    stored = listed.ofd if kind == "ofd" else listed.pdf
    response = stored_file_response(
        stored, filename=f"{listed.identifier}.{kind}", content_type=FORMATS[kind]
    )
    audit.record_read(request, READ_CERTIFICATE, listed)
    return response
