"""The catalogue over HTTP: /api/v1/items, /api/v1/items/{code}, /api/v1/items/{code}/versions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from yimen.catalog import queries
from yimen.catalog.limits import format_limit
from yimen.catalog.models import ItemType, Level, ServiceItem
from yimen.catalog.results import ItemRow
from yimen.core import pages
from yimen.core.validation import label_fields

router = Router(tags=["事项目录"])
label_fields(
    prefix="/api/v1/items",
    organisation="实施机构",
    type="事项类型",
    theme="主题",
    level="行使层级",
    q="关键词",
    page="页码",
    page_size="每页条数",
)


class ItemQuery(Schema):
    organisation: str = Field("", description="实施机构代码")
    type: ItemType | None = Field(None, description="事项类型代码，如 01 行政许可")
    theme: str = Field("", description="主题代码")
    level: Level | None = Field(None, description="行使层级")
    q: str = Field("", max_length=50, description="关键词（中文分词检索）")
    page: int = Field(1, ge=1, le=10000)
    page_size: int = Field(20, ge=1, le=100)


class ItemSummary(Schema):
    impl_code: str
    basic_code: str
    name: str
    type: str
    type_label: str
    organisation: str
    organisation_code: str
    level: str
    immediate: bool
    promised: str
    version: int
    url: str


class ItemPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ItemSummary]


class MaterialOut(Schema):
    name: str
    form: str
    copies: int
    source: str
    required: bool
    condition: str
    certificate_type: str
    blank_form_url: str | None
    sample_url: str | None


class ItemStepOut(Schema):
    name: str
    limit: Decimal
    unit: str
    counts_toward_limit: bool


class ItemFeeOut(Schema):
    name: str
    standard: str
    basis: str


class ItemDetail(ItemSummary):
    handle_code: str
    for_person: bool
    for_legal: bool
    themes: list[str]
    business_types: list[str]
    legal_basis: list[dict[str, str]]
    conditions: str
    legal_limit: Decimal | None
    legal_unit: str
    promised_limit: Decimal
    promised_unit: str
    legal: str
    is_free: bool
    fees: list[ItemFeeOut]
    materials: list[MaterialOut]
    steps: list[ItemStepOut]
    location: str
    hours: str
    windows: list[str]
    consult_phone: str
    supervise_phone: str
    online_depth: str
    visits: int
    scope: str
    faq: list[dict[str, str]]
    published_at: datetime | None
    retired: bool


class VersionOut(Schema):
    version: int
    name: str
    published_at: datetime | None
    change_note: str
    promised: str
    steps: int
    materials: int
    visits: int
    current: bool


def _summary(row: ItemRow) -> dict[str, object]:
    return {
        "impl_code": row.impl_code,
        "basic_code": row.basic_code,
        "name": row.name,
        "type": row.item_type,
        "type_label": row.type_label,
        "organisation": row.organisation_name,
        "organisation_code": row.organisation_code,
        "level": row.level_label,
        "immediate": row.is_immediate,
        "promised": format_limit(row.promised_limit, row.promised_unit),
        "version": row.version,
        "url": pages.path("item.guide", row.impl_code),
    }


def _file_url(file_id: int | None) -> str | None:
    return pages.path("item.form_file", file_id) if file_id else None


@router.get("", response=ItemPage, summary="事项列表（可按机构、类型、主题、层级、关键词筛选）")
def list_items(request: HttpRequest, f: Query[ItemQuery]) -> dict[str, object]:
    items = queries.public_items(
        queries.ItemFilter(
            organisation=f.organisation, item_type=f.type or "", theme=f.theme, level=f.level or "", q=f.q
        )
    )
    start = (f.page - 1) * f.page_size
    rows = items[start : start + f.page_size]
    return {
        "count": items.count(),
        "page": f.page,
        "page_size": f.page_size,
        "items": [_summary(row) for row in rows],
    }


def _item(code: str) -> ServiceItem:
    item = queries.item_by_code(code)
    if item is None or item.current is None:
        raise HttpError(404, f"没有实施编码为 {code} 的事项")
    return item


@router.get("/{code}", response=ItemDetail, summary="事项现行版本的完整办事指南")
def item_detail(request: HttpRequest, code: str) -> dict[str, object]:
    item = _item(code)
    assert item.current is not None
    version = queries.guide(item.current)
    return _summary(ItemRow.of(item, version)) | {
        "handle_code": item.handle_code,
        "for_person": version.for_person,
        "for_legal": version.for_legal,
        "themes": [t.name for t in version.themes.all()],
        "business_types": version.business_types,
        "legal_basis": version.legal_basis,
        "conditions": version.conditions,
        "legal_limit": version.legal_limit,
        "legal_unit": version.legal_unit,
        "promised_limit": version.promised_limit,
        "promised_unit": version.promised_unit,
        "legal": format_limit(version.legal_limit, version.legal_unit),
        "is_free": version.is_free,
        "fees": [{"name": f.name, "standard": f.standard, "basis": f.basis} for f in version.fees.all()],
        "materials": [
            {
                "name": m.name,
                "form": m.get_form_display(),
                "copies": m.copies,
                "source": m.get_source_display(),
                "required": m.required,
                "condition": m.condition,
                "certificate_type": m.certificate_type,
                "blank_form_url": _file_url(m.blank_form_id),
                "sample_url": _file_url(m.sample_id),
            }
            for m in version.materials.all()
        ],
        "steps": [
            {"name": s.name, "limit": s.limit, "unit": s.unit, "counts_toward_limit": s.counts_toward_limit}
            for s in version.steps.all()
        ],
        "location": version.location,
        "hours": version.hours,
        "windows": [f"{w.number} {w.name}" for w in version.windows.all()],
        "consult_phone": version.consult_phone,
        "supervise_phone": version.supervise_phone,
        "online_depth": version.get_online_depth_display(),
        "visits": version.visits,
        "scope": version.get_scope_display(),
        "faq": version.faq,
        "published_at": version.published_at,
        "retired": item.retired_at is not None,
    }


@router.get("/{code}/versions", response=list[VersionOut], summary="事项的历次发布版本（变更记录）")
def item_versions(request: HttpRequest, code: str) -> list[dict[str, object]]:
    item = _item(code)
    return [
        {
            "version": v.number,
            "name": v.name,
            "published_at": v.published_at,
            "change_note": v.change_note,
            "promised": format_limit(v.promised_limit, v.promised_unit),
            "steps": v.step_count,
            "materials": v.material_count,
            "visits": v.visits,
            "current": v.pk == item.current_id,
        }
        for v in queries.history(item)
    ]
