"""办件统计的日汇总: the statistics read the daily figures for the summarised days and count the rest from the
cases, and give exactly what counting every case gives; a case entered with an earlier time counts at once.

The cases are test_stats.py's October 2024 (ten concluded at 市市场监管局's window B012: six 即办件, three
licences on time, one late) and 市公安局's overdue online case of September.
"""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.cases.conftest import file, local
from tests.cases.test_stats import OCTOBER, concluded, october_cases
from tests.cases.test_supervision import police_case
from yimen.cases import figures
from yimen.cases.models import Case, DailyFigures, FiguresDay, Result
from yimen.cases.queries import stats
from yimen.cases.queries.stats import By, StatsFilter
from yimen.cases.services import steps

pytestmark = pytest.mark.django_db

AUTUMN = {"start": date(2024, 9, 1), "end": date(2024, 11, 30)}
DECEMBER = local(2024, 12, 1, 9)


@pytest.fixture
def autumn(licence, instant, people, cast) -> None:
    october_cases(licence, instant, cast)
    police_case(people, cast)
    steps.accept(case=file(licence, cast), by=cast.clerk, at=local(2024, 11, 4, 9))  # still open


def figures_of(f: StatsFilter, *, summaries: bool = True) -> list[dict[str, object]]:
    rows, total = stats.case_stats(f, now=DECEMBER, summaries=summaries)
    return [r.as_dict() for r in [*rows, total]]


def every_breakdown(cast, licence) -> list[StatsFilter]:
    return [
        *(StatsFilter(**AUTUMN, by=by) for by in By.values),
        StatsFilter(**OCTOBER, by=By.MONTH),
        StatsFilter(start=date(2024, 10, 9), end=date(2024, 10, 30), by=By.ITEM),
        StatsFilter(**AUTUMN, organisations={cast.police.pk}),
        StatsFilter(**AUTUMN, by=By.ITEM, window_id=cast.window.pk),
        StatsFilter(**AUTUMN, by=By.WINDOW, item_id=licence.pk),
    ]


def test_the_summarised_statistics_equal_counting_every_case(autumn, cast, licence) -> None:
    refreshed = figures.refresh(now=DECEMBER)
    assert refreshed.days == (date(2024, 12, 1) - date(2024, 9, 2)).days + 1
    assert DailyFigures.objects.filter(day__month=10).exists()
    for f in every_breakdown(cast, licence):
        assert figures_of(f) == figures_of(f, summaries=False), f
    _, total = stats.case_stats(StatsFilter(**OCTOBER), now=DECEMBER)
    assert (total.concluded, total.immediate_rate, total.on_time_rate, total.average_workdays) == (
        10,
        60.0,
        90.0,
        19.5,
    )


def test_summarised_days_are_read_from_the_figures_until_a_rebuild(autumn) -> None:
    figures.refresh(now=DECEMBER)
    with connection.cursor() as cursor:  # a repair outside the services: the figures do not see it
        cursor.execute("DELETE FROM cases_caseevent")
        cursor.execute("DELETE FROM cases_case WHERE concluded_at IS NOT NULL")
    assert figures_of(StatsFilter(**OCTOBER))[-1]["concluded"] == 10
    figures.refresh(now=DECEMBER, rebuild=True)
    assert figures_of(StatsFilter(**OCTOBER))[-1]["concluded"] == 0


def test_a_case_concluded_with_an_earlier_time_counts_at_once(autumn, licence, cast) -> None:
    figures.refresh(now=DECEMBER)
    concluded(licence, cast, local(2024, 10, 8, 9), local(2024, 10, 28, 16))
    assert FiguresDay.objects.get(day=date(2024, 10, 28)).through is None
    f = StatsFilter(**OCTOBER)
    assert figures_of(f)[-1]["concluded"] == 11
    assert figures_of(f) == figures_of(f, summaries=False)
    assert figures.refresh(now=DECEMBER).days == 2  # the two days written to: 10-08 and 10-28
    assert FiguresDay.objects.get(day=date(2024, 10, 28)).through == local(2024, 10, 29)
    assert figures_of(f) == figures_of(f, summaries=False)


def test_the_day_so_far_is_summarised_up_to_ten_minutes_ago(licence, instant, cast, monkeypatch) -> None:
    clock = [local(2024, 10, 31, 9)]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    morning = steps.accept_immediately(case=file(instant, cast), by=cast.clerk, certificate_no="ZZ-1")
    clock[0] = local(2024, 10, 31, 12)
    figures.refresh()
    assert FiguresDay.objects.get(day=date(2024, 10, 31)).through == local(2024, 10, 31, 11, 50)
    steps.accept_immediately(case=file(instant, cast), by=cast.clerk, certificate_no="ZZ-2")
    assert FiguresDay.objects.get(day=date(2024, 10, 31)).through is not None  # "now" needs no mark
    f = StatsFilter(start=date(2024, 10, 31), end=date(2024, 10, 31))
    assert figures_of(f)[-1]["concluded"] == 2
    assert figures_of(f) == figures_of(f, summaries=False)
    assert DailyFigures.objects.get(day=date(2024, 10, 31)).concluded == 1
    assert Case.objects.get(pk=morning.pk).result == Result.ISSUED


def test_a_second_refresh_finds_nothing_to_do(autumn) -> None:
    figures.refresh(now=DECEMBER)
    rows = DailyFigures.objects.count()
    assert figures.refresh(now=DECEMBER) == figures.Refreshed(days=0, rows=0)
    assert DailyFigures.objects.count() == rows
    later = figures.refresh(now=DECEMBER + timedelta(days=1))
    assert later.days == 2  # yesterday's last ten minutes, and today so far


def test_yimen_casefigures_command(autumn) -> None:
    out = StringIO()
    call_command("casefigures", stdout=out)
    assert "办件统计日汇总" in out.getvalue()
    assert FiguresDay.objects.filter(day=date(2024, 10, 31), through__isnull=False).exists()
    call_command("casefigures", "--rebuild", stdout=out)
    today = timezone.localdate()
    assert FiguresDay.objects.filter(day__lt=today, through__isnull=True).count() == 0
