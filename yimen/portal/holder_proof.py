"""持证人身份核验 on the portal: before a holder's certificates are shown (我的电子证照) or used to replace a
material online (免提交), the visitor proves they are the holder — the ID number (or 统一社会信用代码)
and a phone registered with it on an earlier case, then the 6-digit code texted to that phone
(core/sms_codes.py). The proof lasts `PROOF_SECONDS` (30 minutes) in the session, the code and the phone
sealed there (SM4-GCM, core/crypto.py) as they are in the tables.

The pages that offer 免提交 (网上申办 of one item, portal/apply_views.py, and of a 一件事,
portal/combined_views.py) share `press` (the page's proof form posted), `proven_as` (the proof, when of
the page's applicant kind) and `check_applicant` (a confirmed replacement only on the proven holder's
application).

Whether the pair is registered is never told: asking for a code answers the same words either way and
spends the same budgets (per phone and per client address); only a registered pair is texted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest

from yimen.cases.forms import ApplicationForm
from yimen.cases.models import ApplicantKind
from yimen.cases.transitions import centre_name
from yimen.certificates import queries
from yimen.core import crypto, identity, notify, sms_codes
from yimen.core.errors import ApplicationError
from yimen.core.throttle import client_address

SESSION_KEY = "certificate_holder"
PROOF_SECONDS = 30 * 60
PURPOSE = "certificate.holder"
SEALED_AS = "portal.session.certificate_holder"
ACTIONS = {"send": "获取短信验证码", "check": "验证"}
MISMATCH = (
    "调用电子证照：证件号码和手机号码须与短信核验的一致；请改回核验的号码，或取消勾选调用的证照并上传材料"
)


@dataclass(frozen=True)
class Holder:
    """A proven holder: their code type (111/001), code and the phone they proved."""

    code_type: str
    code: str
    phone: str

    @property
    def kind(self) -> str:
        return (
            ApplicantKind.PERSON if self.code_type == queries.HolderCodeType.ID_CARD else ApplicantKind.LEGAL
        )

    @property
    def masked_code(self) -> str:
        return identity.mask_id_number(self.code)

    @property
    def masked_phone(self) -> str:
        return identity.mask_phone(self.phone)


def proven(request: HttpRequest) -> Holder | None:
    """The holder this browser proved within the last 30 minutes, or None."""
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict) or float(kept.get("until", 0)) <= time.time():
        return None
    try:
        return Holder(
            code_type=str(kept["type"]),
            code=crypto.decrypt(str(kept["code"]), SEALED_AS),
            phone=crypto.decrypt(str(kept["phone"]), SEALED_AS),
        )
    except (KeyError, crypto.DecryptionError):
        return None


def proven_as(request: HttpRequest, kind: str) -> Holder | None:
    """The proven holder when of the applicant kind a page takes (自然人 or 法人), else None."""
    holder = proven(request)
    return holder if holder is not None and holder.kind == kind else None


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def _remember(request: HttpRequest, holder: Holder) -> None:
    request.session.cycle_key()  # a session fixed by someone else before the proof does not inherit it
    request.session[SESSION_KEY] = {
        "type": holder.code_type,
        "code": crypto.encrypt(holder.code, SEALED_AS),
        "phone": crypto.encrypt(holder.phone, SEALED_AS),
        "until": time.time() + PROOF_SECONDS,
    }


class ProofForm(forms.Form):
    """The holder's code and phone, and the code texted to it. Which button was pressed is `action`."""

    proof_kind = forms.ChoiceField(
        label="持证主体", choices=[("person", "个人（公民身份号码）"), ("legal", "单位（统一社会信用代码）")]
    )
    holder_code = forms.CharField(
        label="公民身份号码或统一社会信用代码",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "证件号码：必填"},
    )
    holder_phone = forms.CharField(
        label="手机号码",
        max_length=20,
        help_text="办理业务时登记的手机号码",
        error_messages={"required": "手机号码：必填"},
    )
    sms_code = forms.CharField(
        label="短信验证码",
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )
    proof_action = forms.ChoiceField(choices=list(ACTIONS.items()), widget=forms.HiddenInput)

    def __init__(self, *args: Any, kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind in ApplicantKind.values:  # the apply page knows the applicant's kind
            self.fields["proof_kind"].initial = kind
            self.fields["proof_kind"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = data.get("holder_code", "")
        if code and data.get("proof_kind"):
            try:
                if data["proof_kind"] == ApplicantKind.PERSON:
                    data["holder_code"] = identity.validate_id_number(code)
                else:
                    data["holder_code"] = identity.validate_uscc(code)
            except identity.IdentityError as exc:
                self.add_error("holder_code", str(exc))
        if data.get("holder_phone"):
            try:
                data["holder_phone"] = notify.validate_phone(data["holder_phone"])
            except ApplicationError as exc:
                self.add_error("holder_phone", exc.message)
        if data.get("proof_action") == "check" and not data.get("sms_code", "").strip():
            self.add_error("sms_code", "短信验证码：请输入收到的6位验证码")
        return data

    def holder(self) -> Holder:
        data = self.cleaned_data
        code_type = queries.holder_code_type(data["proof_kind"])
        return Holder(code_type=code_type, code=data["holder_code"], phone=data["holder_phone"])


@dataclass(frozen=True)
class Outcome:
    """What a press of the form's button came to: the page's message and status, and the holder once proven."""

    message: str
    status: int = 200
    holder: Holder | None = None
    sent: bool = False


def handle(request: HttpRequest, form: ProofForm) -> Outcome:
    """Send a code (same answer whether or not the pair is registered) or check one (the proof kept in
    the session on success). The form has been validated."""
    holder = form.holder()
    if form.cleaned_data["proof_action"] == "send":
        try:
            sms_codes.spend_budgets(phone=holder.phone, address=client_address(request))
        except sms_codes.TooMany as exc:
            return Outcome(exc.message, status=429)
        if queries.phone_registered(holder.code_type, holder.code, holder.phone):
            sms_codes.send(phone=holder.phone, purpose=PURPOSE, centre=centre_name())
        message = (
            f"如该手机号码是办理业务时登记的号码，验证码已发送至 {holder.masked_phone}，"
            f"{sms_codes.TTL_SECONDS // 60}分钟内有效"
        )
        return Outcome(message, sent=True)
    try:
        sms_codes.check(phone=holder.phone, purpose=PURPOSE, code=form.cleaned_data["sms_code"])
    except sms_codes.CodeRefused as exc:
        form.add_error("sms_code", exc.message)
        return Outcome(exc.message, status=422)
    if not queries.phone_registered(holder.code_type, holder.code, holder.phone):
        return Outcome("证件号码与手机号码不匹配", status=422)  # a code sent for another holder's pair
    _remember(request, holder)
    return Outcome(f"身份已核验，{PROOF_SECONDS // 60}分钟内有效", holder=holder)


def press(request: HttpRequest, kind: str | None) -> tuple[ProofForm, Outcome]:
    """A page's proof form posted (`kind`: the applicant kind the page takes, None to ask): checked, then
    a code sent or the proof kept (`handle`). The form to show again (its code field emptied once a code
    was sent) and what came of it; a form with errors comes back as it was, status 422, no message."""
    proof = ProofForm(request.POST, kind=kind)
    if not proof.is_valid():
        return proof, Outcome("", status=422)
    outcome = handle(request, proof)
    if outcome.sent:
        proof = ProofForm(initial={**proof.cleaned_data, "sms_code": ""}, kind=kind)
    return proof, outcome


def check_applicant(form: ApplicationForm, holder: Holder | None) -> None:
    """免提交 online is for the holder proven by SMS: when the (cleaned) form confirms a replaced material,
    the application's ID number or 统一社会信用代码 and its phone must be the proven holder's; otherwise
    the code's field says so."""
    if not form.replaced():
        return
    applicant = form.applicant()
    code = applicant.id_number if applicant.kind == ApplicantKind.PERSON else applicant.uscc
    if (
        holder is None
        or identity.normalize(code).upper() != holder.code
        or identity.normalize(applicant.phone) != holder.phone
    ):
        form.add_error("id_number" if applicant.kind == ApplicantKind.PERSON else "uscc", MISMATCH)
