"""网上申办 form: the shared application form (`cases.forms`: the applicant, one upload per material of
the item's current version) with a consent and a one-time token.

Everything is checked before anything is written, so the applicant sees every problem at once: the
applicant's fields by the same rules the case service applies
(`cases.services.intake.checked_applicant`), each file by its content (`cases.uploads.detect`), the
required materials, the consent, and the one-time token the page was rendered with.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing

from yimen.cases.forms import ApplicationForm
from yimen.cases.models import ApplicantKind
from yimen.cases.services.intake import checked_applicant
from yimen.catalog.models import ItemVersion
from yimen.core.errors import ApplicationError
from yimen.portal import holder_proof

TOKEN_SALT = "yimen.portal.apply"


def token_max_age() -> int:
    """How long a rendered form may be submitted (seconds); also how long a repeat shows the receipt."""
    return int(settings.YIMEN["APPLY_FORM_MAX_AGE_SECONDS"])


def new_token(version: ItemVersion) -> str:
    """A one-time form token: a random nonce (the idempotency key) and the version the form lists."""
    return signing.dumps({"n": secrets.token_hex(16), "v": version.pk}, salt=TOKEN_SALT)


@dataclass(frozen=True)
class Token:
    nonce: str
    version_id: int


def signed_page(value: str, salt: str) -> dict[str, Any]:
    """What an application page's signed token carries; a clear error when it expired or was altered."""
    try:
        data: dict[str, Any] = signing.loads(value, salt=salt, max_age=token_max_age())
    except signing.SignatureExpired:
        raise ApplicationError(
            "页面已过期", fields={"token": ["页面已过期：请刷新页面后重新填写并提交"]}
        ) from None
    except signing.BadSignature:
        raise ApplicationError(
            "页面校验失败", fields={"token": ["页面校验失败：请从办事指南重新进入在线申办"]}
        ) from None
    return data


def read_token(value: str) -> Token:
    data = signed_page(value, TOKEN_SALT)
    return Token(nonce=str(data["n"]), version_id=int(data["v"]))


def kinds_for(version: ItemVersion) -> list[str]:
    """The applicant kinds the item serves (服务对象); an item that names none takes both."""
    serves = ((ApplicantKind.PERSON, version.for_person), (ApplicantKind.LEGAL, version.for_legal))
    kinds = [str(kind) for kind, yes in serves if yes]
    return kinds or [str(ApplicantKind.PERSON), str(ApplicantKind.LEGAL)]


class ApplyForm(ApplicationForm):
    """One application. `kind` comes from the page (a link switches it), never from a script."""

    uploads_required = True

    token = forms.CharField(widget=forms.HiddenInput, error_messages={"required": "页面校验失败：请刷新页面"})
    kind = forms.ChoiceField(widget=forms.HiddenInput, choices=ApplicantKind.choices)
    consent = forms.BooleanField(
        label="本人承诺所填信息和上传材料真实、有效，愿意承担虚假申报的法律责任",
        error_messages={"required": "承诺：请阅读并勾选真实性承诺后再提交"},
    )

    def __init__(
        self, *args: Any, version: ItemVersion, kind: str, holder: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, version=version, **kwargs)
        self.holder = holder  # the proven holder (portal.holder_proof.Holder) the offered materials are for
        kinds = self.fields["kind"]
        assert isinstance(kinds, forms.ChoiceField)
        kinds.initial = kind
        kinds.choices = [(k, ApplicantKind(k).label) for k in kinds_for(version)]
        kinds.error_messages["invalid_choice"] = "申请人类型：该事项不受理此类申请人"
        self.fields["name"].label = "姓名" if kind == ApplicantKind.PERSON else "单位名称"

    @property
    def is_legal(self) -> bool:
        return self.fields["kind"].initial == ApplicantKind.LEGAL

    def applicant_fields(self) -> list[forms.BoundField]:
        names = ["name", *(["uscc", "legal_representative"] if self.is_legal else ["id_number"])]
        return [self[name] for name in [*names, "phone", "address"]]

    def nonce(self) -> str:
        """The idempotency key of this rendering of the form (valid once `is_valid()` passed)."""
        return read_token(self.cleaned_data["token"]).nonce

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("token"):
            self._check_token(data["token"])
        if data.get("kind"):
            self._check_applicant()
        self.check_materials()
        holder_proof.check_applicant(self, self.holder)
        return data

    def _check_token(self, value: str) -> None:
        try:
            token = read_token(value)
        except ApplicationError as exc:
            self.add_error(None, exc.fields["token"][0])
            return
        if token.version_id != self.version.pk:
            self.add_error(
                None,
                f"办事指南已更新为第{self.version.number}版：请按新的材料目录重新填写并上传",
            )

    def _check_applicant(self) -> None:
        try:
            checked_applicant(self.applicant(), self.version)
        except ApplicationError as exc:
            self.show(exc)
