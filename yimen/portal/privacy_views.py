"""个人信息保护 on the portal: the notice (个人信息保护法 第十七条、第三十五条), the rights request (第四十五条—
第四十七条), its receipt, and tracking by number + 查询码 with the copy to download once it is provided.

As for 依申请公开, a browser that filed a request or opened it with its code may come back to it for the rest
of its session (numbers kept in the session, never in a link). A proof of identity that fails spends the
budget of failed lookups that 办件查询 spends, so neither a 查询码 nor an ID number's phone tail can be
guessed here.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from yimen.core.downloads import file_response
from yimen.core.errors import ApplicationError
from yimen.core.throttle import LOOKUPS, SUBMISSIONS
from yimen.org.queries import centre
from yimen.portal.disclosure_views import TrackForm
from yimen.privacy import queries, services
from yimen.privacy.forms import RightsRequestForm
from yimen.privacy.models import Channel, RightsRequest

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
        request, "portal/privacy/request.html", {"form": form, "period": services.response_period()}, status=status
    )


@never_cache
@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    """个人信息权利申请: what is asked and the proof that the data is the requester's own."""
    form = RightsRequestForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return _form_page(request, form, 200 if request.method == "GET" else 422)
    lookups = LOOKUPS.keys(request, form.identity_key())
    if LOOKUPS.spent(lookups):
        form.add_error(None, LOOKUPS.message)
        return _form_page(request, form, 429)
    if SUBMISSIONS.spent(SUBMISSIONS.keys(request)):
        form.add_error(None, SUBMISSIONS.message)
        return _form_page(request, form, 429)
    data = form.cleaned_data
    try:
        filed = services.file_request(
            kind=data["kind"],
            verification=data["verification"],
            organisation=data["organisation"],
            requester=form.requester(),
            content=data["content"],
            channel=Channel.PORTAL,
        )
    except services.IdentityNotVerified as exc:
        LOOKUPS.count(lookups)
        form.show(exc)
        return _form_page(request, form, 422)
    except ApplicationError as exc:
        form.show(exc)
        return _form_page(request, form, 422)
    SUBMISSIONS.count(SUBMISSIONS.keys(request))
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


def _track_page(request: HttpRequest, form: TrackForm, error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "portal/privacy/track.html", {"form": form, "error": error}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """申请查询: a wrong number and a wrong code get the same answer, and spend the lookup budget."""
    if request.method == "GET":
        return _track_page(request, TrackForm())
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, form, status=422)
    number, code = form.cleaned_data["number"], form.cleaned_data["code"]
    again = TrackForm(initial={"number": number})
    keys = LOOKUPS.keys(request, number)
    if LOOKUPS.spent(keys):
        return _track_page(request, again, LOOKUPS.message, 429)
    found = queries.lookup(number=number, code=code)
    if found is None:
        LOOKUPS.count(keys)
        return _track_page(request, again, WRONG)
    _remember(request, found.number)
    return redirect("privacy:status", number=found.number)


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
