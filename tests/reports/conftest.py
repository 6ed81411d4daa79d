"""The annual report's fixtures: disclosure requests, appeals, licensing cases and enforcement records for
2023, written directly with the ORM so each table cell can be counted by hand (see each fixture).

Requests of 咸宁市政务服务中心 (the centre), as (number, applicant type, received, closed, outcome):

    A  自然人        2022-12-20  2023-01-10  予以公开      carried in, decided in 2023
    B  自然人        2022-12-28  2024-01-05  部分公开      carried in and carried out: across two year ends
    C  自然人        2023-03-01  2023-03-20  予以公开
    D  商业企业      2023-05-10  2023-06-01  保护第三方合法权益
    E  商业企业      2023-12-25  open        —             carried out
    F  科研机构      2023-07-01  2023-07-28  本机关不掌握  answered on its deadline
    G  法律服务机构  2023-02-01  2023-03-15  逾期不补正    answered after its deadline (2023-03-01)
    H  其他          2023-09-09  2023-09-28  重复申请
    I  自然人        2022-06-01  2022-07-01  予以公开      2022 only
    J  社会公益组织  2024-01-03  open        —             2024 only
    K  自然人        2023-11-20  2023-12-31  部分公开      decided on the year's last day, late (due 12-18)
    L  商业企业      2023-01-01  2024-02-01  予以公开      received on the year's first day, carried out

2023 by hand — 自然人: new C K = 2, carried in A B = 2, 予以公开 A C = 2, 部分公开 K = 1, total 3, carried
out B = 1. 商业企业: new D E L = 3, 保护第三方 D = 1, total 1, carried out E L = 2. 科研机构, 法律服务机构 and
其他: new 1, decided 1. 社会公益组织: nothing. 总计: new 8, carried in 2, total 7, carried out 3.
Decided in 2023: A C D F G H K, of which G and K after their deadlines: 5 on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.cases.conftest import file
from yimen.cases.models import Case, Result
from yimen.cases.services import steps
from yimen.catalog.models import ServiceItem
from yimen.core import calendar
from yimen.disclosure.models import (
    Appeal,
    AppealKind,
    AppealResult,
    ApplicantType,
    Channel,
    DeliveryMethod,
    DisclosureRequest,
    FeeMethod,
    FeeNotice,
    FormWanted,
    Outcome,
)
from yimen.org.models import Organisation
from yimen.publishing.catalogue import NODE_FOR_KIND
from yimen.publishing.models import Kind, Publication, PublicationState
from yimen.publishing.services import catalogue
from yimen.reports.models import EnforcementKind, EnforcementRecord

REQUESTS = [
    ("A", ApplicantType.NATURAL, date(2022, 12, 20), date(2023, 1, 10), Outcome.DISCLOSED),
    ("B", ApplicantType.NATURAL, date(2022, 12, 28), date(2024, 1, 5), Outcome.PARTIAL),
    ("C", ApplicantType.NATURAL, date(2023, 3, 1), date(2023, 3, 20), Outcome.DISCLOSED),
    ("D", ApplicantType.BUSINESS, date(2023, 5, 10), date(2023, 6, 1), Outcome.THIRD_PARTY),
    ("E", ApplicantType.BUSINESS, date(2023, 12, 25), None, ""),
    ("F", ApplicantType.RESEARCH, date(2023, 7, 1), date(2023, 7, 28), Outcome.NOT_HELD),
    ("G", ApplicantType.LEGAL_SERVICE, date(2023, 2, 1), date(2023, 3, 15), Outcome.NO_CLARIFICATION),
    ("H", ApplicantType.OTHER, date(2023, 9, 9), date(2023, 9, 28), Outcome.REPEATED),
    ("I", ApplicantType.NATURAL, date(2022, 6, 1), date(2022, 7, 1), Outcome.DISCLOSED),
    ("J", ApplicantType.WELFARE, date(2024, 1, 3), None, ""),
    ("K", ApplicantType.NATURAL, date(2023, 11, 20), date(2023, 12, 31), Outcome.PARTIAL),
    ("L", ApplicantType.BUSINESS, date(2023, 1, 1), date(2024, 2, 1), Outcome.DISCLOSED),
]


def make_request(
    organisation: Organisation,
    number: str,
    applicant_type: str,
    received: date,
    closed: date | None = None,
    outcome: str = "",
) -> DisclosureRequest:
    """A request as the services leave it: its reply deadline 20 working days after receipt (第三十三条)."""
    due = calendar.add_workdays(received, 20).date
    return DisclosureRequest.objects.create(
        number=f"YSQ-{number}",
        query_code="123456",
        organisation=organisation,
        applicant_type=applicant_type,
        applicant_name="张三" if applicant_type == ApplicantType.NATURAL else "咸宁市青山食品有限公司",
        phone="13812345678",
        description="2023年本机关行政许可办理情况",
        form_wanted=FormWanted.ELECTRONIC,
        delivery_method=DeliveryMethod.EMAIL,
        channel=Channel.ONLINE,
        submitted_on=received,
        received_on=received,
        clock_start_on=received,
        due_on=due,
        state="closed" if closed else "in_progress",
        outcome=outcome,
        replied_on=closed,
        closed_on=closed,
    )


@dataclass
class Requests:
    by_number: dict[str, DisclosureRequest]

    def __getitem__(self, number: str) -> DisclosureRequest:
        return self.by_number[number]


@pytest.fixture
def requests(cast) -> Requests:
    return Requests({number: make_request(cast.centre, number, *rest) for number, *rest in REQUESTS})


APPEALS = [
    # kind, filed, result, decided — 2023 by hand: 行政复议 维持 1, 尚未审结 1 (decided in 2024), 总计 2;
    # 未经复议直接起诉 其他结果 1; 复议后起诉 尚未审结 1. The 2022 appeal decided in 2023 is not 2023's.
    (AppealKind.RECONSIDERATION, date(2023, 3, 1), AppealResult.MAINTAINED, date(2023, 5, 1)),
    (AppealKind.RECONSIDERATION, date(2023, 11, 1), AppealResult.CORRECTED, date(2024, 1, 20)),
    (AppealKind.LITIGATION_DIRECT, date(2023, 6, 1), AppealResult.OTHER, date(2023, 10, 1)),
    (AppealKind.LITIGATION_AFTER, date(2023, 8, 1), "", None),
    (AppealKind.RECONSIDERATION, date(2022, 12, 1), AppealResult.MAINTAINED, date(2023, 1, 10)),
]


@pytest.fixture
def appeals(requests, cast) -> list[Appeal]:
    return [
        Appeal.objects.create(
            request=requests["D"],
            organisation=cast.centre,
            kind=kind,
            filed_on=filed,
            body="咸宁市人民政府" if kind == AppealKind.RECONSIDERATION else "咸安区人民法院",
            result=result,
            decided_on=decided,
        )
        for kind, filed, result, decided in APPEALS
    ]


@pytest.fixture
def fees(requests) -> list[FeeNotice]:
    """Three notices issued in 2023: one paid in 2023 (100 元), one never paid, one paid only in 2024."""

    def notice(number: str, amount: str, issued: date, paid: date | None) -> FeeNotice:
        return FeeNotice.objects.create(
            request=requests[number],
            method=FeeMethod.PER_REQUEST,
            quantity=11,
            amount=Decimal(amount),
            issued_on=issued,
            pay_by=calendar.add_workdays(issued, 20).date,
            paid_on=paid,
        )

    return [
        notice("C", "100", date(2023, 3, 10), date(2023, 3, 15)),
        notice("G", "200", date(2023, 2, 10), None),
        notice("B", "300", date(2023, 12, 20), date(2024, 1, 3)),
    ]


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


def decided(item: ServiceItem, cast, result: str, at: datetime) -> Case:
    case = steps.accept(case=file(item, cast), by=cast.clerk, at=at.replace(day=1, hour=9))
    return steps.conclude(
        case=case,
        by=cast.reviewer,
        result=result,
        certificate_no="ZZ-1" if result == Result.ISSUED else "",
        reason="" if result == Result.ISSUED else "不符合条件",
        at=at,
    )


@pytest.fixture
def licensing(licence, instant, cast) -> list[Case]:
    """市场监管局's 行政许可 decisions of 2023, by hand: 出证办结 2023-03-15 and 不予许可 2023-12-31 23:30 = 2.
    Not counted: 退件 (no decision), a 行政确认 item's case, and decisions on 2022-12-31 and 2024-01-01."""
    return [
        decided(licence, cast, Result.ISSUED, local(2023, 3, 15, 10)),
        decided(licence, cast, Result.DENIED, local(2023, 12, 31, 23, 30)),
        decided(licence, cast, Result.RETURNED, local(2023, 6, 15, 10)),
        decided(instant, cast, Result.ISSUED, local(2023, 4, 10, 10)),
        decided(licence, cast, Result.ISSUED, local(2022, 12, 31, 16)),
        decided(licence, cast, Result.ISSUED, local(2024, 1, 1, 0, 30)),
    ]


@pytest.fixture
def enforcement(cast) -> list[EnforcementRecord]:
    """市场监管局 in 2023, by hand: 行政处罚 2, 行政强制 1, 行政事业性收费 12,345.00 + 5,000.50 元 = 1.73 万元.
    The 2022 penalty and the 2024 fee are other years'; the police's penalty is another organisation's."""
    rows = [
        (cast.market, EnforcementKind.PENALTY, date(2023, 2, 1), "0"),
        (cast.market, EnforcementKind.PENALTY, date(2023, 12, 31), "0"),
        (cast.market, EnforcementKind.PENALTY, date(2022, 12, 31), "0"),
        (cast.market, EnforcementKind.COERCION, date(2023, 7, 7), "0"),
        (cast.market, EnforcementKind.FEE, date(2023, 3, 3), "12345.00"),
        (cast.market, EnforcementKind.FEE, date(2023, 9, 9), "5000.50"),
        (cast.market, EnforcementKind.FEE, date(2024, 1, 2), "999.00"),
        (cast.police, EnforcementKind.PENALTY, date(2023, 5, 5), "0"),
    ]
    return [
        EnforcementRecord.objects.create(
            organisation=org,
            kind=kind,
            decided_on=on,
            amount=Decimal(amount),
            reference=f"咸市监罚〔2023〕{i}号",
        )
        for i, (org, kind, on, amount) in enumerate(rows, start=1)
    ]


def publish(
    organisation: Organisation, kind: str, title: str, written: date, **dates: date | str
) -> Publication:
    """A published document in the node of its kind, as publishing leaves it."""
    nodes = {node.code: node for node in catalogue.ensure_catalogue(organisation=organisation)}
    state = str(dates.pop("state", PublicationState.PUBLISHED))
    return Publication.objects.create(
        organisation=organisation,
        node=nodes[NODE_FOR_KIND.get(kind, "qt")],
        title=title,
        kind=kind,
        written_on=written,
        due_on=calendar.add_workdays(written, 20).date,
        published_at=local(written.year, written.month, written.day, 10) if state == "published" else None,
        state=state,
        **dates,
    )


@pytest.fixture
def documents(cast) -> list[Publication]:
    """市场监管局's 规章 and 行政规范性文件. 2023 by hand — 规章: 制发 1, 废止 0, 现行有效 1. 行政规范性文件:
    制发 1 (the April one), 废止 1 (the 2021 one, abolished 2023-06-30), 现行有效 3 (April 2023, the 2022 one
    that expires in 2025 and the 2019 one abolished only in 2026). The draft is not counted."""
    m = cast.market
    return [
        publish(m, Kind.NORMATIVE, "食品摊贩管理办法", date(2021, 3, 1), repealed_on=date(2023, 6, 30)),
        publish(m, Kind.NORMATIVE, "网络餐饮服务监督管理规定", date(2023, 4, 1)),
        publish(m, Kind.NORMATIVE, "小作坊登记管理办法", date(2022, 5, 1), expired_on=date(2025, 1, 1)),
        publish(m, Kind.REGULATION, "咸宁市农贸市场管理办法", date(2023, 2, 1)),
        publish(m, Kind.NORMATIVE, "价格监督检查规定", date(2023, 8, 1), state=PublicationState.DRAFT),
        publish(m, Kind.NORMATIVE, "广告发布登记办法", date(2019, 1, 1), repealed_on=date(2026, 1, 1)),
    ]
