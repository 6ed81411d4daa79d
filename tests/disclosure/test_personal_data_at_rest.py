"""A 依申请公开 request keeps 张三's ID number, phone and address sealed (GB/T 22239-2019 8.1.4.8): the
officer still finds it by the whole ID number or phone, and the month's count of the same applicant's
requests (信息处理费) still recognises him through the blind index."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from django.db import connection

from tests.disclosure.conftest import COMPANY, PERSON, filed
from yimen.disclosure.models import DisclosureRequest
from yimen.disclosure.queries import find
from yimen.disclosure.replies import nth_in_month

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)


def test_the_columns_hold_sealed_values_and_the_officer_reads_them_plain(cast) -> None:
    request = filed(cast, DAY)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, address FROM disclosure_disclosurerequest WHERE id = %s", [request.pk]
        )
        stored = cursor.fetchone()
    assert all(value.startswith("sm4:") for value in stored)
    assert not any(PERSON.id_number in v or PERSON.phone in v or "温泉路" in v for v in stored)
    fresh = DisclosureRequest.objects.get(pk=request.pk)
    assert (fresh.id_number, fresh.phone, fresh.address) == (PERSON.id_number, PERSON.phone, PERSON.address)


def test_the_officer_finds_a_request_by_the_whole_id_number_or_phone(cast) -> None:
    mine, company = filed(cast, DAY), filed(cast, DAY, applicant=COMPANY)
    assert list(find(cast.officer, PERSON.id_number.lower())) == [mine]
    assert list(find(cast.officer, "0715-8123456")) == [company]
    assert list(find(cast.officer, PERSON.phone[:7])) == []  # a part of a sealed value finds nothing


def test_the_same_applicant_is_recognised_by_id_number_or_by_name_and_phone(cast) -> None:
    first, second = filed(cast, DAY), filed(cast, DAY)
    assert (nth_in_month(first), nth_in_month(second)) == (1, 2)
    # Rows from an old register may have no ID number: then the name and the (sealed) phone decide.
    other_phone = filed(cast, DAY, applicant=replace(PERSON, phone="13900001111"))
    DisclosureRequest.objects.update(id_number="", id_number_index="")
    requests = [DisclosureRequest.objects.get(pk=r.pk) for r in (first, second, other_phone)]
    assert [nth_in_month(r) for r in requests] == [1, 2, 1]
