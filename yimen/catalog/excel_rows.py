"""Reading the catalogue workbook: every cell checked, every row turned into a Guide or RowErrors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from yimen.catalog import services
from yimen.catalog.excel_layout import (
    CARRIED_FIELDS,
    CHOICE_COLUMNS,
    CURRENT_RELATIONS,
    FIELD_COLUMNS,
    ITEM_SHEET,
    MATERIAL_HEADERS,
    MATERIAL_SHEET,
    REQUIRED_HEADERS,
    TEXT_COLUMNS,
    item_values,
    material_rows,
)
from yimen.catalog.models import (
    BUSINESS_TYPES,
    Fee,
    ItemVersion,
    Material,
    MaterialForm,
    MaterialSource,
    ServiceItem,
    Step,
    Theme,
    TimeUnit,
)
from yimen.catalog.services import Guide
from yimen.catalog.validation import validate_version
from yimen.core.spreadsheet import (
    Cells,
    RowError,
    cell_text,
    choice_keys,
    lines,
    read_rows,
    split_words,
    too_long,
)
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can

OPEN_REVISION = "该事项有未发布的修订版本，请先完成或退回后再导入"
RETIRED = "该事项已废止，不能再导入"


def _decimal(text: str) -> Decimal | None:
    """A time limit: a number with at most one decimal place; 即办 is 0 and 半天 is 0.5."""
    if not text:
        return None
    text = {"即办": "0", "半天": "0.5"}.get(text, text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{text}”不是数字") from None
    if not number.is_finite() or abs(number) >= 100000:
        raise ValueError(f"“{text}”超出范围")
    if number != number.quantize(Decimal("0.1")):
        raise ValueError("最多保留一位小数（半天填 0.5）")
    return number


class _Cells(Cells):
    """A catalogue row: cells as `Cells` reads them, and time limits with half days."""

    def decimal(self, column: str) -> Decimal | None:
        try:
            return _decimal(self[column])
        except ValueError as exc:
            self.error(column, f"{column}{exc}")
            return None


# --- one item, one material -------------------------------------------------------------------------


@dataclass
class ParsedItem:
    row: int
    impl_code: str
    basic_code: str
    handle_code: str
    organisation: Organisation | None
    guide: Guide
    errors: list[RowError]
    material_rows: list[int] = field(default_factory=list)
    existing: ServiceItem | None = None
    unchanged: bool = False


@dataclass
class _Context:
    by: Staff | None
    organisations: dict[str, Organisation]
    themes: list[Theme]
    existing: dict[str, ServiceItem]
    open_ids: set[int]


def _themes(cells: _Cells, for_person: bool, for_legal: bool, themes: list[Theme]) -> list[int]:
    """主题 by name; a name both audiences use (社会保障) is taken for the item's audience, or “个人·社会保障”."""
    ids = []
    for word in split_words(cells["主题"]):
        audience, dot, name = word.rpartition("·")
        matches = [t for t in themes if t.name == name and (not dot or t.get_audience_display() == audience)]
        served = [
            t
            for t in matches
            if (t.audience == "person" and for_person) or (t.audience == "legal" and for_legal)
        ]
        matches = served if len(matches) > 1 and served else matches
        if len(matches) == 1:
            ids.append(matches[0].pk)
        elif not matches:
            cells.error("主题", f"主题“{word}”不存在")
        else:
            cells.error("主题", f"主题“{name}”个人和法人都有，请写作“个人·{name}”或“法人·{name}”")
    return ids


def _basis(line: str) -> dict[str, str]:
    law, bracket, article = line.rpartition("》")
    if bracket:
        return {"law": law + bracket, "article": article.strip()}
    found = re.fullmatch(r"(.+?)(第\S+条.*)", line)
    return {"law": found[1], "article": found[2]} if found else {"law": line, "article": ""}


def _fees(cells: _Cells) -> tuple[bool, list[dict[str, Any]]]:
    text = cells["收费"]
    if text in ("", "不收费", "免费"):
        return True, []
    fees = []
    for i, line in enumerate(lines(text), start=1):
        parts = [part.strip() for part in re.split(r"[|｜]", line)]
        fee = dict(zip(services.FEE_FIELDS, [*parts, "", ""][:3], strict=True))
        problems = too_long(Fee, fee) if len(parts) == 3 else ["应写作“项目|标准|依据”，或整格填“不收费”"]
        for problem in problems:
            cells.error("收费", f"收费第 {i} 行：{problem}")
        fees.append(fee)
    return False, fees


def _steps(cells: _Cells) -> list[dict[str, Any]]:
    steps, units = [], choice_keys(TimeUnit)
    for i, line in enumerate(lines(cells["办理环节"]), start=1):
        parts = [part.strip() for part in re.split(r"[|｜]", line)]
        name, limit, unit, counts = [*parts, "", "", ""][:4]
        problems = [] if len(parts) <= 4 else ["应写作“环节名称|时限|单位|是否计时”"]
        try:
            value = _decimal(limit) or Decimal(0)
        except ValueError as exc:
            value, problems = Decimal(0), [*problems, f"时限{exc}"]
        if unit and unit.lower() not in units:
            problems.append(f"单位“{unit}”应为工作日、自然日或小时")
        if counts not in ("", "是", "否"):
            problems.append("是否计时应填“是”或“否”")
        problems += too_long(Step, {"name": name})
        for problem in problems:
            cells.error("办理环节", f"办理环节第 {i} 行：{problem}")
        steps.append(
            {"name": name, "limit": value, "unit": units.get(unit.lower(), TimeUnit.WORKDAY),
             "counts_toward_limit": counts != "否", "note": ""}
        )  # fmt: skip
    return steps


def _parse_item(cells: _Cells, ctx: _Context) -> ParsedItem:
    org_code = cells["实施机构代码"]
    organisation = ctx.organisations.get(org_code)
    if not org_code:
        cells.error("实施机构代码", "实施机构代码必填")
    elif organisation is None:
        cells.error("实施机构代码", f"实施机构代码“{org_code}”不存在，请先登记该机构")
    elif ctx.by is not None and not can(ctx.by, "item.edit", organisation):
        cells.error("实施机构代码", f"您没有维护“{organisation.name}”事项的权限")
    fields: dict[str, Any] = {
        name: cells.text(column, ItemVersion, name) for column, name in TEXT_COLUMNS.items()
    }
    fields |= {name: cells.choice(column, choices, default) for column, (name, choices, default) in CHOICE_COLUMNS.items()}  # fmt: skip
    audiences = split_words(cells["服务对象"])
    if set(audiences) - {"个人", "法人"}:
        cells.error("服务对象", f"服务对象“{cells['服务对象']}”应为个人、法人或“个人、法人”")
    fields["for_person"], fields["for_legal"] = "个人" in audiences, "法人" in audiences
    fields["business_types"] = split_words(cells["业务类型"])
    for word in fields["business_types"]:
        if word not in BUSINESS_TYPES:
            cells.error("业务类型", f"业务类型“{word}”不在目录中，可选：{'、'.join(BUSINESS_TYPES)}")
    fields["legal_basis"] = [_basis(line) for line in lines(cells["设定依据"], r"[\r\n；;]+")]
    fields["legal_limit"], fields["promised_limit"] = cells.decimal("法定时限"), cells.decimal("承诺时限")
    fields["visits"] = cells.integer("到现场次数", default=1)
    fields["is_free"], fees = _fees(cells)
    guide = Guide(fields=fields, steps=_steps(cells), fees=fees)
    guide.theme_ids = _themes(cells, fields["for_person"], fields["for_legal"], ctx.themes)
    return ParsedItem(
        row=cells.row,
        impl_code=cells.text("实施编码", ServiceItem, "impl_code", required=True),
        basic_code=cells.text("基本编码", ServiceItem, "basic_code", required=True),
        handle_code=cells.text("业务办理项编码", ServiceItem, "handle_code"),
        organisation=organisation,
        guide=guide,
        errors=cells.errors,
    )


def _parse_material(cells: _Cells) -> dict[str, Any]:
    return {
        "name": cells.text("材料名称", Material, "name"),
        "form": cells.choice("材料形式", MaterialForm, MaterialForm.ORIGINAL),
        "copies": cells.integer("份数", default=1),
        "source": cells.choice("来源渠道", MaterialSource, MaterialSource.APPLICANT),
        "required": cells.flag("是否必要", {"必要": True, "非必要": False, "是": True, "否": False}, True),
        "condition": cells.text("适用情形", Material, "condition"),
        "certificate_type": cells.text("关联证照类型", Material, "certificate_type"),
        "note": cells.text("备注", Material, "note"),
    }


# --- the checks that need the whole file or the database ------------------------------------------


def _rows(workbook: Any, sheet: str, errors: list[RowError]) -> list[tuple[int, dict[str, Any]]]:
    return read_rows(workbook, sheet, REQUIRED_HEADERS[sheet], errors)


def _locate(item: ParsedItem, name: str, message: str) -> RowError:
    """Point a message of validate_version at its cell: materials at their row on the 材料 sheet."""
    found = re.fullmatch(r"申请材料第 (\d+) 行：(.+)", message)
    if name == "materials" and found and int(found[1]) <= len(item.material_rows):
        column = next((c for c in MATERIAL_HEADERS if c in found[2]), "材料名称")
        return RowError(MATERIAL_SHEET, item.material_rows[int(found[1]) - 1], column, found[2])
    column = FIELD_COLUMNS.get(name, "事项名称")
    label, colon, rest = message.partition("：")
    if colon and label == column:  # “承诺时限：不能超过法定时限” reads “承诺时限不能超过法定时限”
        message = rest if rest.startswith(label) else label + rest
    return RowError(ITEM_SHEET, item.row, column, message)


def _check_rules(item: ParsedItem) -> None:
    """The catalogue's own rules, as create_item applies them; a cell already at fault is not reported twice."""
    version = ItemVersion()
    services.apply_guide(version, item.guide)
    guide = item.guide
    taken = {(e.sheet, e.row, e.column) for e in item.errors}
    for name, messages in validate_version(version, guide.materials, guide.steps, guide.fees).items():
        for message in messages:
            error = _locate(item, name, message)
            if (error.sheet, error.row, error.column) not in taken:
                item.errors.append(error)


def _check_existing(item: ParsedItem, ctx: _Context) -> None:
    """An 实施编码 already in the catalogue: the same item, not retired, and free of an open revision."""
    existing = item.existing = ctx.existing.get(item.impl_code)
    if existing is None:
        return
    cells = _Cells(ITEM_SHEET, item.row, {}, item.errors)
    if item.organisation is not None and existing.organisation_id != item.organisation.pk:
        cells.error(
            "实施机构代码",
            f"实施编码 {item.impl_code} 属于“{existing.organisation.name}”的事项，不能改由其他机构实施",
        )
    for column, ours, theirs in [
        ("基本编码", item.basic_code, existing.basic_code),
        ("业务办理项编码", item.handle_code, existing.handle_code),
    ]:
        if ours != theirs:
            cells.error(column, f"{column}与系统中的同一事项不一致（系统中为“{theirs}”）")
    if existing.retired_at is not None:
        cells.error("实施编码", RETIRED)
    if existing.current is not None:
        current = services.guide_of(existing.current)
        item.guide.fields |= {name: current.fields[name] for name in CARRIED_FIELDS}
        item.guide.window_ids = current.window_ids
        forms = {m["name"]: m for m in current.materials}
        for material in item.guide.materials:
            kept = forms.get(material["name"], {})
            material |= {"blank_form_id": kept.get("blank_form_id"), "sample_id": kept.get("sample_id")}
        notes = {s["name"]: s["note"] for s in current.steps}
        for step in item.guide.steps:
            step["note"] = notes.get(step["name"], "")
        if not item.errors:
            item.unchanged = _same(item, current, existing, ctx.themes)
    if not item.unchanged and existing.pk in ctx.open_ids:
        cells.error("实施编码", OPEN_REVISION)


def _same(item: ParsedItem, current: Guide, existing: ServiceItem, themes: list[Theme]) -> bool:
    theme_map = {t.pk: t for t in themes}
    ours = item_values(existing, item.guide, theme_map)
    theirs = item_values(existing, current, theme_map)
    ours.pop("变更说明"), theirs.pop("变更说明")
    return ours == theirs and material_rows(existing.impl_code, item.guide) == material_rows(
        existing.impl_code, current
    )


def parse_workbook(workbook: Any, by: Staff | None) -> tuple[list[ParsedItem], list[RowError]]:
    stray: list[RowError] = []  # errors of rows that belong to no item
    item_rows, material_rows = _rows(workbook, ITEM_SHEET, stray), _rows(workbook, MATERIAL_SHEET, stray)
    if not item_rows and not stray:
        stray.append(RowError(ITEM_SHEET, 2, "", "事项表没有数据（第 1 行为表头，从第 2 行起每行一个事项）"))
    codes = [cell_text(values.get("实施编码")) for _, values in item_rows]
    existing = ServiceItem.objects.filter(impl_code__in=codes).select_related("organisation", "current")
    ctx = _Context(
        by=by,
        organisations={o.code: o for o in Organisation.objects.all()},
        themes=list(Theme.objects.all()),
        existing={i.impl_code: i for i in existing.prefetch_related(*CURRENT_RELATIONS)},
        open_ids=set(
            ItemVersion.objects.filter(item__impl_code__in=codes, state__in=services.OPEN_STATES).values_list(
                "item_id", flat=True
            )
        ),
    )
    items: dict[str, ParsedItem] = {}
    for number, values in item_rows:
        item = _parse_item(_Cells(ITEM_SHEET, number, values, []), ctx)
        if item.impl_code in items:
            item.errors.append(
                RowError(ITEM_SHEET, number, "实施编码", f"实施编码与第 {items[item.impl_code].row} 行重复")
            )
            stray.extend(item.errors)
        elif item.impl_code:
            items[item.impl_code] = item
        else:
            stray.extend(item.errors)
    materials: dict[str, list[tuple[int, int, dict[str, Any]]]] = {}
    for number, values in material_rows:
        code = cell_text(values.get("实施编码"))
        owner = items.get(code)
        cells = _Cells(MATERIAL_SHEET, number, values, owner.errors if owner else stray)
        if owner is None:
            cells.error("实施编码", f"实施编码“{code}”在事项表中没有" if code else "实施编码必填")
        material = _parse_material(cells)
        materials.setdefault(code, []).append((cells.integer("序号", default=32767), number, material))
    for code, item in items.items():
        ordered = sorted(materials.get(code, []), key=lambda entry: entry[:2])
        item.guide.materials = [material for _, _, material in ordered]
        item.material_rows = [number for _, number, _ in ordered]
        _check_existing(item, ctx)
        _check_rules(item)
    return list(items.values()), stray
