"""The catalogue editor's forms: a guide's scalar fields, its three tables, and the parsing of list fields.

Forms only parse what an editor typed into a `services.Guide`; the rules a guide must satisfy live in
`catalog.validation` and come back from the services as `ApplicationError.fields`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import QuerySet

from yimen.catalog.models import (
    BUSINESS_TYPES,
    Audience,
    Fee,
    FormFile,
    ItemVersion,
    Material,
    Step,
    Theme,
    TimeUnit,
)
from yimen.catalog.services import SCALAR_FIELDS, Guide
from yimen.core.errors import ApplicationError
from yimen.org.models import Organisation, Window

# Edited as the model declares them (labels are the verbose names); the list fields are typed as text.
LIST_FIELDS = ["business_types", "legal_basis", "special_procedures", "faq"]
MODEL_FIELDS = [name for name in SCALAR_FIELDS if name not in LIST_FIELDS]
SECTIONS: list[tuple[str, list[str]]] = [
    ("基本信息", ["name", "item_type", "level", "for_person", "for_legal", "themes", "business_types"]),
    ("设定依据与申请条件", ["legal_basis", "conditions"]),
    (
        "办理时限与收费",
        ["legal_limit", "legal_unit", "promised_limit", "promised_unit", "special_procedures", "is_free"],
    ),
    (
        "办理地点与方式",
        [
            "location",
            "hours",
            "windows",
            "consult_phone",
            "supervise_phone",
            "online_depth",
            "online_url",
            "visits",
            "scope",
        ],
    ),
    ("常见问题与变更说明", ["faq", "change_note"]),
]
SEPARATOR = re.compile(r"\s*[｜|]\s*")
UNITS_BY_WORD = {str(label): value for value, label in TimeUnit.choices} | {v: v for v in TimeUnit.values}


def _formfield(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field:
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    formfield = field.formfield(**kwargs)
    assert formfield is not None
    return formfield


def model_fields(model: type[models.Model], names: list[str]) -> dict[str, Any]:
    """Form fields built from the model's own fields: Chinese labels, lengths, choices and defaults."""
    return dict(forms.fields_for_model(model, fields=names, formfield_callback=_formfield))


def _named(label: str, error: ValidationError) -> str:
    if error.code == "required":
        return f"{label}：必填"
    message = str(next(iter(error)))
    return message if message.startswith(label) else f"{label}：{message}"


class NamedErrorsForm(forms.Form):
    """Every message names its field (“承诺时限：必填”), as the services' messages do."""

    def full_clean(self) -> None:
        super().full_clean()
        for name, errors in list(self.errors.as_data().items()):
            if name != NON_FIELD_ERRORS and name in self.fields:
                label = str(self.fields[name].label)
                self.errors[name] = self.error_class([_named(label, e) for e in errors])


# --- list fields typed one entry per line ------------------------------------------------------


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def parse_legal_basis(text: str) -> list[dict[str, str]]:
    """“《中华人民共和国食品安全法》第三十五条” → {law, article}; without 《》 the first word is the law."""
    entries = []
    for _, line in _lines(text):
        law, mark, article = line.rpartition("》")
        if not mark:
            law, article = [*re.split(r"\s+", line, maxsplit=1), ""][:2]
        entries.append({"law": (law + mark).strip(), "article": article.strip()})
    return entries


def parse_faq(text: str) -> list[dict[str, str]]:
    entries = []
    for number, line in _lines(text):
        parts = SEPARATOR.split(line, maxsplit=1)
        if len(parts) != 2 or not all(parts):
            raise ValidationError(f"常见问题第 {number} 行：应为“问题｜回答”")
        entries.append({"q": parts[0], "a": parts[1]})
    return entries


def parse_special_procedures(text: str) -> list[dict[str, str]]:
    """“现场核查｜5｜工作日｜《食品经营许可管理办法》第十四条”; the limit is kept as text to stay exact."""
    entries = []
    for number, line in _lines(text):
        parts = [*SEPARATOR.split(line, maxsplit=3), "", "", ""][:4]
        name, limit, unit, basis = parts
        where = f"特别程序第 {number} 行"
        if limit:
            try:
                value = Decimal(limit)
            except InvalidOperation:
                raise ValidationError(f"{where}：时限“{limit}”不是数字") from None
            if value < 0:
                raise ValidationError(f"{where}：时限不能为负数")
            limit = f"{value.normalize():f}"
        if unit and unit not in UNITS_BY_WORD:
            raise ValidationError(f"{where}：单位应为工作日、自然日或小时")
        entries.append(
            {"name": name, "limit": limit, "unit": UNITS_BY_WORD.get(unit, TimeUnit.WORKDAY), "basis": basis}
        )
    return entries


def _unit_word(unit: str) -> str:
    return str(TimeUnit(unit).label) if unit in TimeUnit.values else unit


def lines_of(version: ItemVersion) -> dict[str, str]:
    """The list fields of a version as the editor types them, one entry per line."""
    basis = [
        f"{b.get('law', '')}{'' if str(b.get('law', '')).endswith('》') else ' '}{b.get('article', '')}".strip()
        for b in version.legal_basis or []
    ]
    procedures = [
        "｜".join(
            [p.get("name", ""), str(p.get("limit", "")), _unit_word(p.get("unit", "")), p.get("basis", "")]
        )
        for p in version.special_procedures or []
    ]
    faq = [f"{e.get('q', '')}｜{e.get('a', '')}" for e in version.faq or []]
    return {
        "legal_basis": "\n".join(basis),
        "special_procedures": "\n".join(procedures),
        "faq": "\n".join(faq),
    }


# --- the guide ------------------------------------------------------------------------------------


def _theme_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    groups: dict[str, list[tuple[int, str]]] = {a: [] for a in Audience.values}
    for theme in Theme.objects.order_by("audience", "order"):
        groups.setdefault(theme.audience, []).append((theme.pk, theme.name))
    return [(str(Audience(a).label), choices) for a, choices in groups.items() if choices]


def _one_per_line(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=help_text
    )


class GuideForm(NamedErrorsForm):
    """The scalar fields of a draft, its themes, windows and business types, and its list fields."""

    sections = SECTIONS

    themes = forms.TypedMultipleChoiceField(
        label="主题", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    business_types = forms.MultipleChoiceField(
        label="业务类型", required=False, widget=forms.CheckboxSelectMultiple
    )
    legal_basis = _one_per_line(
        "设定依据", "每行一条：《法律法规名称》第X条，例如：《中华人民共和国食品安全法》第三十五条"
    )
    special_procedures = _one_per_line(
        "特别程序",
        "每行一项：名称｜时限｜单位｜依据，例如：现场核查｜5｜工作日｜《食品经营许可管理办法》第十四条（单位：工作日、自然日或小时）",
    )
    faq = _one_per_line("常见问题", "每行一条：问题｜回答")
    windows = forms.ModelMultipleChoiceField(
        label="办理窗口", queryset=Window.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, windows: QuerySet[Window], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = model_fields(ItemVersion, MODEL_FIELDS) | self.fields
        themes = self.fields["themes"]
        assert isinstance(themes, forms.TypedMultipleChoiceField)
        themes.choices = _theme_choices()
        business_types = self.fields["business_types"]
        assert isinstance(business_types, forms.MultipleChoiceField)
        known = BUSINESS_TYPES + [
            b for b in self.initial.get("business_types", []) if b not in BUSINESS_TYPES
        ]
        business_types.choices = [(b, b) for b in known]
        window_field = self.fields["windows"]
        assert isinstance(window_field, forms.ModelMultipleChoiceField)
        window_field.queryset = windows.order_by("number")

    def clean_legal_basis(self) -> list[dict[str, str]]:
        return parse_legal_basis(self.cleaned_data["legal_basis"])

    def clean_special_procedures(self) -> list[dict[str, str]]:
        return parse_special_procedures(self.cleaned_data["special_procedures"])

    def clean_faq(self) -> list[dict[str, str]]:
        return parse_faq(self.cleaned_data["faq"])

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.sections]

    def guide(self, tables: GuideTables) -> Guide:
        data = self.cleaned_data
        return Guide(
            fields={name: data[name] for name in SCALAR_FIELDS},
            materials=tables.materials.rows(),
            steps=tables.steps.rows(),
            fees=tables.fees.rows(),
            theme_ids=list(data["themes"]),
            window_ids=[w.pk for w in data["windows"]],
        )


def initial_of(version: ItemVersion) -> dict[str, Any]:
    """What the editor shows for a saved draft."""
    return (
        {name: getattr(version, name) for name in MODEL_FIELDS}
        | {
            "business_types": list(version.business_types or []),
            "themes": [t.pk for t in version.themes.all()],
            "windows": [w.pk for w in version.windows.all()],
        }
        | lines_of(version)
    )


class NewItemForm(GuideForm):
    """A new item: its organisation and codes, then its first draft."""

    sections = [("事项编码", ["organisation", "basic_code", "impl_code", "handle_code"]), *SECTIONS]

    organisation = forms.ModelChoiceField(
        label="实施主体", queryset=Organisation.objects.none(), empty_label=None
    )
    basic_code = forms.CharField(label="基本编码", max_length=50)
    impl_code = forms.CharField(
        label="实施编码", max_length=50, required=False, help_text="留空则按统一规则自动生成"
    )
    handle_code = forms.CharField(label="业务办理项编码", max_length=60, required=False)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.ModelChoiceField)
        organisation.queryset = organisations.order_by("code")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        organisation, windows = data.get("organisation"), data.get("windows")
        if organisation is not None and windows:
            foreign = windows.exclude(organisations=organisation)
            for window in foreign:
                self.add_error("windows", f"办理窗口：{window} 不是{organisation.name}的窗口")
        return data


# --- the three tables -------------------------------------------------------------------------


class RowForm(NamedErrorsForm):
    """One table row. A row with no text is ignored, so clearing a row's text removes the row."""

    model: type[models.Model]
    columns: list[str]
    text_columns: tuple[str, ...]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = model_fields(self.model, self.columns) | self.fields
        for name in self.columns:  # the table's header is the only visible label
            self.fields[name].widget.attrs["aria-label"] = str(self.fields[name].label)

    def has_changed(self) -> bool:
        return any(str(self[name].value() or "").strip() for name in self.text_columns)


MATERIAL_FILES = ["blank_form_id", "sample_id"]


class MaterialRow(RowForm):
    model = Material
    columns = ["name", "form", "copies", "source", "required", "condition", "certificate_type", "note"]
    text_columns = ("name", "condition", "certificate_type", "note")

    # Uploaded forms are attached elsewhere; the editor carries them along so saving keeps them.
    blank_form_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sample_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class StepRow(RowForm):
    model = Step
    columns = ["name", "limit", "unit", "counts_toward_limit", "note"]
    text_columns = ("name", "note")


class FeeRow(RowForm):
    model = Fee
    columns = ["name", "standard", "basis"]
    text_columns = ("name", "standard", "basis")


class RowFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"empty_permitted": True}

    def rows(self) -> list[dict[str, Any]]:
        """The filled rows, in the order they appear on the page."""
        return [form.cleaned_data for form in self.forms if form.has_changed()]

    def headers(self) -> list[str]:
        form = self.empty_form
        return [str(form.fields[name].label) for name in form.columns]

    def clean(self) -> None:
        attached = {row.get(key) for row in self.rows() for key in MATERIAL_FILES if row.get(key)}
        if attached and FormFile.objects.filter(pk__in=attached).count() != len(attached):
            raise ValidationError("附带的表格文件不存在，请重新打开编辑页")


MaterialFormSet = cast(type[RowFormSet], forms.formset_factory(MaterialRow, formset=RowFormSet, extra=3))
StepFormSet = cast(type[RowFormSet], forms.formset_factory(StepRow, formset=RowFormSet, extra=3))
FeeFormSet = cast(type[RowFormSet], forms.formset_factory(FeeRow, formset=RowFormSet, extra=3))

TABLE_TITLES = {"materials": "申请材料", "steps": "办理环节", "fees": "收费项目"}


class GuideTables:
    """申请材料, 办理环节 and 收费项目 as three formsets, with the messages the services give a whole table."""

    def __init__(self, data: Any = None, version: ItemVersion | None = None) -> None:
        def saved(related: str, columns: list[str]) -> list[dict[str, Any]] | None:
            return list(getattr(version, related).values(*columns)) if version is not None else None

        self.materials = MaterialFormSet(
            data, prefix="materials", initial=saved("materials", [*MaterialRow.columns, *MATERIAL_FILES])
        )
        self.steps = StepFormSet(data, prefix="steps", initial=saved("steps", StepRow.columns))
        self.fees = FeeFormSet(data, prefix="fees", initial=saved("fees", FeeRow.columns))
        self.messages: dict[str, list[str]] = {name: [] for name in TABLE_TITLES}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for name, title in TABLE_TITLES.items():
            yield {
                "name": name,
                "title": title,
                "formset": getattr(self, name),
                "messages": self.messages[name],
            }

    def is_valid(self) -> bool:
        return all([self.materials.is_valid(), self.steps.is_valid(), self.fees.is_valid()])


def show_service_errors(exc: ApplicationError, form: forms.Form, tables: GuideTables) -> None:
    """Put the services' messages where the editor will look: on the field, above the table, or on top."""
    for name, messages in exc.fields.items():
        for message in messages:
            if name in tables.messages:
                tables.messages[name].append(message)
            elif name in form.fields:
                form.add_error(name, message)
            else:
                form.add_error(None, message)
    if not exc.fields:
        form.add_error(None, exc.message)
