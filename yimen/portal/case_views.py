"""Public case pages: 办件查询 (number + 查询码), the live results board and the hall's big screen.

The board and the screen render their rows on the server (they work without JavaScript); live.js then
fetches the JSON twins every few seconds and redraws the rows in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from yimen.cases.queries import public
from yimen.core.identity import normalize
from yimen.core.throttle import guarded_lookup

WRONG = "办件编号或查询码不正确"
T = TypeVar("T")
BOARD_REFRESH_MS = 5000
SCREEN_REFRESH_MS = 10000


class LookupForm(forms.Form):
    number = forms.CharField(
        label="办件编号", max_length=80, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    code = forms.RegexField(
        label="查询码",
        regex=r"^\d{6}$",
        error_messages={"invalid": "查询码：应为6位数字（见受理通知书或短信）"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "6"}),
    )

    tail = forms.RegexField(
        label="手机号码后四位",
        regex=r"^[0-9]{3}[0-9Xx]$",
        help_text="未登记手机号码的，填写证件号码后四位",
        error_messages={"invalid": "手机号码后四位：应为4位数字（证件号码末位可为X）"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": "4"}),
    )

    def __init__(self, *args: Any, ask_tail: bool | None = None, **kwargs: Any) -> None:
        """The second factor is asked for once the number has failed often (core.throttle.SECOND_FACTOR);
        a posted form keeps it when it carried one."""
        super().__init__(*args, **kwargs)
        if ask_tail is None:
            ask_tail = self.is_bound and "tail" in self.data
        if not ask_tail:
            del self.fields["tail"]

    def second_factor(self) -> str | None:
        return self.cleaned_data.get("tail") or None

    def clean_number(self) -> str:
        return normalize(self.cleaned_data["number"])

    def clean_code(self) -> str:
        return normalize(self.cleaned_data["code"])


def lookup_page(
    request: HttpRequest,
    *,
    form_class: type[LookupForm],
    template: str,
    wrong: str,
    find: Callable[[str, str, str | None], T | None],
    found: Callable[[T, LookupForm], HttpResponse],
    invalid_status: int = 422,
) -> HttpResponse:
    """A page that opens a record by its number and 查询码 (办件查询, 依申请公开 and 个人信息权利申请查询).
    A wrong number and a wrong code get the same answer; once an address has failed 10 times every attempt
    from it is refused with 429, the right code included (otherwise the 429 itself would tell a guesser
    which code is right); a number that has failed 5 times asks for the phone's last four digits as well,
    so its owner still gets in (core.throttle.guarded_lookup). `find(number, code, tail)` compares;
    `found(record, form)` answers for the record found."""

    def page(form: LookupForm, error: str = "", status: int = 200) -> HttpResponse:
        return render(request, template, {"form": form, "error": error}, status=status)

    if request.method == "GET":
        return page(form_class())
    form = form_class(request.POST)
    if not form.is_valid():
        return page(form, status=invalid_status)
    number, code, tail = form.cleaned_data["number"], form.cleaned_data["code"], form.second_factor()
    looked = guarded_lookup(request, number, tail, lambda tail: find(number, code, tail))
    again = form_class(initial={"number": number}, ask_tail=looked.second_factor)
    if looked.found is None:
        status, message = looked.answer(wrong)
        return page(again, message, 200 if status == 404 else status)
    return found(looked.found, again)


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """办件查询 (`lookup_page`): the case is shown under the form."""
    return lookup_page(
        request,
        form_class=LookupForm,
        template="portal/cases/lookup.html",
        wrong=WRONG,
        find=lambda number, code, tail: public.lookup(number=number, code=code, tail=tail),
        found=lambda case, form: render(request, "portal/cases/lookup.html", {"form": form, "case": case}),
        invalid_status=200,
    )


def _window(request: HttpRequest) -> str:
    return request.GET.get("window", "").strip()[:20]


def _now() -> str:
    return timezone.localtime().strftime("%H:%M:%S")


def _live_json(payload: dict[str, Any]) -> JsonResponse:
    response = JsonResponse({**payload, "updated_at": _now()}, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """实时办件公示: every window's latest results, with the window's supervision phone."""
    window = _window(request)
    source = reverse("cases:board_data") + (f"?{urlencode({'window': window})}" if window else "")
    return render(
        request,
        "portal/cases/board.html",
        {
            "rows": public.latest_results(window=window),
            "windows": public.board_windows(),
            "window": window,
            "source": source,
            "refresh_ms": BOARD_REFRESH_MS,
            "refresh_seconds": BOARD_REFRESH_MS // 1000,
            "updated_at": _now(),
        },
    )


@require_GET
def board_data(request: HttpRequest) -> JsonResponse:
    rows = public.latest_results(window=_window(request))
    return _live_json({"rows": [row.as_dict() for row in rows]})


@require_GET
def screen(request: HttpRequest) -> HttpResponse:
    """大屏: today's 受理量, 办结量, 即办件率 and the latest results, in large type for the hall."""
    return render(
        request,
        "portal/cases/screen.html",
        {
            "figures": public.day_figures(),
            "rows": public.latest_results(limit=public.SCREEN_SIZE),
            "refresh_ms": SCREEN_REFRESH_MS,
            "refresh_seconds": SCREEN_REFRESH_MS // 1000,
            "updated_at": _now(),
        },
    )


@require_GET
def screen_data(request: HttpRequest) -> JsonResponse:
    rows = public.latest_results(limit=public.SCREEN_SIZE)
    return _live_json({**public.day_figures().as_dict(), "rows": [row.as_dict() for row in rows]})
