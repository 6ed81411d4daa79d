"""The office's case forms: the window intake form (applicant and one upload per material), and the
parsing of the small action forms on a case's page.

Forms only parse what the clerk typed; the rules (ID numbers, credit codes, phones, reasons) live in
`cases.services` and come back as `ApplicationError.fields`, shown next to the field they name.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django import forms
from django.http import QueryDict

from yimen.cases.models import ApplicantKind
from yimen.cases.services import Applicant
from yimen.cases.uploads import Upload
from yimen.catalog.models import Material
from yimen.core.errors import ApplicationError
from yimen.office.catalog_forms import NamedErrorsForm

# A hint for the browser's file picker only: the content decides (cases.uploads.detect).
ACCEPT = ".pdf,.jpg,.jpeg,.png,.ofd,.docx"
INTAKE_STEPS = {
    "register": "收件登记",
    "accept": "收件并受理",
    "finish": "受理并当场办结",
}


def _text(label: str, max_length: int, **kwargs: object) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)  # type: ignore[arg-type]


class IntakeForm(NamedErrorsForm):
    """一窗受理: the applicant as the clerk reads them from the ID card or licence, and the files."""

    kind = forms.ChoiceField(
        label="申请人类型",
        choices=ApplicantKind.choices,
        initial=ApplicantKind.PERSON,
        widget=forms.RadioSelect,
    )
    name = _text("申请人", 100, help_text="自然人填姓名；法人或其他组织填单位名称")
    id_number = _text("公民身份号码", 18, help_text="自然人必填，18位")
    uscc = _text("统一社会信用代码", 18, help_text="法人或其他组织必填，18位")
    legal_representative = _text("法定代表人", 50, help_text="法人或其他组织必填")
    phone = _text("手机号码", 20, help_text="接收办理进度短信")
    address = _text("联系地址", 200)
    certificate_no = _text("证照编号", 60, help_text="即办件当场办结时必填")
    then = forms.ChoiceField(label="办理方式", choices=list(INTAKE_STEPS.items()), initial="register")

    def __init__(self, *args: object, materials: Iterable[Material], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.materials: dict[str, Material] = {}
        for material in materials:
            field = f"material_{material.pk}"
            self.materials[field] = material
            need = "必要" if material.required else f"非必要：{material.condition or '按需提交'}"
            self.fields[field] = forms.FileField(
                label=material.name,
                required=False,
                help_text=f"{need} · {material.get_form_display()} · {material.get_source_display()}",
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
            )

    def material_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.materials]

    def applicant(self) -> Applicant:
        data = self.cleaned_data
        return Applicant(
            kind=data["kind"],
            name=data["name"],
            phone=data["phone"],
            id_number=data["id_number"],
            uscc=data["uscc"],
            legal_representative=data["legal_representative"],
            address=data["address"],
        )

    def uploads(self) -> list[Upload]:
        return [
            Upload(material=material.name, file=self.cleaned_data[field])
            for field, material in self.materials.items()
            if self.cleaned_data.get(field)
        ]

    def show(self, exc: ApplicationError) -> None:
        """The services' messages next to the fields they name; a material's next to its upload."""
        by_material = {material.name: field for field, material in self.materials.items()}
        for name, messages in exc.fields.items():
            field = by_material.get(name, name)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        if not exc.fields:
            self.add_error(None, exc.message)


class ItemSearchForm(forms.Form):
    q = forms.CharField(label="事项名称", max_length=50, required=False)


# --- the action forms on a case's page ----------------------------------------------------------


def expected_version(post: QueryDict) -> int:
    """The lock_version the page was rendered with: a stale page is refused by the service (409)."""
    try:
        return int(post.get("expected_version", ""))
    except ValueError:
        raise ApplicationError(
            "页面缺少办件版本号", fields={"expected_version": ["办件版本号：请刷新页面后重试"]}
        ) from None


def optional_date(post: QueryDict, field: str, label: str) -> date | None:
    text = post.get(field, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(
            f"{label}格式不正确", fields={field: [f"{label}：应为日期，例如 2024-10-08"]}
        ) from None


def one_per_line(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
