"""Cases' fixtures: a licence item (承诺 20 working days), a 即办件, a 联办 item, and an applicant."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

import pytest
from django.utils import timezone

from tests.catalog.conftest import published
from yimen.cases.models import Case, Channel
from yimen.cases.services import intake
from yimen.catalog.models import ServiceItem
from yimen.core.people import Applicant

T = TypeVar("T")

APPLICANT = Applicant(
    kind="person",
    name="张三",
    phone="13812345678",
    id_number="11010519491231002X",
    address="咸宁市咸安区温泉路 1 号",
)
COMPANY = Applicant(
    kind="legal",
    name="咸宁市青山食品有限公司",
    phone="13912345678",
    uscc="91350100M000100Y43",
    legal_representative="李四",
)


def _fresh(version) -> ServiceItem:
    return ServiceItem.objects.select_related("current").get(pk=version.item_id)


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def licence(people) -> ServiceItem:
    return _fresh(
        published(people, name="食品经营许可证核发", promised_limit=Decimal(20), legal_limit=Decimal(20))
    )


@pytest.fixture
def instant(people) -> ServiceItem:
    return _fresh(
        published(
            people,
            name="营业执照遗失补领",
            basic_code="QR-9",
            promised_limit=Decimal(0),
            item_type="07",
            legal_basis=[{"law": "《市场主体登记管理条例》", "article": "第三十三条"}],
        )
    )


@pytest.fixture
def joint(people) -> ServiceItem:
    base = people.base
    return _fresh(
        published(
            people, name="开办餐饮店（联办）", basic_code="LB-1", joint_ids=[base.police.pk, base.centre.pk]
        )
    )


def file(item: ServiceItem, cast, applicant: Applicant = APPLICANT) -> Case:
    return intake.submit(
        item=item, applicant=applicant, channel=Channel.WINDOW, by=cast.clerk, window=cast.window
    )


def race(*actions: Callable[[], T]) -> list[T | BaseException]:
    """The actions run at the same moment, each in its own thread and database connection: what each
    returned, or what it raised. A race needs PostgreSQL (SQLite's test database is in memory and its
    writers take turns)."""
    from django.db import close_old_connections, connection

    barrier = threading.Barrier(len(actions))
    outcomes: list[T | BaseException] = [RuntimeError("not run")] * len(actions)

    def run(i: int) -> None:
        try:
            barrier.wait(10)
            outcomes[i] = actions[i]()
        except BaseException as exc:
            outcomes[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes
