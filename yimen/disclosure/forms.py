"""The request form (条例第二十九条) that the portal's online form and the office's counter entry share.

The fields are the request's own columns (labels, lengths and choices come from the model), so the
form only parses what was typed; the rules — an ID number for a person, a credit code for an
organisation, a reachable phone — are the registration service's, and come back as field messages.
"""

from __future__ import annotations

from typing import Any

from django import forms

from yimen.core.errors import ApplicationError
from yimen.disclosure.models import ApplicantType, DisclosureRequest
from yimen.org.models import Organisation, OrganisationKind
from yimen.org.queries import centre

# The applicant's columns, in the order of the form; the service's Applicant names them without the
# model's prefix on the name.
APPLICANT_FIELDS = [
    "applicant_type",
    "applicant_name",
    "id_number",
    "uscc",
    "legal_representative",
    "contact_person",
    "phone",
    "email",
    "address",
    "postcode",
]
REQUEST_FIELDS = ["description", "form_wanted", "delivery_method"]
# Where a service's message for an Applicant field belongs on the form.
SERVICE_FIELDS = {"name": "applicant_name", "organisation": "organisation"}
HELP = {
    "applicant_type": "自然人，或法人或其他组织（按单位性质选择）",
    "applicant_name": "自然人填姓名；法人或其他组织填单位全称",
    "id_number": "自然人必填，18位",
    "uscc": "法人或其他组织必填，18位",
    "legal_representative": "法人或其他组织必填",
    "contact_person": "法人或其他组织的经办人",
    "phone": "用于联系和确认申请",
    "email": "选择以电子邮件获取信息时必填",
    "address": "选择邮寄时必填",
    "description": "请写明政府信息的名称、文号，或便于查找的时间、事件、地点等特征（条例第二十九条）",
}


def receiving_organisations() -> forms.ModelChoiceField:
    """The 行政机关 a request can be sent to: governments, their departments and the centre."""
    kinds = [OrganisationKind.GOVERNMENT, OrganisationKind.DEPARTMENT, OrganisationKind.CENTRE]
    hall = centre()
    return forms.ModelChoiceField(
        label="受理机关",
        queryset=Organisation.objects.filter(is_active=True, kind__in=kinds).order_by("code"),
        initial=hall.pk if hall else None,
        empty_label=None,
        error_messages={"invalid_choice": "受理机关：请从列表中选择", "required": "受理机关：必填"},
        help_text="负责公开所需信息的行政机关；不确定时选择政务服务中心，由其告知",
    )


def named(label: str, message: str) -> str:
    """“公民身份号码：……” — a message names its field once."""
    return message if message.startswith(label) else f"{label}：{message}"


class RequestForm(forms.ModelForm):
    """条例第二十九条: who asks (and how to reach them), what is wanted, and in what form."""

    class Meta:
        model = DisclosureRequest
        fields = [*APPLICANT_FIELDS, *REQUEST_FIELDS]
        widgets = {
            "applicant_type": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = HELP

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = receiving_organisations()
        self.order_fields(["organisation", *APPLICANT_FIELDS, *REQUEST_FIELDS])
        self.fields["applicant_type"].initial = ApplicantType.NATURAL
        for name, field in self.fields.items():
            label = str(field.label)
            field.error_messages["required"] = f"{label}：必填"
            if isinstance(field, forms.ChoiceField) and name != "organisation":
                field.error_messages["invalid_choice"] = f"{label}：请从可选项中选择"
                field.choices = [(value, label) for value, label in field.choices if value != ""]  # type: ignore[union-attr, misc]

    def full_clean(self) -> None:
        super().full_clean()
        for name, errors in list(self.errors.as_data().items()):
            if name in self.fields:
                label = str(self.fields[name].label)
                self.errors[name] = self.error_class([named(label, m) for e in errors for m in e.messages])

    def _post_clean(self) -> None:
        """No model validation here: the service checks the request as a whole and says what is wrong."""

    def applicant(self) -> dict[str, str]:
        """The applicant's fields as the registration service's Applicant names them."""
        data = self.cleaned_data
        values = {name: str(data.get(name) or "") for name in APPLICANT_FIELDS}
        values["name"], values["kind"] = values.pop("applicant_name"), values.pop("applicant_type")
        return values

    def request_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"organisation": data["organisation"], **{name: data[name] for name in REQUEST_FIELDS}}

    def show(self, exc: ApplicationError) -> None:
        """The service's messages next to the fields they name, the rest above the form."""
        for name, messages in exc.fields.items():
            field = SERVICE_FIELDS.get(name, name)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        if not exc.fields:
            self.add_error(None, exc.message)
