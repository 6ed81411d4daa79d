"""The portal's application to use 有条件开放 data sets. Fields are checked by the service, whose Chinese
messages come back next to the fields they name."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from yimen.core.errors import ApplicationError
from yimen.opendata.models import Dataset, Openness
from yimen.opendata.services import Applicant


class DatasetChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title}（{obj.identifier}）"


def _text(label: str, max_length: int, help_text: str = "", **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"max_length": f"{label}：不能超过{max_length}个字"},
    )


class ShowsServiceErrors:
    """A form that shows a service's refusal: its messages next to the fields they name, the rest above."""

    def show(self, exc: ApplicationError) -> None:
        form = cast(forms.Form, self)
        for name, messages in exc.fields.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        if not exc.fields:
            form.add_error(None, exc.message)


class ApplicationForm(ShowsServiceErrors, forms.Form):
    datasets = DatasetChoice(
        label="申请的数据集",
        queryset=Dataset.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="同一数据提供方的有条件开放数据集，可一并申请",
        error_messages={"invalid_choice": "申请的数据集：请从列出的数据集中选择"},
    )
    organisation = _text("申请单位", 100, "单位全称", autocomplete="organization")
    uscc = _text("统一社会信用代码", 18, "选填，18位")
    contact_person = _text("联系人", 50, autocomplete="name")
    phone = _text("联系电话", 20, "手机号码或带区号的固定电话，用于告知审核结果", inputmode="tel")
    email = _text("电子邮箱", 100, "选填", autocomplete="email")
    purpose = forms.CharField(
        label="数据用途",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="使用数据的目的、场景和范围；数据仅限用于所述用途",
        error_messages={"max_length": "数据用途：不能超过1000个字"},
    )

    def __init__(self, *args: Any, dataset: Dataset, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"datasets": [dataset.pk]})
        super().__init__(*args, **kwargs)
        field = self.fields["datasets"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Dataset.objects.filter(
            is_published=True, openness=Openness.CONDITIONAL, publisher_id=dataset.publisher_id
        ).order_by("identifier")

    def applicant(self) -> Applicant:
        data = self.cleaned_data
        return Applicant(
            organisation=data["organisation"],
            uscc=data["uscc"],
            contact_person=data["contact_person"],
            phone=data["phone"],
            email=data["email"],
        )
