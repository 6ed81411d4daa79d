"""The rights request form, for the portal and for the window (which may also check the ID card in
person). Fields are checked by the service, whose Chinese messages come back next to the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms

from yimen.core.errors import ApplicationError
from yimen.privacy import queries
from yimen.privacy.models import RightKind, Verification
from yimen.privacy.services import Requester

ONLINE_PROOFS = [
    (Verification.CASE_CODE.value, "办件编号和查询码"),
    (Verification.ID_PHONE.value, "身份证号码和手机号码后四位"),
]


def _text(label: str, max_length: int, help_text: str = "", **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off", **attrs}),
        error_messages={"max_length": f"{label}：不能超过{max_length}个字"},
    )


class RightsRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="申请事项",
        choices=RightKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "申请事项：请选择", "invalid_choice": "申请事项：请从列表中选择"},
    )
    verification = forms.ChoiceField(
        label="身份核验方式",
        choices=ONLINE_PROOFS,
        widget=forms.RadioSelect,
        error_messages={"required": "身份核验方式：请选择", "invalid_choice": "身份核验方式：请从列表中选择"},
        help_text="为保护您的个人信息，须核验您是信息的主体本人",
    )
    case_number = _text("办件编号", 80, "受理通知书或短信中的办件编号")
    query_code = _text("查询码", 6, "6位数字", inputmode="numeric")
    organisation = forms.ModelChoiceField(
        label="个人信息处理机关",
        queryset=queries.holders(),
        required=False,
        empty_label="请选择",
        help_text="保存您个人信息的机关（如办理事项的部门）",
        error_messages={"invalid_choice": "个人信息处理机关：请从列表中选择"},
    )
    id_number = _text("公民身份号码", 18)
    phone_tail = _text("登记手机号码后四位", 4, "办事时登记的手机号码的后四位", inputmode="numeric")
    name = _text("申请人姓名", 100)
    phone = _text("联系电话", 20, "11位手机号码，用于告知办理结果", inputmode="tel")
    content = forms.CharField(
        label="申请内容",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="写明要查阅复制的信息；要更正的信息及正确内容；或要删除的信息及理由",
        error_messages={"max_length": "申请内容：不能超过2000个字"},
    )

    def __init__(self, *args: Any, window: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if window:
            field = self.fields["verification"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [*ONLINE_PROOFS, (Verification.COUNTER.value, Verification.COUNTER.label)]

    def requester(self) -> Requester:
        data = self.cleaned_data
        return Requester(
            name=data["name"],
            phone=data["phone"],
            id_number=data["id_number"],
            phone_tail=data["phone_tail"],
            case_number=data["case_number"],
            query_code=data["query_code"],
        )

    def identity_key(self) -> str:
        """What a guesser would vary: the case number, or the ID number."""
        data = self.cleaned_data
        return data["case_number"] if data["verification"] == Verification.CASE_CODE else data["id_number"]

    def show(self, exc: ApplicationError) -> None:
        """The service's messages next to the fields they name, the rest above the form."""
        for name, messages in exc.fields.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        if not exc.fields:
            self.add_error(None, exc.message)
