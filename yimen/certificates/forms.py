"""The 一件事 application form, at the window and on the portal: the applicant once (the cases' shared
application form, `cases.forms`) and one upload per line of the single material list, each saying which
items need it. The rules stay with the services (`combined.apply`, the cases' intake)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from yimen.cases.forms import ApplicationForm, Offered
from yimen.cases.services.intake import checked_applicant
from yimen.certificates.combined_queries import CombinedMaterial
from yimen.certificates.models import CombinedService
from yimen.core.errors import ApplicationError


class CombinedApplicationForm(ApplicationForm):
    """The applicant of the service's kind, and the materials of all its items, a shared one asked once."""

    def __init__(
        self,
        *args: Any,
        service: CombinedService,
        materials: list[CombinedMaterial],
        offered: Sequence[Offered] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(
            *args, version=None, materials=[m.material for m in materials], offered=offered, **kwargs
        )
        self.service = service
        self.lines = {field: line for field, line in zip(self.materials, materials, strict=True)}
        for field, line in self.lines.items():
            needed = self.uploads_required and line.required
            upload = self.fields[field]
            upload.help_text = f"{upload.help_text} · 用于：{'、'.join(line.items)}"
            if needed and line.material.pk not in self.offered:
                upload.widget.attrs["required"] = True
            else:
                upload.widget.attrs.pop("required", None)
        self.fields["name"].label = "单位名称" if service.applicant_kind == "legal" else "姓名"

    @property
    def is_legal(self) -> bool:
        return self.service.applicant_kind == "legal"

    def applicant_fields(self) -> list[forms.BoundField]:
        names = ["name", *(["uscc", "legal_representative"] if self.is_legal else ["id_number"])]
        return [self[name] for name in [*names, "phone", "address"]]

    def check_materials(self) -> None:
        """As one item's form does, the 必要 line being one any of the items needs."""
        for field, line in self.lines.items():
            self.materials[field].required = line.required
        super().check_materials()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["kind"] = self.service.applicant_kind
        try:
            checked_applicant(self.applicant())
        except ApplicationError as exc:
            self.show(exc)
        self.check_materials()
        return data
