"""电子证照 in the office: the catalogue of certificate types (kept by those who keep the items), and the
issuing organisation's certificates — the list, one certificate with its versions, uses and files, and
the issuer's 暂扣、恢复、注销、吊销、撤销 with a reason and 延续、变更、补发 as a new version.

Every change goes through `certificates.services`; a refused step shows its reason with its status: field
messages (422), a stale page or a state that no longer allows it (409), a missing role (403). Which
certificates one sees is `certificates.queries.certificates_visible_to`: another organisation's is
unknown (404). A person's ID number (the holder's code, and the face's row that prints it) is masked until
a reason is given, which the audit log keeps; a file downloaded is a full read, audited too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from yimen.catalog.models import ServiceItem
from yimen.certificates import queries, services
from yimen.certificates.models import (
    Certificate,
    CertificateState,
    CertificateType,
    HolderCodeType,
    Operation,
    Verification,
)
from yimen.core import audit
from yimen.core.downloads import stored_file_response
from yimen.core.errors import ApplicationError
from yimen.core.identity import mask_id_number
from yimen.office.case_forms import expected_version
from yimen.office.certificate_forms import CertificateTypeForm, content_text, initial_of, parse_content
from yimen.office.sections import Section
from yimen.office.views import requires, signed_in
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can, organisations_for

MANAGE, TYPE_EDIT = services.MANAGE, services.TYPE_EDIT
PAGE_SIZE = 50
READ_FILE = "certificates.file_downloaded"
FILES = {"ofd": ("application/ofd", "OFD"), "pdf": ("application/pdf", "PDF")}
# The issuer's hand: the state changes, and the new versions with the operation each writes.
VERSIONS = {"renew": Operation.RENEWAL, "change": Operation.CHANGE, "reissue": Operation.REISSUE}

SECTION = Section(
    "office/certificates",
    home=("返回证照列表", "office_certificates:list"),
    detail=("返回该证照", "office_certificates:detail"),
    pages=(
        ("电子证照", "office_certificates:list", (MANAGE,)),
        ("证照类型", "office_certificates:types", (TYPE_EDIT,)),
    ),
)
_render, _refused = SECTION.render, SECTION.refused


# --- the catalogue of certificate types ------------------------------------------------------------


def _in_reach(found: QuerySet[Any], field: str, reach: set[int] | None) -> QuerySet[Any]:
    return found if reach is None else found.filter(**{f"{field}__in": reach})


def _types(staff: Staff) -> QuerySet[CertificateType]:
    found = CertificateType.objects.select_related("issuer").order_by("code")
    return _in_reach(found, "issuer_id", organisations_for(staff, TYPE_EDIT))


@requires(TYPE_EDIT)
def type_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    found = _types(signed_in(request))
    if q:
        found = found.filter(Q(name__icontains=q) | Q(code=q.upper()))
    page = Paginator(found.prefetch_related("items__current"), PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "types.html", {"page": page, "q": q})


def _type_form(staff: Staff, data: QueryDict | None, **kwargs: Any) -> CertificateTypeForm:
    reach = organisations_for(staff, TYPE_EDIT)
    issuers = _in_reach(Organisation.objects.filter(is_active=True), "pk", reach)
    items = ServiceItem.objects.filter(current__isnull=False, retired_at__isnull=True).order_by("impl_code")
    return CertificateTypeForm(
        data, issuers=issuers, items=_in_reach(items, "organisation_id", reach), **kwargs
    )


def _save_type(request: HttpRequest, found: CertificateType | None) -> HttpResponse:
    staff = signed_in(request)
    data = request.POST if request.method == "POST" else None
    form = _type_form(staff, data, initial=initial_of(found) if found else None)
    if data is not None and form.is_valid():
        typed = form.cleaned_data
        try:
            saved = services.save_type(
                certificate_type=found,
                by=staff,
                code=typed["code"],
                name=typed["name"],
                issuer=typed["issuer"],
                holder_kind=typed["holder_kind"],
                validity_years=typed["validity_years"],
                number_rule=typed["number_rule"],
                number_prefix=typed["number_prefix"],
                several_per_holder=typed["several_per_holder"],
                items=list(typed["items"]),
                is_active=typed["is_active"],
            )
        except ApplicationError as exc:
            if exc.status != 422:
                return _refused(request, exc)
            form.show(exc)
        else:
            messages.success(request, f"已保存证照类型“{saved.name}”。")
            return redirect("office_certificates:types")
    status = 422 if data is not None else 200
    return _render(request, "type_form.html", {"form": form, "found": found}, status=status)


@require_http_methods(["GET", "POST"])
@requires(TYPE_EDIT)
def type_new(request: HttpRequest) -> HttpResponse:
    return _save_type(request, None)


@require_http_methods(["GET", "POST"])
@requires(TYPE_EDIT)
def type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = _types(signed_in(request)).filter(pk=pk).first()
    if found is None:
        raise Http404("没有找到该证照类型")
    return _save_type(request, found)


# --- the certificates -------------------------------------------------------------------------------

STATE_FILTERS = [("", "全部"), *CertificateState.choices]


@requires(MANAGE)
def certificate_list(request: HttpRequest) -> HttpResponse:
    """The issuer's certificates, newest first: by type, state and holder name; a number or an identifier
    finds its certificate exactly."""
    staff = signed_in(request)
    found = queries.certificates_visible_to(staff).order_by("-issued_on", "-id")
    chosen = {key: request.GET.get(key, "").strip()[:100] for key in ("type", "state", "holder", "q")}
    if chosen["type"].isdigit():
        found = found.filter(type_id=int(chosen["type"]))
    if chosen["state"] in CertificateState.values:
        found = found.filter(state=chosen["state"])
    if chosen["holder"]:
        found = found.filter(holder_name__icontains=chosen["holder"])
    if chosen["q"]:
        found = found.filter(Q(number=chosen["q"]) | Q(identifier=chosen["q"]))
    types = _in_reach(CertificateType.objects.order_by("code"), "issuer_id", organisations_for(staff, MANAGE))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({key: value for key, value in chosen.items() if value})
    context = {"page": page, "chosen": chosen, "types": types, "states": STATE_FILTERS, "query": query}
    return _render(request, "list.html", context)


def _versions(certificate: Certificate) -> list[Certificate]:
    """Every version of the certificate (one serial of one type), oldest first: what it replaced and what
    replaced it."""
    return list(
        Certificate.objects.filter(type_id=certificate.type_id, serial=certificate.serial)
        .only("pk", "identifier", "version", "operation", "state", "issued_on", "valid_to", "state_reason")
        .order_by("version")
    )


def _shown_content(certificate: Certificate, full: bool) -> list[tuple[str, str]]:
    """The face's rows; a person's ID number masked wherever it is printed, unless shown in full."""
    code = certificate.holder_code
    masked = not full and certificate.holder_code_type == HolderCodeType.ID_CARD
    return [
        (str(label), mask_id_number(str(value)) if masked and str(value) == code else str(value))
        for label, value in certificate.content
    ]


def _detail(
    request: HttpRequest,
    certificate: Certificate,
    *,
    revealed: bool = False,
    failure: ApplicationError | None = None,
    failed: str = "",
    status: int = 200,
) -> HttpResponse:
    person = certificate.holder_code_type == HolderCodeType.ID_CARD
    # A legal person's 统一社会信用代码 is public (it is printed on its 营业执照); a person's ID number is not.
    full = revealed or not person
    state = queries.effective_state(certificate)
    context = {
        "c": certificate,
        "state": state,
        "state_label": CertificateState(state).label,
        "holder_code": certificate.holder_code if full else mask_id_number(certificate.holder_code),
        "maskable": person and not revealed,
        "content": _shown_content(certificate, full),
        # The 变更 form holds the face in full: offered once the holder's code may be shown.
        "content_text": content_text(certificate.content) if full else "",
        "versions": _versions(certificate),
        "uses": certificate.uses.select_related("organisation", "case", "operator")[:100],
        "verifications": Verification.objects.filter(certificate=certificate).count(),
        "signature_holds": services.signature_holds(certificate),
        "state_actions": [
            (action, services.CERTIFICATE.labels[action])
            for action in services.CERTIFICATE.actions(certificate.state)
            if action in services.STATE_ACTIONS
        ],
        "may_replace": services.CERTIFICATE.allows(certificate.state, "replace"),
        "failure": failure,
        "failed": failed,
        "submitted": request.POST if failure else {},
    }
    return _render(request, "detail.html", context, status=status)


@requires(MANAGE)
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, queries.certificate_for(signed_in(request), pk))


@require_POST
@requires(MANAGE)
def certificate_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """查看持证主体代码: in full on this one page, once the reason is in the audit log."""
    certificate = queries.certificate_for(signed_in(request), pk)
    try:
        services.reveal_holder(
            certificate=certificate, by=signed_in(request), reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        if exc.status != 422:
            return _refused(request, exc, certificate)
        return _detail(request, certificate, failure=exc, failed="reveal", status=422)
    return _detail(request, certificate, revealed=True)


@login_required
def certificate_file(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    """The OFD or the PDF, rendered first if it was not at issue; named by the identifier. Both print the
    holder's code in full: each download is a read of personal data, audited."""
    if not can(request.user, MANAGE):
        return render(request, "office/forbidden.html", status=403)
    if kind not in FILES:
        raise Http404("没有这种文件")
    certificate = services.ensure_files(certificate=queries.certificate_for(signed_in(request), pk))
    content_type, label = FILES[kind]
    audit.record_read(request, READ_FILE, certificate, what=f"{label}版式文件")
    return stored_file_response(
        getattr(certificate, kind), filename=f"{certificate.identifier}.{kind}", content_type=content_type
    )


def _state_change(certificate: Certificate, by: Staff, post: QueryDict, action: str) -> str:
    changed = services.change_state(
        certificate=certificate,
        by=by,
        action=action,
        reason=post.get("reason", ""),
        expected_version=expected_version(post),
    )
    return f"已{services.CERTIFICATE.labels[action]}，证照状态为“{changed.get_state_display()}”。"


def _new_version(certificate: Certificate, by: Staff, post: QueryDict, action: str) -> Certificate:
    operation = VERSIONS[action]
    content = None
    if operation == Operation.CHANGE:
        try:
            content = parse_content(post.get("content", ""))
        except ValidationError as exc:
            message = exc.messages[0]
            raise ApplicationError(message, fields={"content": [message]}) from None
        if content == certificate.content:
            content = None
    holder_name = post.get("holder_name", "").strip() if operation == Operation.CHANGE else ""
    if holder_name == certificate.holder_name:
        holder_name = ""
    return services.new_version(
        certificate=certificate,
        by=by,
        operation=operation,
        reason=post.get("reason", ""),
        holder_name=holder_name,
        content=content,
        expected_version=expected_version(post),
    )


@require_POST
@requires(MANAGE)
def certificate_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in services.STATE_ACTIONS and action not in VERSIONS:
        raise Http404("没有这个操作")
    staff = signed_in(request)
    certificate = queries.certificate_for(staff, pk)
    try:
        if action in VERSIONS:
            made = _new_version(certificate, staff, request.POST, action)
            messages.success(request, f"已{made.get_operation_display()}，新版本为第 {made.version} 版。")
            return redirect("office_certificates:detail", pk=made.pk)
        messages.success(request, _state_change(certificate, staff, request.POST, action))
    except ApplicationError as exc:
        if exc.status != 422:
            return _refused(request, exc, certificate)
        certificate.refresh_from_db()
        return _detail(request, certificate, failure=exc, failed=action, status=422)
    return redirect("office_certificates:detail", pk=certificate.pk)
