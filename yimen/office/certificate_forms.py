"""The office's certificate forms: a certificate type of the catalogue, and the face of a 变更.

Forms only parse what was typed; the rules (the type code's 统一社会信用代码, the items of the issuer's reach,
the states a certificate may leave) live in `certificates.services` and come back as `ApplicationError`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from yimen.catalog.models import ServiceItem
from yimen.certificates.models import CertificateType
from yimen.core.errors import ApplicationError
from yimen.office.catalog_forms import SEPARATOR, NamedErrorsForm, model_fields
from yimen.org.models import Organisation

TYPE_FIELDS = [
    "code",
    "name",
    "issuer",
    "holder_kind",
    "validity_years",
    "number_rule",
    "number_prefix",
    "several_per_holder",
    "items",
    "is_active",
]


class ItemChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.current.name if obj.current_id else ""
        return f"{name}（{obj.impl_code}，{obj.organisation.name}）"


class CertificateTypeForm(NamedErrorsForm):
    """证照类型: what the catalogue holds of it; the issuers and items offered are the editor's reach."""

    def __init__(
        self,
        *args: Any,
        issuers: QuerySet[Organisation],
        items: QuerySet[ServiceItem],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(model_fields(CertificateType, TYPE_FIELDS))
        self.fields["issuer"].queryset = issuers  # type: ignore[attr-defined]
        self.fields["items"] = ItemChoice(
            queryset=items.select_related("current", "organisation"),
            required=False,
            label="发证事项",
            help_text="颁发机构及其下级机构的现行事项；按住 Ctrl 可多选",
        )
        # The service checks the code's 统一社会信用代码 and reports what is wrong with it.
        self.fields["code"] = forms.CharField(
            label="证照类型代码", max_length=30, help_text=self.fields["code"].help_text
        )

    def show(self, exc: ApplicationError) -> None:
        """The service's messages next to the fields they name, the rest above the form."""
        for name, messages in exc.fields.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        if not exc.fields:
            self.add_error(None, exc.message)


def initial_of(certificate_type: CertificateType) -> dict[str, Any]:
    initial = {name: getattr(certificate_type, name) for name in TYPE_FIELDS if name != "items"}
    initial["issuer"] = certificate_type.issuer_id
    initial["items"] = list(certificate_type.items.values_list("pk", flat=True))
    return initial


def content_text(rows: list[list[str]]) -> str:
    """The face's rows as typed in the 变更 form: one “标签｜内容” a line."""
    return "\n".join(f"{label}｜{value}" for label, value in rows)


def parse_content(text: str) -> list[list[str]]:
    """“标签｜内容” per line → [[label, value], …] in the order typed."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = SEPARATOR.split(line.strip(), maxsplit=1)
        if len(parts) != 2 or not parts[0]:
            raise ValidationError(f"证照内容第 {number} 行：应为“标签｜内容”")
        rows.append([parts[0], parts[1]])
    if not rows:
        raise ValidationError("证照内容：至少一行")
    return rows
