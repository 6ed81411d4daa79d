"""依申请公开 on the portal: the online request, its acknowledgement, and tracking by number + 查询码 —
the timeline, the deadline explained, the 补正 the office asked for, and the reply letter.

A browser that filed a request, or opened it with the right code, may come back to it for the rest of
its session (the numbers are kept in the session, never in a link). Wrong codes spend the same budget
of failed lookups as 办件查询, so the code cannot be guessed here either.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yimen.core.errors import ApplicationError
from yimen.core.people import Applicant
from yimen.core.throttle import SUBMISSIONS
from yimen.disclosure import queries
from yimen.disclosure.forms import RequestForm
from yimen.disclosure.models import Channel, DisclosureRequest, RequestState
from yimen.disclosure.presenting import letter_problem, letter_response, public_view
from yimen.disclosure.services import clock, intake
from yimen.portal.case_views import LookupForm, lookup_page

SESSION_KEY = "disclosure_requests"
FILED = "disclosure_filed"  # the request this browser filed last, for its receipt
KEPT = 20  # requests one browser session may hold open
WRONG = "申请编号或查询码不正确"


class TrackForm(LookupForm):
    """办件查询's form, worded for a disclosure request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].label = "申请编号"
        self.fields["code"].error_messages["invalid"] = "查询码：应为6位数字（见申请回执）"


class ClarificationForm(forms.Form):
    """补正 (条例第三十条) sent online by the applicant."""

    content = forms.CharField(
        label="补正内容",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "补正内容：必填", "max_length": "补正内容：最多 5000 字"},
        help_text="请逐项回应补正告知中的事项。答复期限自收到补正之日起重新计算。",
    )


def _remember(request: HttpRequest, number: str) -> None:
    kept = [n for n in request.session.get(SESSION_KEY, []) if n != number]
    request.session[SESSION_KEY] = [*kept, number][-KEPT:]


def _opened(request: HttpRequest, number: str) -> DisclosureRequest | None:
    """The request, if this browser filed it or opened it with its code in this session."""
    if number not in request.session.get(SESSION_KEY, []):
        return None
    return DisclosureRequest.objects.select_related("organisation").filter(number=number).first()


# --- the request -----------------------------------------------------------------------------------


def _file(form: RequestForm) -> DisclosureRequest:
    """网上申请: 收到申请之日 is the day the portal confirms it (条例第三十一条), a rest day's the next working day."""
    return intake.register(
        by=None,
        channel=Channel.ONLINE,
        applicant=Applicant(**form.applicant()),
        submitted_on=timezone.localdate(),
        **form.request_fields(),
    )


def _digest(form: RequestForm) -> str:
    """What was asked, by whom: the same form sent twice (a double click, back and submit) is one request."""
    values = sorted(
        (name, str(value.pk if hasattr(value, "pk") else value)) for name, value in form.cleaned_data.items()
    )
    return hashlib.sha256(repr(values).encode()).hexdigest()


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """政府信息公开申请 (条例第二十九条): who asks, what they want, in what form. Online submissions from
    one address share 网上申办's hourly limit."""
    form = RequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        digest = _digest(form)
        if digest == request.session.get("disclosure_digest") and _opened(
            request, request.session.get(FILED, "")
        ):
            return redirect("disclosure:done")
        with SUBMISSIONS.spending(request) as ticket:
            if ticket is None:
                form.add_error(None, SUBMISSIONS.message)
                return render(request, "portal/disclosure/apply.html", {"form": form}, status=429)
            try:
                filed = _file(form)
            except ApplicationError as exc:
                ticket.give_back()
                form.show(exc)
            else:
                _remember(request, filed.number)
                request.session[FILED], request.session["disclosure_digest"] = filed.number, digest
                return redirect("disclosure:done")
    if request.method == "POST":
        status = 422
    return render(request, "portal/disclosure/apply.html", {"form": form}, status=status)


@never_cache
def done(request: HttpRequest) -> HttpResponse:
    """The acknowledgement (回执): number, 查询码, receipt date and the deadline, printable."""
    filed = _opened(request, request.session.get(FILED, ""))
    if filed is None:
        return redirect("disclosure:apply")
    return render(request, "portal/disclosure/done.html", {"r": filed, "view": public_view(filed)})


# --- tracking ----------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """申请查询: a wrong number and a wrong code get the same answer, and spend the lookup budget."""

    def opened(found: DisclosureRequest, form: LookupForm) -> HttpResponse:
        _remember(request, found.number)
        return redirect("disclosure:status", number=found.number)

    return lookup_page(
        request,
        form_class=TrackForm,
        template="portal/disclosure/track.html",
        wrong=WRONG,
        find=lambda number, code, tail: queries.lookup(number, code, tail),
        found=opened,
    )


def _publication_url(found: DisclosureRequest) -> str:
    """The page of the proactively published information the reply points to, once the portal has one."""
    if found.publication is None:
        return ""
    try:
        return found.publication.get_absolute_url()
    except NoReverseMatch:
        return ""


def _status(
    request: HttpRequest,
    found: DisclosureRequest,
    supplement: ClarificationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if supplement is None and found.state == RequestState.CLARIFYING:
        supplement = ClarificationForm()
    context = {
        "r": found,
        "view": public_view(found),
        "supplement": supplement,
        "publication_url": _publication_url(found),
    }
    return render(request, "portal/disclosure/status.html", context, status=status)


@never_cache
def status(request: HttpRequest, number: str) -> HttpResponse:
    found = _opened(request, number)
    if found is None:
        messages.info(request, "请输入申请编号和查询码查看办理进度。")
        return redirect("disclosure:track")
    return _status(request, found)


@require_POST
def supplement(request: HttpRequest, number: str) -> HttpResponse:
    """The applicant's 补正, received today: the 20 working days start again from it (条例第三十条)."""
    found = _opened(request, number)
    if found is None:
        return redirect("disclosure:track")
    form = ClarificationForm(request.POST)
    if form.is_valid():
        try:
            clock.receive_clarification(
                request=found, by=None, content=form.cleaned_data["content"], on=timezone.localdate()
            )
        except ApplicationError as exc:
            form.add_error("content" if exc.status == 422 else None, exc.message)
        else:
            messages.success(request, "补正已提交，答复期限自今天起重新计算。")
            return redirect("disclosure:status", number=found.number)
    found.refresh_from_db()
    return _status(request, found, supplement=form, status=422)


def letter(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    """The reply letter (告知书) for a request this browser has opened."""
    found = _opened(request, number)
    if found is None:
        return redirect("disclosure:track")
    if problem := letter_problem(found, fmt):
        raise Http404(problem)
    return letter_response(found, fmt)
