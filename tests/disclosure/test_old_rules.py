"""Requests received before 2019-05-15 follow the 2008 regulation (第二十四条: 15 + 15 working days)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.disclosure.conftest import started
from yimen.core.errors import ApplicationError
from yimen.disclosure import deadlines
from yimen.disclosure.models import FeeMethod
from yimen.disclosure.services import clock, fees

pytestmark = pytest.mark.django_db


def test_the_last_day_of_the_2008_regulation_gives_fifteen_working_days(cast) -> None:
    """Received Tuesday 2019-05-14: 05-15..17, 05-20..24, 05-27..31, 06-03, 06-04 — due 2019-06-04."""
    request = started(cast, date(2019, 5, 14))
    assert (request.rules, request.due_on) == ("2008", date(2019, 6, 4))
    assert "第二十四条" in deadlines.explain(request)[0].rule


def test_the_first_day_of_the_2019_regulation_gives_twenty(cast) -> None:
    """Received Wednesday 2019-05-15: 16 working days to 06-06, 端午 06-07 off, 06-10..13 — due 2019-06-13."""
    request = started(cast, date(2019, 5, 15))
    assert (request.rules, request.due_on) == ("2019", date(2019, 6, 13))


def test_the_2008_extension_is_at_most_fifteen(cast) -> None:
    """Received 2018-03-05 (due 03-26); extended 15 (the maximum): due 2018-04-17 (清明 04-05..07, Sunday 04-08
    worked)."""
    request = started(cast, date(2018, 3, 5))
    assert request.due_on == date(2018, 3, 26)
    with pytest.raises(ApplicationError):
        clock.extend(request=request, by=cast.head, workdays=16, reason="x", on=date(2018, 3, 20))
    request = clock.extend(request=request, by=cast.head, workdays=15, reason="需协调", on=date(2018, 3, 20))
    assert request.due_on == date(2018, 4, 17)


def test_no_processing_fee_before_2021(cast) -> None:
    request = started(cast, date(2018, 3, 5))
    with pytest.raises(ApplicationError) as refused:
        fees.issue_fee_notice(
            request=request, by=cast.officer, method=FeeMethod.PER_PAGE, quantity=250, on=date(2018, 3, 9)
        )
    assert "2021" in refused.value.message
