"""The application form both doors share: 网上申办 on the portal and 一窗受理 in the office.

The applicant's fields, the business type when the guide lists several, and one upload per material of
the item's version; a material a live certificate of the applicant replaces (免提交, offered by
`certificates.reuse`) carries a box, checked by default, that skips its upload. The form only parses what
was typed; the rules (ID numbers, credit codes, phones) live in `cases.services.intake` and come back as
`ApplicationError.fields`, which `show()` puts next to the field they name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django import forms

from yimen.cases import uploads
from yimen.cases.models import ApplicantKind
from yimen.catalog.models import ItemVersion, Material
from yimen.core.errors import ApplicationError
from yimen.core.people import Applicant

# A hint for the browser's file picker only: the content decides (cases.uploads.detect).
ACCEPT = ",".join([*(f".{kind.extension}" for kind in uploads.ACCEPTED), ".jpeg"])
MATERIAL_PREFIX = "material_"
REUSE_PREFIX = "reuse_"


class Offered(Protocol):
    """A material a live certificate of the applicant replaces (免提交; certificates.reuse.Replacement)."""

    @property
    def material_id(self) -> int: ...
    @property
    def material(self) -> str: ...
    @property
    def type_name(self) -> str: ...
    @property
    def identifier(self) -> str: ...


@dataclass(frozen=True)
class MaterialRow:
    """One material as the form shows it: its upload, and, when a certificate replaces it, the box that
    confirms the replacement and the certificate."""

    upload: forms.BoundField
    reuse: forms.BoundField | None
    offered: Offered | None


def text_field(label: str, max_length: int, **kwargs: Any) -> forms.CharField:
    """An optional text field whose length message names it; whether it is needed is the services' rule."""
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        error_messages={"max_length": f"{label}：最多 {max_length} 个字符"},
        **kwargs,
    )


def material_help(material: Material) -> str:
    need = "必要" if material.required else f"非必要：{material.condition or '按需提交'}"
    return f"{need} · {material.get_form_display()} · {material.get_source_display()}"


class ApplicationForm(forms.Form):
    """The applicant and the files. A subclass declares `kind`; `uploads_required` says whether the
    item's 必要 materials must be uploaded (online) or may be shown on paper (at the window)."""

    uploads_required = False
    version: ItemVersion  # the item's guide (None only on a 一件事's form, which lists `materials`)

    name = text_field("申请人", 100)
    id_number = text_field("公民身份号码", 18, help_text="18位，末位可为 X")
    uscc = text_field("统一社会信用代码", 18, help_text="18位，见营业执照或登记证书")
    legal_representative = text_field("法定代表人", 50, help_text="法定代表人或负责人姓名")
    phone = text_field("手机号码", 20, help_text="接收办理进度短信")
    address = text_field("联系地址", 200)

    def __init__(
        self,
        *args: Any,
        version: ItemVersion | None,
        offered: Sequence[Offered] = (),
        materials: Iterable[Material] | None = None,
        **kwargs: Any,
    ) -> None:
        """The form for `version`'s guide; or, without one, for `materials` (a 一件事's single list)."""
        super().__init__(*args, **kwargs)
        self.version = version  # type: ignore[assignment]
        self.offered = {r.material_id: r for r in offered}
        types = list(version.business_types or []) if version is not None else []
        if len(types) > 1:  # with one, that one is the case's (cases.services.intake)
            self.fields["business_type"] = forms.ChoiceField(
                label="业务类型",
                required=False,
                choices=[("", "请选择"), *((t, t) for t in types)],
                widget=forms.Select(attrs={"required": True}),
                error_messages={"invalid_choice": "业务类型：只能从列出的业务类型中选择"},
            )
        self.materials: dict[str, Material] = {}
        if materials is None:
            assert version is not None
            materials = version.materials.all()
        for material in materials:
            field = f"{MATERIAL_PREFIX}{material.pk}"
            self.materials[field] = material
            # A material a certificate may replace is not marked required for the browser: its box decides.
            needed = self.uploads_required and material.required and material.pk not in self.offered
            self.fields[field] = forms.FileField(
                label=material.name,
                required=False,
                help_text=material_help(material),
                widget=forms.ClearableFileInput(
                    attrs={"accept": ACCEPT, **({"required": True} if needed else {})}
                ),
                error_messages={"invalid": f"{material.name}：未收到文件，请重新选择"},
            )
            if material.pk in self.offered:
                self.fields[f"{REUSE_PREFIX}{material.pk}"] = forms.BooleanField(
                    label="已调用电子证照，无需提交", required=False, initial=True
                )

    def material_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.materials]

    def material_rows(self) -> list[MaterialRow]:
        rows = []
        for name, material in self.materials.items():
            reuse = f"{REUSE_PREFIX}{material.pk}"
            offered = self.offered.get(material.pk)
            rows.append(MaterialRow(self[name], self[reuse] if offered else None, offered))
        return rows

    def _confirmed(self, material: Material) -> bool:
        return material.pk in self.offered and bool(self.cleaned_data.get(f"{REUSE_PREFIX}{material.pk}"))

    def replaced(self) -> list[Offered]:
        """The offered replacements the clerk or the applicant confirmed (valid once cleaned)."""
        return [self.offered[m.pk] for m in self.materials.values() if self._confirmed(m)]

    def applicant(self) -> Applicant:
        """The applicant as typed (a field that failed its own check reads as empty); the other kind's
        identity fields are left out."""
        data = self.cleaned_data
        legal = data.get("kind") == ApplicantKind.LEGAL

        def typed(name: str, wanted: bool = True) -> str:
            return str(data.get(name) or "") if wanted else ""

        return Applicant(
            kind=typed("kind"),
            name=typed("name"),
            phone=typed("phone"),
            id_number=typed("id_number", not legal),
            uscc=typed("uscc", legal),
            legal_representative=typed("legal_representative", legal),
            address=typed("address"),
            business_type=typed("business_type"),
        )

    def uploads(self) -> list[uploads.Upload]:
        return [
            uploads.Upload(material=material.name, file=self.cleaned_data[field])
            for field, material in self.materials.items()
            if self.cleaned_data.get(field) and not self._confirmed(material)
        ]

    def check_materials(self) -> None:
        """Each file by its content; the 必要 materials present when uploads are required."""
        for field, material in self.materials.items():
            upload = self.cleaned_data.get(field)
            if self._confirmed(material):
                continue  # 免提交: a live certificate replaces it
            if upload:
                try:
                    uploads.detect(upload)
                except ApplicationError as exc:
                    self.add_error(field, f"{material.name}：{exc.fields['file'][0]}")
            elif self.uploads_required and material.required and field not in self.errors:
                self.add_error(field, f"{material.name}：必要材料，请上传（{uploads.KINDS}）")

    def show(self, exc: ApplicationError) -> None:
        """The services' messages next to the fields they name (a material's next to its upload), unless
        the field already says what is wrong with it."""
        by_material = {material.name: field for field, material in self.materials.items()}
        for name, messages in exc.fields.items():
            field = by_material.get(name, name)
            if field in self.errors:
                continue
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        if not exc.fields:
            self.add_error(None, exc.message)
