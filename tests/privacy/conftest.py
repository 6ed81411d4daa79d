"""Rights requests' fixtures: 张三 with cases at the market department (where 王审批 handles rights requests
and 李窗口 sits at the window), 李四 with a case of his own, and 张三's 依申请公开 request at the centre."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from tests.cases.conftest import APPLICANT, file
from tests.conftest import make_staff
from tests.disclosure.conftest import filed
from yimen.cases.models import Case
from yimen.cases.services import steps
from yimen.catalog.models import ServiceItem
from yimen.core.people import Applicant
from yimen.disclosure.models import DisclosureRequest
from yimen.org.models import Role, Staff
from yimen.privacy import services
from yimen.privacy.models import RightsRequest, Verification

LISI = Applicant(kind="person", name="李四", phone="13900001111", id_number="110105198001010016")
SAME_ID_OTHER_PHONE = Applicant(
    kind="person", name="张三", phone="13700009999", id_number=APPLICANT.id_number, address="旧地址"
)


@dataclass
class Holders:
    cast: Any
    accepted: Case  # 张三's, accepted
    withdrawn: Case  # 张三's, withdrawn before acceptance
    other_phone: Case  # registered under 张三's ID number with another phone
    lisi: Case
    asked: DisclosureRequest  # 张三's 依申请公开 request at the centre
    centre_handler: Staff


@pytest.fixture
def holders(cast, licence: ServiceItem) -> Holders:
    accepted = steps.accept(case=file(licence, cast), by=cast.clerk)
    withdrawn = steps.withdraw(case=file(licence, cast), reason="材料不全，改日再办")
    return Holders(
        cast=cast,
        accepted=accepted,
        withdrawn=withdrawn,
        other_phone=file(licence, cast, SAME_ID_OTHER_PHONE),
        lisi=file(licence, cast, LISI),
        asked=filed(cast, date(2026, 3, 2)),
        centre_handler=make_staff("centre_reviewer", "陈审批", cast.centre, (Role.REVIEWER, cast.centre)),
    )


def by_id(holders: Holders, kind: str, **changes: Any) -> RightsRequest:
    """张三 files on the portal with his ID number and his phone's last four digits."""
    fields = {
        "kind": kind,
        "verification": Verification.ID_PHONE,
        "organisation": holders.cast.market,
        "requester": services.Requester(
            name="张三", phone="13812345678", id_number=APPLICANT.id_number, phone_tail="5678"
        ),
        "content": "请提供我在市场监管局办件中登记的个人信息",
    }
    return services.file_request(**(fields | changes))


def accepted(request: RightsRequest, by: Staff) -> RightsRequest:
    return services.accept(request=request, by=by)
