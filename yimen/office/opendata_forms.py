"""The office's open data forms: a data set's catalogue entry, and the decision on an application.

Forms only parse what was typed; the rules (the identifier's format and uniqueness, 无条件开放 only at
安全等级一级, the approved data sets among those asked for, the key's expiry) live in
`opendata.services` and come back as `ApplicationError`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet

from yimen.office.catalog_forms import NamedErrorsForm, model_fields
from yimen.opendata.forms import ShowsServiceErrors
from yimen.opendata.models import Dataset
from yimen.opendata.services import DatasetFields
from yimen.org.models import Organisation

FIELDS = [
    "identifier",
    "title",
    "description",
    "publisher",
    "maintainer",
    "contact",
    "theme",
    "openness",
    "security_level",
    "frequency",
    "source",
    "license",
]
KEYWORD_SEPARATOR = re.compile(r"[\s,，、;；]+")


class DatasetForm(ShowsServiceErrors, NamedErrorsForm):
    def __init__(self, *args: Any, publishers: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(model_fields(Dataset, FIELDS))
        self.fields["publisher"].queryset = publishers  # type: ignore[attr-defined]
        self.fields["description"].widget = forms.Textarea(attrs={"rows": 4})
        self.fields["keywords"] = forms.CharField(
            label="关键字",
            required=False,
            max_length=300,
            help_text="以逗号、顿号或空格分隔，最多10个",
        )
        order = [*FIELDS[:6], "keywords", *FIELDS[6:]]
        self.order_fields(order)

    def values(self) -> DatasetFields:
        data = self.cleaned_data
        return DatasetFields(
            identifier=data["identifier"],
            title=data["title"],
            description=data["description"],
            publisher=data["publisher"],
            maintainer=data["maintainer"],
            contact=data["contact"],
            openness=data["openness"],
            frequency=data["frequency"],
            theme=data["theme"],
            keywords=[word for word in KEYWORD_SEPARATOR.split(data["keywords"]) if word],
            security_level=data["security_level"],
            source=data["source"],
            license=data["license"],
        )


def initial_of(dataset: Dataset) -> dict[str, Any]:
    initial = {name: getattr(dataset, name) for name in FIELDS if name != "publisher"}
    initial["publisher"] = dataset.publisher_id
    initial["keywords"] = "、".join(dataset.keywords)
    return initial


class DatasetChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title}（{obj.identifier}）"


class ApprovalForm(ShowsServiceErrors, NamedErrorsForm):
    datasets = DatasetChoice(
        label="批准的数据集",
        queryset=Dataset.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="可只批准申请的一部分；密钥只能下载批准的数据集",
    )
    expires_on = forms.DateField(
        label="密钥有效期至", widget=forms.DateInput(attrs={"type": "date"}), help_text="最长一年"
    )

    def __init__(self, *args: Any, requested: QuerySet[Dataset], expires_on: date, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"datasets": list(requested), "expires_on": expires_on})
        super().__init__(*args, **kwargs)
        self.fields["datasets"].queryset = requested  # type: ignore[attr-defined]


class RefusalForm(ShowsServiceErrors, NamedErrorsForm):
    reason = forms.CharField(
        label="不予批准的理由",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="将告知申请人",
    )
