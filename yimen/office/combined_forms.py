"""The office's 一件事 forms: a combined service's draft (its fields and up to PART_ROWS parts, each in
parallel or after another row) and the window's intake form (the shared `CombinedApplicationForm`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from yimen.cases.models import ApplicantKind
from yimen.catalog.models import ServiceItem
from yimen.certificates import combined
from yimen.certificates.forms import CombinedApplicationForm
from yimen.certificates.models import CombinedService
from yimen.core.errors import ApplicationError
from yimen.office.catalog_forms import NamedErrorsForm
from yimen.org.models import Organisation

PART_ROWS = 8
PARALLEL = "并联（与其他事项同时办理）"


class ItemChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.current.name if obj.current else obj.impl_code
        return f"{name}（{obj.organisation.name}）"


class CombinedServiceForm(NamedErrorsForm):
    code = forms.CharField(label="一件事编码", max_length=40, required=False)
    name = forms.CharField(label="一件事名称", max_length=100, required=False)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    organisation = forms.ModelChoiceField(
        label="牵头机构", queryset=Organisation.objects.none(), empty_label="请选择"
    )
    applicant_kind = forms.ChoiceField(label="申请人类型", choices=ApplicantKind.choices)

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        items: QuerySet[ServiceItem],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        lead = self.fields["organisation"]
        assert isinstance(lead, forms.ModelChoiceField)
        lead.queryset = organisations
        lead.error_messages["required"] = "请选择牵头机构"
        after = [("", PARALLEL), *((str(n), f"第{n}行办结（出证）后") for n in range(1, PART_ROWS + 1))]
        for n in self.rows():
            self.fields[f"item_{n}"] = ItemChoice(
                label=f"第{n}行事项", queryset=items, required=False, empty_label="（不选）"
            )
            self.fields[f"after_{n}"] = forms.ChoiceField(label=f"第{n}行前置", choices=after, required=False)

    @staticmethod
    def rows() -> range:
        return range(1, PART_ROWS + 1)

    def part_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(n, self[f"item_{n}"], self[f"after_{n}"]) for n in self.rows()]

    def definition(self) -> combined.Definition:
        data = self.cleaned_data
        chosen = {n: data[f"item_{n}"] for n in self.rows() if data.get(f"item_{n}")}
        parts = []
        for n, item in chosen.items():
            after = data.get(f"after_{n}") or ""
            predecessor = chosen.get(int(after)) if after else None
            # A row after an empty row names no item: the service says the predecessor is not a part.
            after_id = predecessor.pk if predecessor is not None else (-1 if after else None)
            parts.append(combined.PartSpec(item.pk, after_id))
        return combined.Definition(
            code=data.get("code") or "",
            name=data.get("name") or "",
            description=data.get("description") or "",
            organisation=data["organisation"],
            applicant_kind=data["applicant_kind"],
            parts=parts,
        )

    def show(self, exc: ApplicationError) -> None:
        for name, messages in exc.fields.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


def initial_of(service: CombinedService) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "code": service.code,
        "name": service.name,
        "description": service.description,
        "organisation": service.organisation_id,
        "applicant_kind": service.applicant_kind,
    }
    specs = combined.specs_of(service)
    row_of = {spec.item_id: n for n, spec in enumerate(specs, 1)}
    for n, spec in enumerate(specs, 1):
        initial[f"item_{n}"] = spec.item_id
        initial[f"after_{n}"] = str(row_of[spec.after_item_id]) if spec.after_item_id else ""
    return initial


class CombinedIntakeForm(NamedErrorsForm, CombinedApplicationForm):
    """一窗受理 of a 一件事: the applicant as the clerk reads them, the single material list (an original
    shown at the window need not be uploaded)."""
