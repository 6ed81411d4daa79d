"""The catalogue's cast: 吴编辑 edits the market bureau's items, 郑法制 does 法制审核, 冯审改 审改审核."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import Cast, make_staff
from yimen.catalog import services
from yimen.catalog.models import ItemType, ItemVersion, Theme
from yimen.org.models import Role, Staff


@dataclass
class CatalogCast:
    base: Cast
    editor: Staff
    legal: Staff
    reform: Staff


@pytest.fixture
def people(cast: Cast) -> CatalogCast:
    return make_people(cast)


def make_people(cast: Cast) -> CatalogCast:
    return CatalogCast(
        base=cast,
        editor=make_staff("editor", "吴编辑", cast.market, (Role.ITEM_EDITOR, cast.market)),
        legal=make_staff("legal", "郑法制", cast.government, (Role.LEGAL_REVIEWER, cast.government)),
        reform=make_staff("reform", "冯审改", cast.government, (Role.REFORM_REVIEWER, cast.government)),
    )


def make_guide(**fields: Any) -> services.Guide:
    """A valid guide for a 行政许可 item; keyword arguments override fields, materials, steps or fees."""
    materials = fields.pop("materials", None)
    steps = fields.pop("steps", None)
    fees = fields.pop("fees", [])
    themes = fields.pop("themes", ["l01"])
    window_ids = fields.pop("window_ids", [])
    joint_ids = fields.pop("joint_ids", [])
    base = {
        "name": "食品经营许可证核发",
        "item_type": ItemType.LICENSING,
        "level": "city",
        "for_person": True,
        "for_legal": True,
        "business_types": ["初次申领"],
        "legal_basis": [{"law": "《中华人民共和国食品安全法》", "article": "第三十五条"}],
        "conditions": "有与经营的食品品种、数量相适应的经营场所。",
        "legal_limit": Decimal(20),
        "legal_unit": "workday",
        "promised_limit": Decimal(10),
        "promised_unit": "workday",
        "is_free": True,
        "location": "市民之家二楼 B 区",
        "hours": "工作日 8:30–17:30",
        "consult_phone": "0715-8212345",
        "supervise_phone": "0715-12345",
        "online_depth": "3",
        "visits": 1,
        "scope": "city",
        "faq": [{"q": "需要现场核查吗？", "a": "新办需要现场核查。"}],
    }
    base.update(fields)
    return services.Guide(
        fields=base,
        materials=materials
        if materials is not None
        else [
            {
                "name": "食品经营许可申请书",
                "form": "original",
                "copies": 1,
                "source": "applicant",
                "required": True,
            },
            {
                "name": "营业执照",
                "form": "electronic",
                "copies": 1,
                "source": "certificate",
                "required": True,
                "certificate_type": "营业执照",
            },
            {
                "name": "委托书",
                "form": "original",
                "copies": 1,
                "source": "applicant",
                "required": False,
                "condition": "委托他人办理时",
            },
        ],
        steps=steps
        if steps is not None
        else [
            {"name": "受理", "limit": Decimal(0), "unit": "workday", "counts_toward_limit": True},
            {"name": "审查", "limit": Decimal(7), "unit": "workday", "counts_toward_limit": True},
            {"name": "现场核查", "limit": Decimal(5), "unit": "workday", "counts_toward_limit": False},
            {"name": "决定", "limit": Decimal(3), "unit": "workday", "counts_toward_limit": True},
        ],
        fees=fees,
        theme_ids=list(Theme.objects.filter(code__in=themes).values_list("id", flat=True)),
        window_ids=window_ids,
        joint_ids=joint_ids,
    )


def published(people: CatalogCast, **fields: Any) -> ItemVersion:
    """An item taken through the whole workflow by the right people."""
    draft = services.create_item(
        organisation=people.base.market,
        basic_code=fields.pop("basic_code", "XK-00001"),
        guide=make_guide(**fields),
        by=people.editor,
    )
    services.submit(version=draft, by=people.editor)
    services.legal_approve(version=draft, by=people.legal)
    return services.reform_approve(version=draft, by=people.reform)
