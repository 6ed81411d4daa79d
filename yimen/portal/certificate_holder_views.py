"""我的电子证照 on the portal: a holder proven by ID number (or 统一社会信用代码), registered phone and SMS code
(portal/holder_proof.py) sees their certificates — state as it reads today, validity, the OFD and PDF
files — and the 用证记录 of them: who used which certificate, for what, when, and in which organisation.
The proof lasts 30 minutes in the session; a file is served only for a certificate of the proven holder
(another's answers as an unknown one, 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yimen.cases.models import ApplicantKind
from yimen.certificates import queries, services
from yimen.certificates.models import Certificate, CertificateState, CertificateUse
from yimen.core.downloads import stored_file_response
from yimen.core.files import OFD, PDF, download_name
from yimen.core.identity import mask_id_number
from yimen.portal import holder_proof

FORMATS = {"ofd": OFD, "pdf": PDF}


@dataclass(frozen=True)
class CertificateRow:
    certificate: Certificate
    state: str  # the state's label as it reads today (a valid one past its validity reads 失效)


@dataclass(frozen=True)
class UseRow:
    use: CertificateUse
    purpose: str


def _own_case(use: CertificateUse, holder: holder_proof.Holder) -> bool:
    case = use.case
    if case is None:
        return True
    code = case.id_number if case.applicant_kind == ApplicantKind.PERSON else case.uscc
    return code == holder.code


def _purpose(use: CertificateUse, holder: holder_proof.Holder) -> str:
    """The purpose as recorded; another applicant's case number in it is masked."""
    if use.case is None or _own_case(use, holder):
        return use.purpose
    return use.purpose.replace(use.case.number, mask_id_number(use.case.number))


def _until(request: HttpRequest) -> datetime | None:
    kept = request.session.get(holder_proof.SESSION_KEY) or {}
    until = kept.get("until")
    return (
        timezone.localtime(datetime.fromtimestamp(float(until), tz=timezone.get_current_timezone()))
        if until
        else None
    )


@never_cache
@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest) -> HttpResponse:
    """The proof form, or the proven holder's certificates and uses."""
    if request.method == "POST":
        proof, outcome = holder_proof.press(request, None)
        if outcome.holder is not None:
            return redirect("certificates:mine")
        context: dict[str, object] = {
            "proof": proof,
            "proof_message": outcome.message,
            "proof_sent": outcome.sent,
        }
        return render(request, "portal/certificates/mine.html", context, status=outcome.status)
    holder = holder_proof.proven(request)
    if holder is None:
        return render(request, "portal/certificates/mine.html", {"proof": holder_proof.ProofForm()})
    today = timezone.localdate()
    certificates = [
        CertificateRow(c, CertificateState(queries.effective_state(c, today)).label)
        for c in queries.held_by(holder.code_type, holder.code)
    ]
    uses = [
        UseRow(u, _purpose(u, holder)) for u in queries.uses_of_holder(holder.code_type, holder.code)[:200]
    ]
    context = {"holder": holder, "certificates": certificates, "uses": uses, "until": _until(request)}
    return render(request, "portal/certificates/mine.html", context)


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """退出: the proof is forgotten at once."""
    holder_proof.forget(request)
    return redirect("certificates:mine")


@never_cache
@require_GET
def mine_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """A certificate's OFD or PDF, for its proven holder only (rendered now if it was not yet)."""
    holder = holder_proof.proven(request)
    kind = FORMATS.get(fmt)
    if holder is None or kind is None:
        raise Http404("没有找到该证照")
    found = queries.held_by(holder.code_type, holder.code).filter(pk=pk).first()
    if found is None:
        raise Http404("没有找到该证照")
    certificate = services.ensure_files(certificate=found)
    stored = certificate.ofd if kind is OFD else certificate.pdf
    return stored_file_response(
        stored, filename=download_name(certificate.identifier, kind), content_type=kind.content_type
    )
