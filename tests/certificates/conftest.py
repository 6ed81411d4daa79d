"""Certificates' fixtures: the market bureau as an issuer with its 统一社会信用代码, a 食品经营许可证 type
issued by the licence item (legal persons, 5 years), and a case of 青山食品 concluded 出证办结 through the
worker, as a real one is."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from tests.cases.conftest import COMPANY, file
from yimen.cases.models import Case, Result
from yimen.cases.services import steps
from yimen.catalog.models import ServiceItem
from yimen.certificates.models import Certificate, CertificateType, NumberRule
from yimen.core import events

MARKET_USCC = "11421200MB0000001X"  # 18 characters as the identifier needs; not a real code
FOOD_TYPE = "11100000000013338W032"


def work_off() -> int:
    """Run the worker until the outbox is empty: how many messages it delivered."""
    delivered = 0
    while True:
        done, failed = events.run_once(now=timezone.now())
        assert failed == 0, "a handler failed"
        if not done:
            return delivered
        delivered += done


@pytest.fixture
def food(cast, licence: ServiceItem) -> CertificateType:
    cast.market.uscc = MARKET_USCC
    cast.market.save(update_fields=["uscc"])
    certificate_type = CertificateType.objects.create(
        code=FOOD_TYPE,
        name="食品经营许可证",
        issuer=cast.market,
        holder_kind="legal",
        validity_years=5,
        number_rule=NumberRule.SERIAL,
        number_prefix="JY",
    )
    certificate_type.items.add(licence)
    return certificate_type


def concluded(cast, item: ServiceItem, applicant=COMPANY, at: datetime | None = None) -> Case:
    case = file(item, cast, applicant)
    case = steps.accept(case=case, by=cast.clerk)
    return steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, at=at)


@pytest.fixture
def issued(cast, food: CertificateType, licence: ServiceItem) -> Certificate:
    case = concluded(cast, licence)
    work_off()
    return Certificate.objects.get(case=case)


BUSINESS_TYPE = "11100000000013338W001"  # a 营业执照 type code of the tests' own


@pytest.fixture
def business(cast, instant: ServiceItem) -> CertificateType:
    """营业执照: issued by the 营业执照遗失补领 item; the `licence` item's guide lists 营业执照 as a material
    whose 关联证照类型 is this type's name."""
    cast.market.uscc = MARKET_USCC
    cast.market.save(update_fields=["uscc"])
    certificate_type = CertificateType.objects.create(
        code=BUSINESS_TYPE,
        name="营业执照",
        issuer=cast.market,
        holder_kind="legal",
        number_rule=NumberRule.HOLDER,
    )
    certificate_type.items.add(instant)
    return certificate_type


@pytest.fixture
def licensed(cast, business: CertificateType, instant: ServiceItem) -> Certificate:
    """青山食品's live 营业执照, from a concluded case (which also registers the company's phone)."""
    case = concluded(cast, instant)
    work_off()
    return Certificate.objects.get(case=case)
