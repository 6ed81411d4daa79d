"""Disclosure requests' fixtures: a natural person and a company asking 咸宁市政务服务中心 (the cast's
centre, where 赵公开 handles requests and 何主任 heads the office), a request filed on a given day, and
赵公开's steps on it (补正, 征求意见, 答复, 复议和诉讼) with the values tests do not care about filled in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from yimen.core.people import Applicant
from yimen.disclosure.models import (
    Appeal,
    Channel,
    Consultation,
    ConsultationParty,
    DeliveryMethod,
    DisclosureRequest,
    FormWanted,
)
from yimen.disclosure.services import appeals, clock, intake, steps

PERSON = Applicant(
    kind="natural",
    name="张三",
    phone="13812345678",
    id_number="11010519491231002X",
    address="咸宁市咸安区温泉路 1 号",
    postcode="437000",
)
COMPANY = Applicant(
    kind="business",
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
    applicant: Applicant = PERSON,
    **changes: Any,
) -> DisclosureRequest:
    """A request handed in at the counter on `received` (or sent by another channel with its dates);
    `changes` set any other argument of `services.register` (by, description, submitted_on …)."""
    fields = {
        "organisation": cast.centre,
        "by": cast.officer,
        "channel": channel,
        "applicant": applicant,
        "description": "2024年咸宁市政务服务中心进驻事项目录及调整文件",
        "form_wanted": FormWanted.ELECTRONIC,
        "delivery_method": DeliveryMethod.EMAIL if applicant.email else DeliveryMethod.POST,
        "submitted_on": received,
    }
    return intake.register(**(fields | changes))


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
    return steps.start(request=request, by=cast.officer, on=received)


def clarification_asked(
    cast: Any,
    request: DisclosureRequest,
    on: date,
    deadline_on: date,
    items: str | Sequence[str] = "请写明所需文件的年份",
) -> DisclosureRequest:
    """赵公开 asks on `on`, once, for what is unclear, to be supplied by `deadline_on` (条例第三十条)."""
    return clock.request_clarification(
        request=request, by=cast.officer, items=items, deadline_on=deadline_on, on=on
    )


def consulted(
    cast: Any,
    request: DisclosureRequest,
    sent_on: date,
    party_kind: str = ConsultationParty.THIRD_PARTY,
    party_name: str = "咸宁市青山食品有限公司",
) -> Consultation:
    """赵公开 asks a third party (or `party_kind`) for its opinion on `sent_on` (条例第三十二条)."""
    return clock.start_consultation(
        request=request, by=cast.officer, party_kind=party_kind, party_name=party_name, sent_on=sent_on
    )


def answered(cast: Any, consultation: Consultation, replied_on: date, opinion: str = "同意") -> Consultation:
    """The consulted side's opinion, recorded by 赵公开 as received on `replied_on`."""
    return clock.end_consultation(
        consultation=consultation, by=cast.officer, replied_on=replied_on, opinion=opinion
    )


def replied(
    cast: Any, request: DisclosureRequest, outcome: str, on: date, reasons: str = "", **fields: Any
) -> DisclosureRequest:
    """赵公开's reply of `outcome` (a row of table 三) on `on`; `fields` add how_to_obtain, publication,
    pages, or another `by`."""
    return steps.reply(
        **{"request": request, "by": cast.officer, "outcome": outcome, "reasons": reasons, "on": on} | fields
    )


def appealed(
    cast: Any,
    request: DisclosureRequest,
    kind: str,
    filed_on: date,
    body: str = "咸宁市人民政府",
    **fields: Any,
) -> Appeal:
    """The applicant's 行政复议 or suit of `kind`, registered by 赵公开; `fields` add a reference or `by`."""
    return appeals.file_appeal(
        **{"request": request, "by": cast.officer, "kind": kind, "filed_on": filed_on, "body": body} | fields
    )


def decided(cast: Any, appeal: Appeal, result: str, decided_on: date) -> Appeal:
    """The review body's or the court's `result`, registered by 赵公开."""
    return appeals.decide_appeal(appeal=appeal, by=cast.officer, result=result, decided_on=decided_on)


# A published item to point replies at (条例第三十六条第（一）项) comes from the publishing desk.
from tests.publishing.conftest import desk, search_index  # noqa: E402, F401
