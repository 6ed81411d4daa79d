"""一件事一次办 on the portal: the list of published combined services, each one's guide (its items and
organisations, in parallel or in series, the single material list, the promised time of the whole) and
online application: one form and one material list, filed as a combined case of one sub-case per item
(`certificates.combined.apply`), at most APPLY_SUBMISSIONS_PER_HOUR per client address an hour.

免提交 as on one item's form (portal/apply_views.py): the holder proves who they are on the page
(portal/holder_proof.py); each line of the single list a live certificate of theirs replaces for one of
the items is then shown 「已调用电子证照，无需提交」, checked, its upload not required; on filing, every
sub-case that lists it records the use (`combined.apply`'s `reused`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from yimen.cases.models import Case, Channel
from yimen.cases.services.intake import accepts_online
from yimen.certificates import combined, combined_queries
from yimen.certificates.models import CombinedService
from yimen.core.errors import ApplicationError
from yimen.core.identity import mask_phone
from yimen.core.throttle import SUBMISSIONS
from yimen.portal import holder_proof
from yimen.portal.combined_forms import CombinedApplyForm, new_token

KEY_PREFIX = "portal:combined:"


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/combined/index.html", {"services": combined_queries.published()})


def _published(code: str) -> CombinedService:
    service = combined_queries.published_by_code(code)
    if service is None:
        raise Http404("没有这个一件事，或已停用")
    return service


def _guide(service: CombinedService) -> dict[str, Any]:
    parts = combined_queries.parts_of(service)
    return {
        "service": service,
        "parts": parts,
        "materials": combined_queries.material_list(service, parts),
        "workdays": combined_queries.promised_workdays(parts),
        "online": all(p.item.current is not None and accepts_online(p.item.current) for p in parts),
        "organisations": list(dict.fromkeys(p.item.organisation.name for p in parts)),
    }


def guide(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "portal/combined/guide.html", _guide(_published(code)))


def _reuse(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """The proven holder (when of the service's applicant kind) and the lines their certificates replace."""
    service: CombinedService = context["service"]
    holder = holder_proof.proven_as(request, service.applicant_kind)
    if holder is None:
        return {"holder": None, "offered": [], "proof": holder_proof.ProofForm(kind=service.applicant_kind)}
    offered = combined_queries.offered(
        context["materials"], context["parts"], (holder.code_type, holder.code)
    )
    return {"holder": holder, "offered": offered}


def _blank(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The form with a fresh token, the proven holder's code and phone filled in."""
    service: CombinedService = context["service"]
    initial = {"token": new_token(service)}
    holder = context["holder"]
    if holder is not None:
        initial |= {
            "uscc" if service.applicant_kind == "legal" else "id_number": holder.code,
            "phone": holder.phone,
        }
    form = CombinedApplyForm(
        initial=initial,
        service=service,
        materials=context["materials"],
        offered=context["offered"],
        holder=holder,
    )
    return render(request, "portal/combined/apply.html", {**context, "form": form}, status=status)


def _prove(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The holder-proof form of the page: a code sent, or the proof checked (then the page again)."""
    service: CombinedService = context["service"]
    proof, outcome = holder_proof.press(request, service.applicant_kind)
    if outcome.holder is not None:
        return redirect(reverse("combined:apply", args=[service.code]))
    shown = {"proof": proof, "proof_message": outcome.message, "proof_sent": outcome.sent}
    return _blank(request, {**context, **shown}, status=outcome.status)


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponse:
    context = _guide(_published(code))
    service: CombinedService = context["service"]
    if not context["online"]:
        raise Http404("该一件事包含不支持网上申报的事项，请到窗口办理")
    context["max_mb"] = f"{settings.YIMEN['UPLOAD_MAX_BYTES'] / 1024 / 1024:g}"
    context |= _reuse(request, context)
    if request.method == "GET":
        return _blank(request, context)
    if "proof_action" in request.POST:
        return _prove(request, context)
    form = CombinedApplyForm(
        request.POST,
        request.FILES,
        service=service,
        materials=context["materials"],
        offered=context["offered"],
        holder=context["holder"],
    )
    if form.is_valid():
        with SUBMISSIONS.spending(request) as ticket:
            if ticket is None:
                return render(
                    request, "portal/apply_unavailable.html", {"reason": SUBMISSIONS.message}, status=429
                )
            try:
                filed = combined.apply(
                    service=service,
                    applicant=form.applicant(),
                    channel=Channel.ONLINE,
                    uploads=form.uploads(),
                    reused={r.material for r in form.replaced()},
                    idempotency_key=f"{KEY_PREFIX}{form.nonce()}",
                )
            except ApplicationError as exc:
                ticket.give_back()
                form.show(exc)
            else:
                if filed.repeated:
                    ticket.give_back()
                cases = list(
                    Case.objects.filter(combined_part__combined=filed.combined)
                    .select_related("version", "organisation")
                    .order_by("combined_part__part__order")
                )
                receipt = {
                    "combined": filed.combined,
                    "cases": cases,
                    "repeated": filed.repeated,
                    "phone": mask_phone(cases[0].phone) if cases else "",
                }
                response = render(request, "portal/combined/done.html", {**context, **receipt})
                add_never_cache_headers(response)  # the 查询码 must not stay in any cache
                return response
    return render(
        request, "portal/combined/apply.html", {**context, "form": form, "failed": True}, status=422
    )
