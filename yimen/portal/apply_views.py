"""网上申办 on the portal: /guide/<code>/apply/ files a case against the item's current guide.

The case and its files go through `cases.uploads.submit_with_materials`, all or nothing. Each form
carries a signed one-time token whose nonce is the case's idempotency key (`Case.idempotency_key`,
unique), so a second submission of the same token files nothing and shows the first case's receipt.

A double click or a reload re-sends the same page, hence the same token. Going back to the form does
not: the browser fetches the page again (and refills the fields and files). So the token also lives in
a cookie for this item's apply page; a fetched page reuses it and, once it has filed a case, says so
and offers “另行申请一件”, the only way to a fresh token. Each client address may file at most
APPLY_SUBMISSIONS_PER_HOUR cases an hour.

免提交: an applicant who proves they are the holder (ID number or 统一社会信用代码, a phone registered on an
earlier case, the code texted to it: portal/holder_proof.py, a form of its own on the page) sees each
material a live certificate of theirs replaces as 「已调用电子证照，无需提交」, checked; its upload is then
not required, and the uses are recorded with the case when it is filed (certificates.reuse).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from yimen.cases.models import ApplicantKind, Channel
from yimen.cases.services.intake import accepts_online
from yimen.catalog import queries as catalog_queries
from yimen.catalog.models import ItemVersion, OnlineDepth, ServiceItem
from yimen.certificates import reuse
from yimen.certificates.models import UseChannel
from yimen.core.errors import ApplicationError
from yimen.core.identity import mask_phone
from yimen.core.throttle import SUBMISSIONS
from yimen.portal import holder_proof
from yimen.portal.apply_forms import (
    ApplyForm,
    kinds_for,
    new_token,
    read_token,
    token_max_age,
)

KEY_PREFIX = "portal:"  # the form's nonce as the case's idempotency key
COOKIE_SALT = "yimen.portal.apply.cookie"


def _unavailable(request: HttpRequest, item: ServiceItem | None, reason: str, status: int) -> HttpResponse:
    return render(request, "portal/apply_unavailable.html", {"item": item, "reason": reason}, status=status)


@dataclass(frozen=True)
class _Remembered:
    """The token this browser was given for the item's form, and the case it filed ("" while none)."""

    token: str
    number: str

    @property
    def again(self) -> str:
        """The “另行申请一件” link's key: it frees a fresh token only from the receipt it was shown on."""
        return read_token(self.token).nonce[:8]


def _cookie(item: ServiceItem) -> str:
    return f"yimen_apply_{item.pk}"


def _remembered(request: HttpRequest, item: ServiceItem, version: ItemVersion) -> _Remembered | None:
    raw = request.get_signed_cookie(_cookie(item), default=None, salt=COOKIE_SALT, max_age=token_max_age())
    try:
        data = json.loads(raw or "")
        if read_token(data["token"]).version_id != version.pk:
            return None
        return _Remembered(token=str(data["token"]), number=str(data.get("number", "")))
    except (ValueError, KeyError, TypeError, ApplicationError):
        return None


def _remember(response: HttpResponse, item: ServiceItem, remembered: _Remembered) -> None:
    response.set_signed_cookie(
        _cookie(item),
        json.dumps({"token": remembered.token, "number": remembered.number}),
        salt=COOKIE_SALT,
        max_age=token_max_age(),
        path=reverse("catalog:apply", args=[item.impl_code]),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _form_page(
    request: HttpRequest, item: ServiceItem, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The blank form, with this browser's token for the item, or a fresh one when it has none yet or
    follows “另行申请一件” from the receipt of the case its token filed."""
    version = context["v"]
    remembered = _remembered(request, item, version)
    if remembered and remembered.number and request.GET.get("again") == remembered.again:
        remembered = None
    fresh = remembered is None
    remembered = remembered or _Remembered(token=new_token(version), number="")
    initial = {"token": remembered.token, "kind": context["kind"]}
    holder = context["holder"]
    if holder is not None:  # the proven holder's code and phone, which the reuse is for
        code_field = "id_number" if holder.kind == ApplicantKind.PERSON else "uscc"
        initial |= {code_field: holder.code, "phone": holder.phone}
    form = ApplyForm(
        initial=initial, version=version, kind=context["kind"], offered=context["offered"], holder=holder
    )
    response = render(
        request, "portal/apply.html", {**context, "form": form, "remembered": remembered}, status=status
    )
    if fresh:
        _remember(response, item, remembered)
    return response


def _applicant_kind(request: HttpRequest, version: ItemVersion) -> str:
    kinds = kinds_for(version)
    asked = (request.POST if request.method == "POST" else request.GET).get("kind", "")
    return asked if asked in kinds else kinds[0]


def _prove(request: HttpRequest, item: ServiceItem, context: dict[str, Any]) -> HttpResponse:
    """The holder-proof form of the page: a code sent, or the proof checked (then the page again)."""
    proof, outcome = holder_proof.press(request, context["kind"])
    if outcome.holder is not None:
        return redirect(f"{reverse('catalog:apply', args=[item.impl_code])}?kind={context['kind']}")
    shown = {"proof": proof, "proof_message": outcome.message, "proof_sent": outcome.sent}
    return _form_page(request, item, {**context, **shown}, status=outcome.status)


def _reuse(request: HttpRequest, version: ItemVersion, kind: str) -> dict[str, Any]:
    """The proven holder (when of the page's applicant kind) and the materials their certificates replace."""
    holder = holder_proof.proven_as(request, kind)
    if holder is None:
        return {"holder": None, "offered": [], "proof": holder_proof.ProofForm(kind=kind)}
    return {"holder": holder, "offered": reuse.replaceable(version, holder.code_type, holder.code)}


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponse:
    item = catalog_queries.item_by_code(code)
    if item is None or not item.is_public:
        raise Http404("没有这个事项，或该事项已废止")
    assert item.current is not None
    version = catalog_queries.guide(item.current)
    if not accepts_online(version):
        reason = f"该事项的网办深度为“{version.get_online_depth_display()}”，暂不支持在线申办，请到窗口办理。"
        return _unavailable(request, item, reason, 404)
    kind = _applicant_kind(request, version)
    context: dict[str, Any] = {
        "item": item,
        "v": version,
        "kind": kind,
        "kinds": [(k, ApplicantKind(k).label) for k in kinds_for(version)],
        "pre_review": version.online_depth == OnlineDepth.PRE_REVIEW,
        "max_mb": f"{settings.YIMEN['UPLOAD_MAX_BYTES'] / 1024 / 1024:g}",
        **_reuse(request, version, kind),
    }
    if request.method == "GET":
        return _form_page(request, item, context)
    if "proof_action" in request.POST:
        return _prove(request, item, context)
    form = ApplyForm(
        request.POST,
        request.FILES,
        version=version,
        kind=kind,
        offered=context["offered"],
        holder=context["holder"],
    )
    if form.is_valid():
        with SUBMISSIONS.spending(request) as ticket:
            if ticket is None:
                return _unavailable(request, item, SUBMISSIONS.message, 429)
            try:
                submitted = reuse.submit_reusing(
                    item=item,
                    applicant=form.applicant(),
                    channel=Channel.ONLINE,
                    uploads_given=form.uploads(),
                    replacements=[r for r in form.replaced() if isinstance(r, reuse.Replacement)],
                    use_channel=UseChannel.ONLINE,
                    idempotency_key=f"{KEY_PREFIX}{form.nonce()}",
                )
            except ApplicationError as exc:
                ticket.give_back()
                form.show(exc)
            else:
                case = submitted.case
                if submitted.repeated:
                    ticket.give_back()
                remembered = _Remembered(token=form.cleaned_data["token"], number=case.number)
                receipt = {
                    "case": case,
                    "repeated": submitted.repeated,
                    "phone": mask_phone(case.phone),
                    "remembered": remembered,
                }
                response = render(request, "portal/apply_done.html", {**context, **receipt})
                add_never_cache_headers(response)  # the 查询码 must not stay in any cache
                _remember(response, item, remembered)
                return response
    return render(request, "portal/apply.html", {**context, "form": form, "failed": True}, status=422)
