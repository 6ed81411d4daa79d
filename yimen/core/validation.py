"""Turn pydantic's validation errors into Chinese messages that name the field and the rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Field names as users know them; routers add theirs with `label_fields`, scoped to their URL prefix
# where the same field name means different things in different APIs ("kind", "code" …).
FIELD_LABELS: dict[str, str] = {}
SCOPED_LABELS: dict[str, dict[str, str]] = {}


def label_fields(*, prefix: str = "", **labels: str) -> None:
    (SCOPED_LABELS.setdefault(prefix, {}) if prefix else FIELD_LABELS).update(labels)


def _labels_for(path: str) -> dict[str, str]:
    labels = dict(FIELD_LABELS)
    for prefix in sorted(p for p in SCOPED_LABELS if path.startswith(p)):
        labels.update(SCOPED_LABELS[prefix])
    return labels


def _rule(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "为必填项"
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type", "date_from_datetime_inexact"}:
        return "不是有效日期（格式 YYYY-MM-DD）"
    if kind in {"datetime_parsing", "datetime_type", "datetime_from_date_parsing"}:
        return "不是有效时间（格式 YYYY-MM-DDTHH:MM）"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "必须是整数"
    if kind in {"float_parsing", "float_type", "decimal_parsing"}:
        return "必须是数字"
    if kind == "bool_parsing":
        return "必须是 true 或 false"
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "greater_than":
        return f"必须大于 {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind == "less_than":
        return f"必须小于 {ctx.get('lt')}"
    if kind == "string_too_short":
        return f"至少 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"最多 {ctx.get('max_length')} 个字符"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind in {"enum", "literal_error"}:
        return f"只能是 {ctx.get('expected', '规定的取值')}"
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", "取值不正确")).removeprefix("Value error, ")
    return "取值不正确"


def chinese_errors(errors: Iterable[dict[str, Any]], path: str = "") -> dict[str, list[str]]:
    """{field: [Chinese message, …]} from pydantic/ninja error dicts (loc like ["query", "days"])."""
    fields: dict[str, list[str]] = {}
    labels = _labels_for(path)
    for error in errors:
        loc = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("query", "body", "path", "form", "payload")
        ]
        name = ".".join(loc) or "request"
        label = labels.get(loc[-1] if loc else name, loc[-1] if loc else "请求")
        fields.setdefault(name, []).append(f"{label}{_rule(error)}")
    return fields
