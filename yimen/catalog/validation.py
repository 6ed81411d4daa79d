"""The rules a guide must satisfy before it can be saved or published, each with a Chinese message."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from yimen.catalog.limits import workday_equivalent
from yimen.catalog.models import ItemType, ItemVersion, OnlineDepth, TimeUnit

POWER_TYPES = {t for t in ItemType.values if t != ItemType.PUBLIC_SERVICE}


def validate_version(
    version: ItemVersion,
    materials: list[dict[str, Any]],
    steps: list[dict[str, Any]],
    fees: list[dict[str, Any]],
) -> dict[str, list[str]]:
    """{field: [messages]}; empty when the version may be saved."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not (version.name or "").strip():
        add("name", "事项名称：必填")
    if version.item_type not in ItemType.values:
        add("item_type", "事项类型：取值不在目录中")
    if not (version.for_person or version.for_legal):
        add("for_person", "服务对象：至少选择个人或法人之一")
    if version.promised_limit is None or version.promised_limit < 0:
        add("promised_limit", "承诺时限：必填，且不能为负数（即办件填 0）")
    elif version.promised_unit == TimeUnit.HOUR and version.promised_limit != int(version.promised_limit):
        add("promised_limit", "承诺时限：以小时计时应为整数")
    if version.legal_limit is not None:
        if version.legal_limit < 0:
            add("legal_limit", "法定时限：不能为负数")
        elif (
            version.promised_limit is not None
            and version.promised_limit >= 0
            and workday_equivalent(version.promised_limit, version.promised_unit)
            > workday_equivalent(version.legal_limit, version.legal_unit)
        ):
            add("promised_limit", "承诺时限：不能超过法定时限")
    if version.item_type in POWER_TYPES and not any(
        (b or {}).get("law", "").strip() for b in version.legal_basis or []
    ):
        add("legal_basis", "设定依据：行政权力事项必须写明法律法规名称及条款")
    for i, basis in enumerate(version.legal_basis or [], start=1):
        if not (basis or {}).get("law", "").strip():
            add("legal_basis", f"设定依据第 {i} 条：缺少法律法规名称")
    if version.is_free and fees:
        add("is_free", "收费：已选“不收费”，不能再列收费项目")
    if not version.is_free:
        if not fees:
            add("fees", "收费：收费事项必须列出收费项目、标准和依据")
        for i, fee in enumerate(fees, start=1):
            if not str(fee.get("basis", "")).strip():
                add("fees", f"收费第 {i} 项：收费必须写明依据")
            if not str(fee.get("standard", "")).strip():
                add("fees", f"收费第 {i} 项：缺少收费标准")
    if version.online_depth == OnlineDepth.FULL and version.visits:
        add("visits", "到现场次数：全程网办事项应为 0 次")
    for i, material in enumerate(materials, start=1):
        if not str(material.get("name", "")).strip():
            add("materials", f"申请材料第 {i} 行：缺少材料名称")
        if not material.get("required", True) and not str(material.get("condition", "")).strip():
            add("materials", f"申请材料第 {i} 行：非必要材料须写明适用情形")
        if int(material.get("copies") or 0) < 1:
            add("materials", f"申请材料第 {i} 行：份数至少为 1")
    if not steps:
        add("steps", "办理环节：至少一个环节")
    for i, step in enumerate(steps, start=1):
        if not str(step.get("name", "")).strip():
            add("steps", f"办理环节第 {i} 行：缺少环节名称")
        if Decimal(str(step.get("limit") or 0)) < 0:
            add("steps", f"办理环节第 {i} 行：时限不能为负数")
    for i, procedure in enumerate(version.special_procedures or [], start=1):
        if not (procedure or {}).get("name", "").strip():
            add("special_procedures", f"特别程序第 {i} 项：缺少名称")
    for i, entry in enumerate(version.faq or [], start=1):
        if not ((entry or {}).get("q", "").strip() and (entry or {}).get("a", "").strip()):
            add("faq", f"常见问题第 {i} 条：问题和回答都要填写")
    return errors
