"""信息处理费 (国办函〔2020〕109号): 按件 by the applicant's requests in a calendar month, 按量 by pages,
超额累进, one method per request; the notice pauses the clock; unpaid after 20 working days closes the
request as 其他处理-2; paid fees are totalled per year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.disclosure.conftest import COMPANY, filed, started
from yimen.core.errors import ApplicationError, TransitionError
from yimen.disclosure import queries
from yimen.disclosure.fees import per_page_fee, per_request_fee, per_request_total
from yimen.disclosure.models import FeeMethod, Outcome, RequestState
from yimen.disclosure.services import fees

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("nth", "fee"),
    [(1, 0), (10, 0), (11, 100), (30, 100), (31, 200), (35, 200), (40, 200), (41, 300), (51, 400)],
)
def test_the_fee_of_the_nth_request_in_a_month(nth: int, fee: int) -> None:
    assert per_request_fee(nth) == Decimal(fee)


def test_thirty_five_requests_in_a_month_cost_three_thousand() -> None:
    """20 × 100 + 5 × 200 = 3,000 元."""
    assert per_request_total(1, 35) == Decimal(3000)


@pytest.mark.parametrize(
    ("pages", "fee"), [(30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (250, 4700)]
)
def test_the_fee_by_pages(pages: int, fee: int) -> None:
    """250 pages: 70 × 10 + 100 × 20 + 50 × 40 = 4,700 元."""
    assert per_page_fee(pages) == Decimal(fee)


def test_the_35th_request_of_a_month_costs_200_yuan(cast) -> None:
    """The company asked 34 times in March 2024; its 35th request that month is charged 200 元."""
    for day in range(1, 35):
        filed(cast, date(2024, 3, 1 + day % 28), applicant=COMPANY)
    filed(cast, date(2024, 2, 29), applicant=COMPANY)  # another month: not counted
    request = started(cast, date(2024, 3, 29), applicant=COMPANY)
    notice = fees.issue_fee_notice(
        request=request, by=cast.officer, method=FeeMethod.PER_REQUEST, quantity=1, on=date(2024, 4, 1)
    )
    assert notice.amount == Decimal(200)


def test_250_pages_cost_4700_yuan_and_pause_the_clock(cast) -> None:
    """Received 2024-03-04 (due 04-01). Notice 03-11, paid Friday 03-15: 4 working days (03-12..15) are
    not counted, so due 04-08 (04-02, 04-03, 清明 skipped, 04-07 调休, 04-08)."""
    request = started(cast, date(2024, 3, 4))
    notice = fees.issue_fee_notice(
        request=request, by=cast.officer, method=FeeMethod.PER_PAGE, quantity=250, on=date(2024, 3, 11)
    )
    assert (notice.amount, notice.pay_by) == (Decimal(4700), date(2024, 4, 9))
    request = fees.record_payment(request=request, by=cast.officer, on=date(2024, 3, 15))
    assert (request.state, request.due_on) == (RequestState.IN_PROGRESS, date(2024, 4, 8))


def test_one_method_per_request_never_both(cast) -> None:
    request = started(cast, date(2024, 3, 4))
    fees.issue_fee_notice(
        request=request, by=cast.officer, method=FeeMethod.PER_PAGE, quantity=250, on=date(2024, 3, 11)
    )
    fees.record_payment(request=request, by=cast.officer, on=date(2024, 3, 12))
    with pytest.raises(TransitionError) as refused:
        fees.issue_fee_notice(
            request=request, by=cast.officer, method=FeeMethod.PER_REQUEST, quantity=1, on=date(2024, 3, 13)
        )
    assert "两种标准" in refused.value.message


def test_no_notice_below_the_free_thresholds(cast) -> None:
    request = started(cast, date(2024, 3, 4))
    with pytest.raises(ApplicationError):
        fees.issue_fee_notice(
            request=request, by=cast.officer, method=FeeMethod.PER_PAGE, quantity=30, on=date(2024, 3, 11)
        )
    with pytest.raises(ApplicationError):
        fees.issue_fee_notice(
            request=request, by=cast.officer, method=FeeMethod.PER_REQUEST, quantity=1, on=date(2024, 3, 11)
        )


def test_unpaid_after_twenty_working_days_closes_as_other_handling_2(cast) -> None:
    """Notice 03-11: pay by 04-09; on 04-10 the request closes, its letter citing the notice."""
    request = started(cast, date(2024, 3, 4))
    fees.issue_fee_notice(
        request=request, by=cast.officer, method=FeeMethod.PER_PAGE, quantity=120, on=date(2024, 3, 11)
    )
    with pytest.raises(ApplicationError):
        fees.expire_fee(request=request, by=cast.officer, on=date(2024, 4, 9))
    with pytest.raises(TransitionError):
        fees.record_payment(request=request, by=cast.officer, on=date(2024, 4, 10))
    request = fees.expire_fee(request=request, by=None, on=date(2024, 4, 10))
    assert (request.state, request.outcome) == (RequestState.CLOSED, Outcome.FEE_UNPAID)
    assert "1100" in request.reply.body and "视为放弃申请" in request.reply.body


def test_paid_fees_are_totalled_per_year(cast) -> None:
    for received, pages, paid in [
        (date(2024, 3, 4), 250, date(2024, 3, 15)),
        (date(2024, 12, 16), 40, date(2025, 1, 6)),
    ]:
        request = started(cast, received)
        fees.issue_fee_notice(
            request=request, by=cast.officer, method=FeeMethod.PER_PAGE, quantity=pages, on=received
        )
        fees.record_payment(request=request, by=cast.officer, on=paid)
    assert queries.fee_totals(None, 2024) == {"count": 1, "amount": Decimal(4700)}
    assert queries.fee_totals([cast.centre.pk], 2025) == {"count": 1, "amount": Decimal(100)}
    assert queries.fee_totals([cast.market.pk], 2024) == {"count": 0, "amount": Decimal(0)}
