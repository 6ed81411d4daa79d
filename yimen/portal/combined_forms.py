"""网上申办一件事: the shared 一件事 form (`certificates.forms`) with a consent and a one-time token whose
nonce keys the application, so a second submission of the same page files nothing. A material a live
certificate of the holder proven by SMS replaces (免提交) is confirmed only on that holder's application
(`holder_proof.check_applicant`)."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.core import signing

from yimen.certificates.forms import CombinedApplicationForm
from yimen.certificates.models import CombinedService
from yimen.core.errors import ApplicationError
from yimen.portal import holder_proof
from yimen.portal.apply_forms import signed_page

TOKEN_SALT = "yimen.portal.combined"


def new_token(service: CombinedService) -> str:
    return signing.dumps({"n": secrets.token_hex(16), "s": service.pk}, salt=TOKEN_SALT)


def read_nonce(value: str, service: CombinedService) -> str:
    data = signed_page(value, TOKEN_SALT)
    if data.get("s") != service.pk:
        raise ApplicationError(
            "页面校验失败", fields={"token": ["页面校验失败：请从办事指南重新进入在线申办"]}
        )
    return str(data["n"])


class CombinedApplyForm(CombinedApplicationForm):
    uploads_required = True

    token = forms.CharField(widget=forms.HiddenInput, error_messages={"required": "页面校验失败：请刷新页面"})
    consent = forms.BooleanField(
        label="本人承诺所填信息和上传材料真实、有效，愿意承担虚假申报的法律责任",
        error_messages={"required": "承诺：请阅读并勾选真实性承诺后再提交"},
    )

    def __init__(self, *args: Any, holder: holder_proof.Holder | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.holder = holder  # the proven holder the offered materials are for

    def nonce(self) -> str:
        return read_nonce(self.cleaned_data["token"], self.service)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("token"):
            try:
                read_nonce(data["token"], self.service)
            except ApplicationError as exc:
                self.add_error(None, exc.fields["token"][0])
        holder_proof.check_applicant(self, self.holder)
        return data
