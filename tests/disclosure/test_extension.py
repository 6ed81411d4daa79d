"""延期答复 (条例第三十三条第二款): the head of the office consents, at most 20 working days in all,
decided within the period; the applicant sees it on the timeline."""

from __future__ import annotations

from datetime import date

import pytest

from tests.disclosure.conftest import started
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.disclosure.models import EventKind
from yimen.disclosure.services import clock

pytestmark = pytest.mark.django_db
RECEIVED = date(2024, 3, 4)  # due 2024-04-01


def test_twenty_more_working_days_with_the_heads_consent(cast) -> None:
    """Due 04-01; +20: 04-02, 04-03, 04-07 (调休), 04-08..12, 04-15..19, 04-22..26, 04-28 (调休), 04-29 —
    due Monday 2024-04-29 (劳动节 05-01..05 not reached)."""
    request = clock.extend(
        request=started(cast, RECEIVED),
        by=cast.head,
        workdays=20,
        reason="涉及档案调取，需时较长",
        on=date(2024, 3, 28),
    )
    assert (request.extension_workdays, request.due_on) == (20, date(2024, 4, 29))
    event = request.events.get(kind=EventKind.EXTENDED)
    assert (event.public, event.workdays, event.due_after, event.by) == (
        True,
        20,
        date(2024, 4, 29),
        cast.head,
    )


def test_the_officer_alone_cannot_extend(cast) -> None:
    with pytest.raises(NotPermitted) as refused:
        clock.extend(
            request=started(cast, RECEIVED), by=cast.officer, workdays=5, reason="x", on=date(2024, 3, 28)
        )
    assert "负责人" in refused.value.message


def test_no_more_than_twenty_working_days_in_all(cast) -> None:
    request = started(cast, RECEIVED)
    with pytest.raises(ApplicationError):
        clock.extend(request=request, by=cast.head, workdays=21, reason="x", on=date(2024, 3, 28))
    clock.extend(request=request, by=cast.head, workdays=15, reason="第一次", on=date(2024, 3, 28))
    with pytest.raises(ApplicationError) as refused:
        clock.extend(request=request, by=cast.head, workdays=6, reason="第二次", on=date(2024, 4, 10))
    assert "1至5个工作日" in refused.value.fields["workdays"][0]


def test_an_extension_after_the_deadline_is_refused(cast) -> None:
    with pytest.raises(ApplicationError) as refused:
        clock.extend(
            request=started(cast, RECEIVED), by=cast.head, workdays=5, reason="x", on=date(2024, 4, 2)
        )
    assert "2024-04-01" in refused.value.fields["on"][0]


def test_article_35_sets_a_later_deadline(cast) -> None:
    """第三十五条: reasons found reasonable but too much to answer in time — a deadline of 2024-05-31."""
    request = clock.set_custom_deadline(
        request=started(cast, RECEIVED),
        by=cast.officer,
        due_on=date(2024, 5, 31),
        reason="申请涉及120份文件",
        on=date(2024, 3, 15),
    )
    assert (request.custom_due_on, request.due_on) == (date(2024, 5, 31), date(2024, 5, 31))
    with pytest.raises(ApplicationError):
        clock.set_custom_deadline(request=request, by=cast.officer, due_on=date(2024, 3, 29), reason="x")
