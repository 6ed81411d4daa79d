"""条例第二十六条: an item is due 20 working days after it was created or changed; the office sees what is
due and what was late, and each organisation a timeliness rate per year."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from yimen.publishing import queries
from yimen.publishing.content import due_on
from yimen.publishing.services import publications

pytestmark = pytest.mark.django_db


def _at(monkeypatch, *moment: int) -> None:
    local = timezone.make_aware(datetime(*moment))
    monkeypatch.setattr(timezone, "now", lambda: local)


def test_the_due_date_skips_the_national_day_holiday(cast) -> None:
    # 2024-09-27 (Friday): 09-29 (Sunday) is worked for 国庆, 10-01…10-07 are not, 10-12 (Saturday) is.
    assert due_on(date(2024, 9, 27)) == date(2024, 10, 30)


def test_the_due_date_skips_the_spring_festival_and_counts_its_worked_weekend_days(cast) -> None:
    # 2025-01-20 (Monday): 01-21…24, 01-26 (Sunday, worked), 01-27; 01-28…02-04 off; 02-05…07,
    # 02-08 (Saturday, worked), 02-10…14, 02-17…21 → the 20th working day is Friday 2025-02-21.
    assert due_on(date(2025, 1, 20)) == date(2025, 2, 21)


def test_a_change_restarts_the_twenty_days(cast) -> None:
    assert due_on(date(2024, 9, 2), changed_on=date(2024, 9, 27)) == date(2024, 10, 30)


def test_the_due_date_is_stored_on_the_draft(desk) -> None:
    draft = desk.draft(written_on=date(2024, 9, 27))
    assert draft.due_on == date(2024, 10, 30)
    publications.update_draft(
        publication=draft,
        by=desk.base.officer,
        lock_version=draft.lock_version,
        fields={"changed_on": "2025-01-20"},
    )
    draft.refresh_from_db()
    assert draft.due_on == date(2025, 2, 21)


def _publish_at(desk, monkeypatch, moment: tuple[int, ...], **fields):
    _at(monkeypatch, *moment)
    return desk.published(**fields)


def test_the_timeliness_rate_counts_by_the_day_in_beijing(desk, monkeypatch) -> None:
    on_time = _publish_at(desk, monkeypatch, (2024, 10, 30, 23, 30))  # the last day, late evening
    late = _publish_at(desk, monkeypatch, (2024, 10, 31, 0, 30), document_number="咸政务发〔2024〕6号")
    # still 10-30 in UTC, but 10-31 in Beijing: late
    assert timezone.localtime(late.published_at).date() == date(2024, 10, 31)
    assert publications.publication_on_time(on_time) and not publications.publication_on_time(late)
    _at(monkeypatch, 2024, 11, 5, 9, 0)
    desk.draft(document_number="咸政务发〔2024〕7号")  # due 10-30, still a draft on 11-05
    result = queries.timeliness(desk.base.centre, 2024, today=date(2024, 11, 5))
    assert (result.published, result.on_time, result.late, result.waiting_overdue) == (2, 1, 1, 1)
    assert result.percent == "50.0%"
    assert queries.timeliness(desk.base.centre, 2023).rate is None


def test_the_office_lists_what_is_due_first_and_what_was_late(desk, monkeypatch) -> None:
    _at(monkeypatch, 2025, 2, 3, 10, 0)
    later = desk.draft(written_on=date(2025, 1, 20))
    sooner = desk.draft(written_on=date(2024, 12, 2), document_number="咸政务发〔2024〕8号")
    late = _publish_at(
        desk, monkeypatch, (2025, 2, 10, 9, 0), written_on=date(2024, 12, 2), document_number="9号"
    )
    assert list(queries.waiting(None)) == [sooner, later]
    assert list(queries.published_late({desk.base.centre.pk}, 2025)) == [late]
    assert list(queries.published_late({desk.base.market.pk}, 2025)) == []


def test_a_closed_day_moves_the_due_date_of_waiting_items_but_not_of_published_ones(desk) -> None:
    from yimen.core import events
    from yimen.core import services as core_services

    waiting = desk.draft(written_on=date(2024, 9, 27))
    published = desk.published(written_on=date(2024, 9, 27), document_number="咸政务发〔2024〕6号")
    core_services.set_day(day=date(2024, 10, 15), is_workday=False, note="停电闭馆", by=desk.base.admin)
    events.run_once()
    waiting.refresh_from_db()
    published.refresh_from_db()
    assert waiting.due_on == date(2024, 10, 31)  # one working day fewer before it: a day later
    assert published.due_on == date(2024, 10, 30)
