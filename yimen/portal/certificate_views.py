"""电子证照核验 on the portal: by identifier and 核验码 (typed, or the QR code's address, which opens the result
directly), by an uploaded OFD or PDF; and the system signature's public keys.

The pages parse and answer; what a verification finds, its budgets and its log are
`certificates.verification`'s.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yimen.certificates import identifiers, signing, verification
from yimen.certificates.verification import Method, Result, TooMany
from yimen.core import files
from yimen.core.errors import ApplicationError
from yimen.core.identity import normalize
from yimen.core.throttle import client_address

TEMPLATE = "portal/certificates/verify.html"


class CodeForm(forms.Form):
    """The identifier and the 核验码, named as the QR code's address names them (?id=…&code=…)."""

    id = forms.CharField(
        label="电子证照标识",
        max_length=100,
        help_text="证照下方“证照标识：1.2.156.3005.2.…”",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label="核验码",
        max_length=8,
        help_text="证照二维码下方的4位数字",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "4"}),
    )

    def clean_id(self) -> str:
        value = normalize(self.cleaned_data["id"])
        if identifiers.parse(value) is None:
            raise forms.ValidationError(
                "电子证照标识：格式不正确，应为证照上以 1.2.156.3005.2. 开头的完整标识（含末位校验位）"
            )
        return value

    def clean_code(self) -> str:
        value = normalize(self.cleaned_data["code"])
        if not verification.CODE.match(value):
            raise forms.ValidationError("核验码：应为4位数字（见证照二维码下方）")
        return value


class FileForm(forms.Form):
    file = forms.FileField(
        label="证照文件",
        help_text=f"本平台签发的 OFD 或 PDF 证照文件，不超过 {files.megabytes(settings.YIMEN['UPLOAD_MAX_BYTES'])}",
        widget=forms.ClearableFileInput(attrs={"accept": ".ofd,.pdf,application/ofd,application/pdf"}),
    )


def _page(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    context.setdefault("form", CodeForm())
    context.setdefault("file_form", FileForm())
    return render(request, TEMPLATE, context, status=status)


def _answer(request: HttpRequest, result: Result, **context: Any) -> HttpResponse:
    return _page(request, result=result, view=result.view, **context)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The form; posted, or opened from the QR code with ?id=…&code=…, the answer under it. A malformed
    identifier or code is named and counts as no attempt; a wrong code answers as an unknown identifier."""
    if request.method == "GET" and not ({"id", "code"} & request.GET.keys()):
        return _page(request)
    method = Method.CODE if request.method == "POST" else Method.QR
    form = CodeForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return _page(request, form=form)
    identifier, code = form.cleaned_data["id"], form.cleaned_data["code"]
    again = CodeForm(initial={"id": identifier})
    try:
        result = verification.check_code(identifier, code, address=client_address(request), method=method)
    except TooMany as refused:
        return _page(request, 429, form=again, error=refused.message)
    return _answer(request, result, form=again)


@never_cache
@require_POST
def verify_file(request: HttpRequest) -> HttpResponse:
    """An uploaded OFD or PDF against the register (the size limits of core.upload_limits apply)."""
    form = FileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, file_form=form)
    upload = form.cleaned_data["file"]
    try:
        result = verification.check_file(
            upload.read(),
            name=files.display_name(upload),
            size=upload.size or 0,
            address=client_address(request),
            method=Method.FILE,
        )
    except TooMany as refused:
        return _page(request, 429, file_error=refused.message)
    except ApplicationError as refused:
        return _page(request, file_error=refused.message)
    return _answer(request, result)


@require_GET
def keys(request: HttpRequest) -> HttpResponse:
    """The system signature's public keys, the algorithm and how to check a signature."""
    return render(
        request,
        "portal/certificates/keys.html",
        {
            "keys": signing.public_keys(),
            "algorithm": signing.ALGORITHM,
            "user_id": signing.DEFAULT_USER_ID.decode("ascii"),
            "label": signing.LABEL,
            "canonical_version": signing.CANONICAL_VERSION,
        },
    )
