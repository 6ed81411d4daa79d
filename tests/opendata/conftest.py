"""Open data's fixtures: data sets of the city government kept by 周管理 (the administrator), and a
machine client's key as an approval issues it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import Cast, make_staff
from tests.publishing.conftest import Desk, make_desk, recording_search
from yimen.opendata import services
from yimen.opendata.models import (
    AccessApplication,
    Dataset,
    Frequency,
    Openness,
    SecurityLevel,
    SourceCode,
    Theme,
)
from yimen.org.models import Role, Staff

_serial = iter(range(1, 10_000))


def fields(cast: Cast, **changes: Any) -> services.DatasetFields:
    """A valid 无条件开放 data set of the items, by the city government; keywords override fields."""
    base: dict[str, Any] = {
        "identifier": f"2026/33010{next(_serial):05d}",
        "title": "政务服务事项目录",
        "description": "全市现行政务服务事项的编码、名称、类型、实施主体和时限。",
        "publisher": cast.government,
        "maintainer": "咸宁市政务服务中心 数据管理科",
        "contact": "0715-8126517",
        "openness": Openness.OPEN,
        "frequency": Frequency.WEEKLY,
        "theme": Theme.SERVICE,
        "keywords": ["政务服务", "事项"],
        "security_level": SecurityLevel.ONE,
        "source": SourceCode.ITEMS,
        "license": "可免费获取、使用和传播，使用时须注明数据来源",
    }
    base.update(changes)
    if base["openness"] == Openness.CONDITIONAL and "security_level" not in changes:
        base["security_level"] = SecurityLevel.TWO
    return services.DatasetFields(**base)


def dataset(cast: Cast, *, published: bool = True, **changes: Any) -> Dataset:
    saved = services.save_dataset(dataset=None, fields=fields(cast, **changes), by=cast.admin)
    return services.publish(dataset=saved, by=cast.admin) if published else saved


APPLICANT = services.Applicant(
    organisation="咸宁学院公共管理学院",
    uscc="",
    contact_person="林研究",
    phone="13900001234",
    email="lin@example.edu.cn",
)
PURPOSE = "研究政务服务满意度，成果用于学术论文。"


def application(*datasets: Dataset) -> AccessApplication:
    return services.file_application(datasets=list(datasets), applicant=APPLICANT, purpose=PURPOSE)


def approved_key(cast: Cast, *datasets: Dataset) -> str:
    """The key an approval of an application for `datasets` issues."""
    _, plain = services.approve(
        application=application(*datasets),
        by=cast.admin,
        datasets=list(datasets),
        expires_on=timezone.localdate() + timedelta(days=30),
    )
    return plain


@pytest.fixture
def desk(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> Desk:
    """The centre's catalogue, for publications (tests/publishing)."""
    return make_desk(cast, recording_search(monkeypatch))


@pytest.fixture
def police_admin(cast: Cast) -> Staff:
    """The administrator of 市公安局 only: not of the city government's data sets."""
    return make_staff("police_admin", "吴公安", cast.police, (Role.ADMIN, cast.police))


TODAY = date(2024, 11, 15)
