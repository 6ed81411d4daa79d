"""Disclosure requests' fixtures: a natural person and a company asking 咸宁市政务服务中心 (the cast's
centre, where 赵公开 handles requests and 何主任 heads the office), and a request filed on a given day."""

from __future__ import annotations

from datetime import date
from typing import Any

from yimen.disclosure import services
from yimen.disclosure.models import Channel, DeliveryMethod, DisclosureRequest, FormWanted

PERSON = services.Applicant(
    applicant_type="natural",
    name="张三",
    phone="13812345678",
    id_number="11010519491231002X",
    address="咸宁市咸安区温泉路 1 号",
    postcode="437000",
)
COMPANY = services.Applicant(
    applicant_type="business",
    name="咸宁市青山食品有限公司",
    phone="0715-8123456",
    uscc="91350100M000100Y43",
    legal_representative="李四",
    contact_person="王五",
    email="office@qingshan.example.cn",
)


def filed(
    cast: Any,
    received: date,
    *,
    channel: str = Channel.IN_PERSON,
    applicant: services.Applicant = PERSON,
    **dates: date,
) -> DisclosureRequest:
    """A request handed in at the counter on `received` (or sent by another channel with its dates)."""
    return services.register(
        organisation=cast.centre,
        by=cast.officer,
        channel=channel,
        applicant=applicant,
        description="2024年咸宁市政务服务中心进驻事项目录及调整文件",
        form_wanted=FormWanted.ELECTRONIC,
        delivery_method=DeliveryMethod.EMAIL if applicant.email else DeliveryMethod.POST,
        submitted_on=dates.pop("submitted_on", received),
        **dates,
    )


def person(**changes: Any) -> dict[str, Any]:
    """The portal's request form filled in by 张三 (organisation: the receiving office's pk)."""
    return {
        "organisation": "",
        "applicant_type": "natural",
        "applicant_name": "张三",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
        "address": "咸宁市咸安区温泉路 1 号",
        "postcode": "437000",
        "description": "2024年咸宁市政务服务中心进驻事项目录及调整文件",
        "form_wanted": "electronic",
        "delivery_method": "post",
    } | changes


def started(cast: Any, received: date, **kwargs: Any) -> DisclosureRequest:
    request = filed(cast, received, **kwargs)
    return services.start(request=request, by=cast.officer, on=received)


# A published item to point replies at (条例第三十六条第（一）项) comes from the publishing desk.
from tests.publishing.conftest import desk, search_index  # noqa: E402, F401
