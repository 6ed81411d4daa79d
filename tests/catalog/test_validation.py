"""A guide must satisfy the rules before it is saved: 承诺时限 ≤ 法定时限, fees need a basis, …"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.catalog.conftest import make_guide
from yimen.catalog import services
from yimen.catalog.models import ServiceItem
from yimen.core.errors import ApplicationError
from yimen.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _errors(people, **fields) -> dict[str, list[str]]:
    with pytest.raises(ApplicationError) as caught:
        services.create_item(
            organisation=people.base.market, basic_code="X", guide=make_guide(**fields), by=people.editor
        )
    assert not ServiceItem.objects.exists() and not AuditEntry.objects.exists()
    return caught.value.fields


def test_the_promise_cannot_exceed_the_legal_limit(people) -> None:
    assert _errors(people, promised_limit=Decimal(25))["promised_limit"] == ["承诺时限：不能超过法定时限"]


def test_limits_in_different_units_are_compared_fairly(people) -> None:
    # 30 自然日 ≈ 21.4 工作日 > 20 工作日.
    assert "promised_limit" in _errors(people, promised_limit=Decimal(30), promised_unit="day")
    version = services.create_item(
        organisation=people.base.market,
        basic_code="X",
        by=people.editor,
        guide=make_guide(promised_limit=Decimal(24), promised_unit="hour"),
    )
    assert version.promised_workdays == Decimal(3)


def test_a_promise_of_zero_is_an_immediate_item(people) -> None:
    version = services.create_item(
        organisation=people.base.market,
        basic_code="X",
        by=people.editor,
        guide=make_guide(promised_limit=Decimal(0)),
    )
    assert version.is_immediate


def test_half_a_day_is_expressible(people) -> None:
    from yimen.catalog.limits import format_limit

    version = services.create_item(
        organisation=people.base.market,
        basic_code="X",
        by=people.editor,
        guide=make_guide(promised_limit=Decimal("0.5")),
    )
    assert format_limit(version.promised_limit, version.promised_unit) == "半天"
    assert not version.is_immediate


def test_a_fee_needs_its_basis_and_standard(people) -> None:
    errors = _errors(people, is_free=False, fees=[{"name": "工本费", "standard": "10元/本", "basis": ""}])
    assert errors["fees"] == ["收费第 1 项：收费必须写明依据"]
    assert _errors(people, is_free=False, fees=[])["fees"] == ["收费：收费事项必须列出收费项目、标准和依据"]


def test_a_power_item_needs_its_legal_basis(people) -> None:
    assert _errors(people, legal_basis=[])["legal_basis"] == [
        "设定依据：行政权力事项必须写明法律法规名称及条款"
    ]
    services.create_item(
        organisation=people.base.market,
        basic_code="X",
        by=people.editor,
        guide=make_guide(item_type="20", legal_basis=[]),
    )


def test_materials_and_steps_are_checked_row_by_row(people) -> None:
    errors = _errors(
        people,
        materials=[
            {"name": "申请书", "copies": 1},
            {"name": "", "copies": 0},
            {"name": "委托书", "required": False, "copies": 1},
        ],
        steps=[],
    )
    assert errors["materials"] == [
        "申请材料第 2 行：缺少材料名称",
        "申请材料第 2 行：份数至少为 1",
        "申请材料第 3 行：非必要材料须写明适用情形",
    ]
    assert errors["steps"] == ["办理环节：至少一个环节"]


def test_a_fully_online_item_needs_no_visit(people) -> None:
    assert _errors(people, online_depth="4", visits=1)["visits"] == ["到现场次数：全程网办事项应为 0 次"]


def test_someone_must_be_served(people) -> None:
    assert "for_person" in _errors(people, for_person=False, for_legal=False)
