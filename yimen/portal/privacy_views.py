"""个人信息保护 on the portal: the notice (个人信息保护法 第十七条、第三十五条), the rights request (第四十五条—
第四十七条), its receipt, and tracking by number + 查询码 with the copy to download once it is provided.

As for 依申请公开, a browser that filed a request or opened it with its code may come back to it for the rest
of its session (numbers kept in the session, never in a link). A proof of identity that fails spends the
budgets of failed lookups that 办件查询 spends, so neither a 查询码 nor an ID number's phone tail can be
guessed here (core.throttle).
"""

from __future__ import annotations

import json
from dataclasses import replace

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from yimen.core.downloads import file_response
from yimen.core.errors import ApplicationError
from yimen.core.throttle import LOOKUPS, SECOND_FACTOR, SUBMISSIONS, client_address
from yimen.org.queries import centre
from yimen.portal.case_views import LookupForm, lookup_page
from yimen.portal.disclosure_views import TrackForm
from yimen.privacy import queries, services
from yimen.privacy.forms import RightsRequestForm
from yimen.privacy.models import Channel, RightsRequest, Verification

SESSION_KEY = "privacy_requests"
FILED = "privacy_filed"
KEPT = 20
WRONG = "申请编号或查询码不正确"


def _remember(request: HttpRequest, number: str) -> None:
    kept = [n for n in request.session.get(SESSION_KEY, []) if n != number]
    request.session[SESSION_KEY] = [*kept, number][-KEPT:]


def _opened(request: HttpRequest, number: str) -> RightsRequest | None:
    """The request, if this browser filed it or opened it with its code in this session."""
    if number not in request.session.get(SESSION_KEY, []):
        return None
    return RightsRequest.objects.select_related("organisation").filter(number=number).first()


@require_GET
def notice(request: HttpRequest) -> HttpResponse:
    """个人信息保护告知书: who processes applicants' data, why, how, what, for how long, and how to exercise
    one's rights (第十七条); the 国家机关's duty to tell (第三十五条)."""
    context = {
        "processor": centre(),
        "holders": queries.holders(),
        "period": services.response_period(),
    }
    return render(request, "portal/privacy/notice.html", context)


def _form_page(request: HttpRequest, form: RightsRequestForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "portal/privacy/request.html",
        {"form": form, "period": services.response_period()},
        status=status,
    )


ID_GUARDED = "该身份证号码核验失败次数较多，请15分钟后再试，或改用办件编号和查询码核验"


def _file(request: HttpRequest, form: RightsRequestForm) -> tuple[RightsRequest | None, int]:
    """File the form's request within the budgets (core.throttle): a proof that fails counts against the
    client's address (LOOKUPS) and against the case number or ID number (SECOND_FACTOR). A case number that
    has failed often asks for its phone's last four digits too; an ID number, whose proof is already those
    digits, rests for 15 minutes. Returns the request, or None and the status of the page showing why."""
    data = form.cleaned_data
    by_case = data["verification"] == Verification.CASE_CODE
    key = form.identity_key()
    ticket = LOOKUPS.take(client_address(request))
    if ticket is None:
        form.add_error(None, LOOKUPS.message)
        return None, 429
    guarded = SECOND_FACTOR.exhausted(key)
    if guarded and not (by_case and data["phone_tail"]):
        ticket.give_back()  # nothing was tried
        form.add_error("phone_tail" if by_case else None, SECOND_FACTOR.message if by_case else ID_GUARDED)
        return None, 403 if by_case else 429
    requester = form.requester()
    if by_case and not guarded:
        requester = replace(requester, phone_tail="")
    with SUBMISSIONS.spending(request) as submission:
        if submission is None:
            ticket.give_back()
            form.add_error(None, SUBMISSIONS.message)
            return None, 429
        try:
            filed = services.file_request(
                kind=data["kind"],
                verification=data["verification"],
                organisation=data["organisation"],
                requester=requester,
                content=data["content"],
                channel=Channel.PORTAL,
            )
        except services.IdentityNotVerified as exc:
            submission.give_back()
            SECOND_FACTOR.take(key)
            form.show(exc)
            return None, 422
        except ApplicationError as exc:
            submission.give_back()
            ticket.give_back()
            form.show(exc)
            return None, 422
    ticket.give_back()
    return filed, 302


@never_cache
@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    """个人信息权利申请: what is asked and the proof that the data is the requester's own."""
    form = RightsRequestForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return _form_page(request, form, 200 if request.method == "GET" else 422)
    filed, status = _file(request, form)
    if filed is None:
        return _form_page(request, form, status)
    _remember(request, filed.number)
    request.session[FILED] = filed.number
    return redirect("privacy:done")


@never_cache
def done(request: HttpRequest) -> HttpResponse:
    """The receipt: number, 查询码 and the date the answer is due."""
    filed = _opened(request, request.session.get(FILED, ""))
    if filed is None:
        return redirect("privacy:request")
    return render(request, "portal/privacy/done.html", {"r": filed, "period": services.response_period()})


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """申请查询: a wrong number and a wrong code get the same answer, within 办件查询's budgets."""

    def opened(found: RightsRequest, form: LookupForm) -> HttpResponse:
        _remember(request, found.number)
        return redirect("privacy:status", number=found.number)

    return lookup_page(
        request,
        form_class=TrackForm,
        template="portal/privacy/track.html",
        wrong=WRONG,
        find=lambda number, code, tail: queries.lookup(number=number, code=code, tail=tail),
        found=opened,
    )


@never_cache
def status(request: HttpRequest, number: str) -> HttpResponse:
    found = _opened(request, number)
    if found is None:
        messages.info(request, "请输入申请编号和查询码查看办理进度。")
        return redirect("privacy:track")
    return render(request, "portal/privacy/status.html", {"r": found})


@never_cache
def copy(request: HttpRequest, number: str) -> HttpResponse:
    """第四十五条 复制: the copy provided, as JSON, for a request this browser has opened."""
    found = _opened(request, number)
    if found is None or found.export is None:
        return redirect("privacy:track")
    content = json.dumps(found.export, ensure_ascii=False, indent=2).encode()
    return file_response(
        content,
        filename=f"个人信息副本-{found.number}.json",
        fallback=f"personal-data-{found.number}.json",
        content_type="application/json; charset=utf-8",
    )
