"""The office's case forms: the window intake form (the application form shared with the portal,
`cases.forms`), and the parsing of the small action forms on a case's page.

Forms only parse what the clerk typed; the rules (ID numbers, credit codes, phones, reasons) live in
`cases.services` and come back as `ApplicationError.fields`, shown next to the field they name.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict

from yimen.cases.forms import ApplicationForm, text_field
from yimen.cases.models import ApplicantKind
from yimen.catalog.models import ItemVersion
from yimen.core.errors import ApplicationError
from yimen.office.catalog_forms import NamedErrorsForm

INTAKE_STEPS = {
    "identify": "调取电子证照",  # shows the materials the applicant's live certificates replace; files nothing
    "register": "收件登记",
    "accept": "收件并受理",
    "finish": "受理并当场办结",
}


class IntakeForm(NamedErrorsForm, ApplicationForm):
    """一窗受理: the applicant as the clerk reads them from the ID card or licence, and the files (an
    original shown at the window need not be uploaded)."""

    kind = forms.ChoiceField(
        label="申请人类型",
        choices=ApplicantKind.choices,
        initial=ApplicantKind.PERSON,
        widget=forms.RadioSelect,
    )
    certificate_no = text_field("证照编号", 60, help_text="即办件当场办结时必填；系统签发电子证照的事项不填")
    then = forms.ChoiceField(label="办理方式", choices=list(INTAKE_STEPS.items()), initial="register")

    def __init__(self, *args: Any, version: ItemVersion, **kwargs: Any) -> None:
        super().__init__(*args, version=version, **kwargs)
        self.fields["name"].help_text = "自然人填姓名；法人或其他组织填单位名称"


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
