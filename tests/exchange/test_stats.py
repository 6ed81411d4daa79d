"""及时率 and 准确率 counted from a constructed set of deliveries: on time, late, rejected then corrected,
accepted on a second attempt, dead, not yet due, superseded; and the annual report's sentence, with the
seed's 「均达到99%以上」 only when both rates reach it."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.exchange.conftest import make_target
from yimen.exchange import stats
from yimen.exchange.models import Delivery, Kind, Record, Revision, Status, Target
from yimen.reports.builder import build_annual_report
from yimen.reports.legacy import build_legacy_report

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)
NOW = timezone.make_aware(datetime(2026, 3, 5, 12, 0))
_serial = itertools.count(1)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def owe(
    target: Target,
    *,
    changed: datetime,
    status: str = Status.ACCEPTED,
    sent_after: int | None = 10,  # minutes after the change the row was first sent; None: never
    attempts: int = 1,
    correction: bool = False,
    kind: str = Kind.ACCEPT,
    organisation: int | None = None,
) -> Delivery:
    """One delivery as the push would leave it (limit 30 minutes)."""
    n = next(_serial)
    record = Record.objects.create(
        kind=kind,
        source=f"case:{n}:accept",
        group=f"case:{n}",
        row_guid=f"g{n:031d}",
        organisation_id=organisation,
    )
    revision = Revision.objects.create(
        record=record, version=1, operation="I", payload="{}", changed_at=changed
    )
    first = changed + timedelta(minutes=sent_after) if sent_after is not None else None
    return Delivery.objects.create(
        target=target,
        record=record,
        revision=revision,
        kind=kind,
        status=status,
        operation="I",
        changed_at=changed,
        due_by=changed + timedelta(minutes=target.limit_for(kind)),
        attempts=attempts if first else 0,
        first_sent_at=first,
        correction=correction,
    )


@pytest.fixture
def day_of_rows(db) -> Target:
    """One day's rows to the province, each kind of fate."""
    province = make_target(name="省一体化政务服务平台")
    for hour in range(8, 14):  # six on time, accepted as first sent
        owe(province, changed=at(hour))
    owe(province, changed=at(14), sent_after=45)  # late (limit 30), accepted first try
    owe(province, changed=at(15), status=Status.REJECTED)  # rejected …
    owe(province, changed=at(15, 30), correction=True)  # … and its correction, accepted
    owe(province, changed=at(16), status=Status.DEAD, attempts=10)  # sent on time, never answered
    owe(province, changed=at(16, 30), attempts=2)  # accepted on the second attempt
    owe(province, changed=at(17), status=Status.PENDING, sent_after=None)  # never sent, past its limit
    owe(province, changed=NOW - timedelta(minutes=5), status=Status.PENDING, sent_after=None)  # not due yet
    owe(province, changed=at(9, 30), status=Status.SUPERSEDED, sent_after=None)  # replaced in the queue
    owe(province, changed=at(9, 0, DAY + timedelta(days=1)), kind=Kind.LICENCE)  # the next day
    return province


def test_the_figures_of_a_day_follow_their_definitions(day_of_rows) -> None:
    lines = stats.by_day(Delivery.objects.all(), DAY, DAY, now=NOW)
    assert [(line.kind, line.day) for line in lines] == [(Kind.ACCEPT, DAY)]
    f = lines[0].figures
    assert (f.due, f.on_time, f.late) == (12, 10, 2)  # the superseded and the not-yet-due rows are not due
    assert (f.pushed, f.judged, f.first_try) == (11, 10, 7)  # the correction is not judged again
    assert (f.rejected, f.corrected, f.dead, f.pending, f.waiting) == (1, 1, 1, 1, 0)
    assert f.timely_rate == Decimal("83.3") and f.accuracy_rate == Decimal("70.0")
    assert f.timely_text == "83.3%" and f.accuracy_text == "70%" and not f.both_reach_target


def test_the_period_groups_by_target_kind_and_day(day_of_rows) -> None:
    department = make_target("department", name="市场监管业务系统", role="department")
    owe(department, changed=at(10))
    lines = stats.by_day(Delivery.objects.all(), DAY, DAY + timedelta(days=1), now=NOW)
    keys = [(line.target_id, line.kind, line.day) for line in lines]
    assert keys == [
        (day_of_rows.pk, Kind.LICENCE, DAY + timedelta(days=1)),
        (day_of_rows.pk, Kind.ACCEPT, DAY),
        (department.pk, Kind.ACCEPT, DAY),
    ]
    totals = stats.by_target(Delivery.objects.all(), DAY, DAY + timedelta(days=1), now=NOW)
    assert totals[day_of_rows.pk].due == 13 and totals[department.pk].first_try == 1
    assert stats.summed(lines, lambda line: line.target_id) == totals
    assert stats.by_target(Delivery.objects.all(), DAY + timedelta(days=4), DAY + timedelta(days=9)) == {}


def test_the_counts_are_one_query(day_of_rows, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        stats.by_day(Delivery.objects.all(), DAY, DAY, now=NOW)


def test_rates_are_rounded_down_so_a_near_miss_never_reads_99() -> None:
    assert stats.rate(9896, 10000) == Decimal("98.9") and stats.rate(1, 0) is None
    near = stats.Figures(due=10000, on_time=9896, judged=10000, first_try=10000)
    assert not near.both_reach_target and near.timely_text == "98.9%" and near.accuracy_text == "100%"
    assert stats.Figures(due=100, on_time=99, judged=100, first_try=99).both_reach_target
    assert [stats.amount(n) for n in (8765, 340000, 342345)] == ["8765条", "34万条", "34.2万余条"]


def test_the_sentence_says_99_percent_only_when_both_rates_reach_it(day_of_rows) -> None:
    sentence = stats.narrative(2026, now=NOW)
    assert sentence == (
        "今年以来向省一体化政务服务平台推送办件和证照数据12条，上传及时率84.6%、准确率72.7%。"
    )
    assert "99%以上" not in sentence
    good = make_target("good", name="省一体化政务服务平台（新）")
    rows = [owe(good, changed=at(10, 0, date(2025, 6, 1)), kind=Kind.TASK) for _ in range(3)]
    Delivery.objects.filter(pk=rows[0].pk).update(status=Status.REJECTED)
    assert (
        stats.narrative(2025, now=NOW)
        == "全年向省一体化政务服务平台（新）推送事项数据3条，上传及时率100%、准确率66.6%。"
    )
    Delivery.objects.filter(pk=rows[0].pk).update(status=Status.ACCEPTED)
    assert stats.narrative(2025, now=NOW) == (
        "全年向省一体化政务服务平台（新）推送事项数据3条，上传数据的及时性和准确性均达到99%以上（及时率100%、准确率100%）。"
    )
    assert stats.narrative(2024, now=NOW) == ""


def test_the_annual_report_quotes_the_sentence_of_its_organisations(cast) -> None:
    province = make_target(name="省一体化政务服务平台")
    for hour in range(8, 12):
        owe(province, changed=at(hour, 0, date(2025, 5, 6)), organisation=cast.market.pk)
    owe(province, changed=at(8, 0, date(2025, 5, 7)), organisation=cast.police.pk)
    said = "全年向省一体化政务服务平台推送办件数据{n}条，上传数据的及时性和准确性均达到99%以上（及时率100%、准确率100%）。"
    overview = build_annual_report(cast.government, 2025).section("一、总体情况").text
    assert said.format(n=5) in overview
    assert said.format(n=4) in build_annual_report(cast.market, 2025).section("一、总体情况").text
    assert "推送" not in build_annual_report(cast.market, 2024).section("一、总体情况").text
    owe(province, changed=at(9, 0, date(2018, 7, 2)), organisation=cast.market.pk, kind=Kind.TRADING)
    legacy = build_legacy_report(cast.market, 2018).section("二、深入贯彻落实全市政务公开工作要点情况").text
    assert legacy.endswith(
        "全年向省一体化政务服务平台推送交易公告数据1条，上传数据的及时性和准确性均达到99%以上（及时率100%、准确率100%）。"
    )
    assert (
        "推送"
        not in build_legacy_report(cast.police, 2018).section("二、深入贯彻落实全市政务公开工作要点情况").text
    )
