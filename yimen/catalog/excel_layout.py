"""The catalogue workbook's layout: its sheets and columns, and an item as those rows (what export writes,
and what import compares to find an unchanged item)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from yimen.catalog import services
from yimen.catalog.models import (
    ItemType,
    Level,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    Scope,
    ServiceItem,
    Theme,
    TimeUnit,
)
from yimen.catalog.services import Guide

ITEM_SHEET, MATERIAL_SHEET = "事项", "材料"
ITEM_HEADERS = [
    "实施编码", "基本编码", "业务办理项编码", "实施机构代码", "事项名称", "事项类型", "行使层级", "服务对象",
    "主题", "业务类型", "设定依据", "申请条件", "法定时限", "法定时限单位", "承诺时限", "承诺时限单位", "收费",
    "办理地点", "办理时间", "咨询电话", "监督投诉电话", "网办深度", "到现场次数", "通办范围", "办理环节", "变更说明",
]  # fmt: skip
MATERIAL_HEADERS = [
    "实施编码", "序号", "材料名称", "材料形式", "份数", "来源渠道", "是否必要", "适用情形", "关联证照类型", "备注",
]  # fmt: skip
# Without these columns a sheet cannot be read at all; the others fall back to the model's defaults.
REQUIRED_HEADERS = {
    ITEM_SHEET: [
        "实施编码",
        "基本编码",
        "实施机构代码",
        "事项名称",
        "事项类型",
        "服务对象",
        "承诺时限",
        "办理环节",
    ],
    MATERIAL_SHEET: ["实施编码", "材料名称"],
}

TEXT_COLUMNS = {
    "事项名称": "name", "申请条件": "conditions", "办理地点": "location", "办理时间": "hours",
    "咨询电话": "consult_phone", "监督投诉电话": "supervise_phone", "变更说明": "change_note",
}  # fmt: skip
CHOICE_COLUMNS: dict[str, tuple[str, type[models.TextChoices], str | None]] = {
    "事项类型": ("item_type", ItemType, None),
    "行使层级": ("level", Level, Level.CITY),
    "法定时限单位": ("legal_unit", TimeUnit, TimeUnit.WORKDAY),
    "承诺时限单位": ("promised_unit", TimeUnit, TimeUnit.WORKDAY),
    "网办深度": ("online_depth", OnlineDepth, OnlineDepth.PRE_REVIEW),
    "通办范围": ("scope", Scope, Scope.NONE),
}
# Where each rule of validation.py points on the 事项 sheet.
FIELD_COLUMNS = (
    {name: column for column, name in TEXT_COLUMNS.items()}
    | {name: column for column, (name, _, _) in CHOICE_COLUMNS.items()}
    | {"for_person": "服务对象", "for_legal": "服务对象", "business_types": "业务类型", "legal_basis": "设定依据",
       "legal_limit": "法定时限", "promised_limit": "承诺时限", "is_free": "收费", "fees": "收费",
       "visits": "到现场次数", "steps": "办理环节"}
)  # fmt: skip
# Fields the layout does not hold: an imported version keeps them from the version it replaces.
CARRIED_FIELDS = ["special_procedures", "online_url", "faq"]


# --- an item as rows: what export writes, and what import compares to find unchanged items ------------

CURRENT_RELATIONS = [
    "current__materials",
    "current__steps",
    "current__fees",
    "current__themes",
    "current__windows",
    "current__joint_organisations",
]


def _number(value: Decimal | None) -> int | float | None:
    return None if value is None else int(value) if value == int(value) else float(value)


def _theme_word(theme: Theme, themes: dict[int, Theme]) -> str:
    shared = sum(1 for t in themes.values() if t.name == theme.name) > 1
    return f"{theme.get_audience_display()}·{theme.name}" if shared else theme.name


def item_values(item: ServiceItem, guide: Guide, themes: dict[int, Theme]) -> dict[str, Any]:
    f = guide.fields
    chosen = sorted((themes[pk] for pk in guide.theme_ids), key=lambda t: (t.audience, t.order))
    values = {
        "实施编码": item.impl_code,
        "基本编码": item.basic_code,
        "业务办理项编码": item.handle_code,
        "实施机构代码": item.organisation.code,
        "服务对象": "、".join(w for w, on in [("个人", f["for_person"]), ("法人", f["for_legal"])] if on),
        "主题": "、".join(_theme_word(t, themes) for t in chosen),
        "业务类型": "、".join(f["business_types"]),
        "设定依据": "\n".join(f"{b.get('law', '')}{b.get('article', '')}" for b in f["legal_basis"]),
        "法定时限": _number(f["legal_limit"]),
        "承诺时限": _number(f["promised_limit"]),
        "收费": "\n".join("|".join(fee[k] for k in services.FEE_FIELDS) for fee in guide.fees) or "不收费",
        "到现场次数": f["visits"],
        "办理环节": "\n".join(
            f"{s['name']}|{Decimal(s['limit']).normalize():f}|{TimeUnit(s['unit']).label}|"
            + ("是" if s["counts_toward_limit"] else "否")
            for s in guide.steps
        ),
    }
    values |= {column: f[name] for column, name in TEXT_COLUMNS.items()}
    values |= {column: str(choices(f[name]).label) for column, (name, choices, _) in CHOICE_COLUMNS.items()}
    return values


def material_rows(impl_code: str, guide: Guide) -> list[list[Any]]:
    return [
        [
            impl_code,
            order,
            m["name"],
            MaterialForm(m["form"]).label,
            m["copies"],
            MaterialSource(m["source"]).label,
            "必要" if m["required"] else "非必要",
            m["condition"],
            m["certificate_type"],
            m["note"],
        ]
        for order, m in enumerate(guide.materials, start=1)
    ]
