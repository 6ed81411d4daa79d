"""一件事 fixtures shared by the certificates', office's and portal's tests: 开办餐饮店 of three items of two
organisations — 企业设立登记 (market, issues a 营业执照), 公章刻制备案 (police, no certificate) side by side,
and 食品经营许可证核发 (market, issues a 食品经营许可证) after the registration — a 综合窗口 clerk, and
the police's own reviewer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests.catalog.conftest import make_guide
from tests.conftest import make_staff
from yimen.catalog import services as catalog
from yimen.catalog.models import ServiceItem
from yimen.certificates import combined
from yimen.certificates.models import CertificateType, CombinedService, NumberRule
from yimen.org.models import Organisation, Role, Staff, Window

LICENCE_TYPE = "11100000000013334W032"  # 营业执照's type code in these tests


def material(name: str, *, required: bool = True, source: str = "applicant") -> dict[str, Any]:
    row = {"name": name, "form": "original", "copies": 1, "source": source, "required": required}
    if source == "certificate":  # the certificate that may replace it (免提交)
        row |= {"form": "electronic", "certificate_type": name}
    return row


SHARED_ID = "法定代表人身份证明"
SHARED_LICENCE = "营业执照"


def make_item(
    people: Any,
    organisation: Organisation,
    editor: Staff,
    *,
    name: str,
    code: str,
    days: int,
    materials: list,
) -> ServiceItem:
    draft = catalog.create_item(
        organisation=organisation,
        basic_code=code,
        guide=make_guide(
            name=name,
            promised_limit=Decimal(days),
            legal_limit=Decimal(days),
            for_person=False,
            for_legal=True,
            materials=materials,
        ),
        by=editor,
    )
    catalog.submit(version=draft, by=editor)
    catalog.legal_approve(version=draft, by=people.legal)
    catalog.reform_approve(version=draft, by=people.reform)
    return ServiceItem.objects.select_related("current").get(pk=draft.item_id)


@dataclass
class World:
    people: Any
    registration: ServiceItem
    seal: ServiceItem
    licence: ServiceItem
    front: Staff  # 陈综窗 of the 综合窗口
    police_reviewer: Staff
    service: CombinedService  # 开办餐饮店, published

    @property
    def cast(self) -> Any:
        return self.people.base


def definition(world_or_items: Any, **changes: Any) -> combined.Definition:
    registration, seal, licence = world_or_items
    fields: dict[str, Any] = {
        "code": "KBCYD",
        "name": "开办餐饮店",
        "description": "企业设立、公章刻制、食品经营许可一次申请、并联审批。",
        "organisation": registration.organisation,
        "applicant_kind": "legal",
        "parts": [
            combined.PartSpec(registration.pk),
            combined.PartSpec(seal.pk),
            combined.PartSpec(licence.pk, after_item_id=registration.pk),
        ],
    }
    fields.update(changes)
    return combined.Definition(**fields)


@pytest.fixture
def combined_items(people) -> tuple[ServiceItem, ServiceItem, ServiceItem]:
    cast = people.base
    police_editor = make_staff("police_editor", "黄编辑", cast.police, (Role.ITEM_EDITOR, cast.police))
    registration = make_item(
        people,
        cast.market,
        people.editor,
        name="企业设立登记（多证合一）",
        code="DJ-1",
        days=3,
        materials=[material("公司登记（备案）申请书"), material(SHARED_ID), material("公司章程")],
    )
    seal = make_item(
        people,
        cast.police,
        police_editor,
        name="公章刻制备案",
        code="GZ-1",
        days=1,
        materials=[material(SHARED_LICENCE, source="certificate"), material(SHARED_ID)],
    )
    licence = make_item(
        people,
        cast.market,
        people.editor,
        name="食品经营许可证核发",
        code="XK-1",
        days=10,
        materials=[material("食品经营许可申请书"), material(SHARED_LICENCE, source="certificate")],
    )
    return registration, seal, licence


@pytest.fixture
def meal(people, combined_items) -> World:
    cast = people.base
    cast.market.uscc = "11421200MB0000001X"
    cast.market.save(update_fields=["uscc"])
    registration, seal, licence = combined_items
    for code, name, item, prefix in (
        (LICENCE_TYPE, "营业执照", registration, "YZ"),
        ("11100000000013338W032", "食品经营许可证", licence, "JY"),
    ):
        certificate_type = CertificateType.objects.create(
            code=code,
            name=name,
            issuer=cast.market,
            holder_kind="legal",
            validity_years=5,
            number_rule=NumberRule.SERIAL,
            number_prefix=prefix,
        )
        certificate_type.items.add(item)
    hall = Window.objects.create(
        number="A01", name="综合受理窗口", is_comprehensive=True, supervision_phone="12345"
    )
    front = make_staff("front", "陈综窗", cast.centre, (Role.CLERK, cast.centre), window=hall)
    police_reviewer = make_staff("police_reviewer", "刘公安", cast.police, (Role.REVIEWER, cast.police))
    service = combined.save_draft(definition=definition(combined_items), by=people.editor)
    combined.submit(service=service, by=people.editor)
    service = combined.approve(service=service, by=people.reform)
    return World(people, registration, seal, licence, front, police_reviewer, service)
