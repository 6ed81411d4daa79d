"""电子证照免提交统计 with worked numbers: 青山食品 files three 食品经营许可证核发 cases, two of which reuse its
营业执照. The guide lists 3 materials, 2 of them 必要 (申请书, 营业执照): each case had to submit 2, less the
replaced ones — (2 + 2 + 2 − 2) ÷ 3 = 1.3 on average; 免提交材料数 2."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.cases.conftest import COMPANY, file
from tests.conftest import sign_in
from yimen.certificates import reuse, stats
from yimen.certificates.models import HolderCodeType, UseChannel
from yimen.certificates.queries import replaced_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(cast, licensed, licence):
    cases = [file(licence, cast, COMPANY) for _ in range(3)]
    offered = reuse.replaceable(licence.current, HolderCodeType.USCC, COMPANY.uscc)
    for case in cases[:2]:
        reuse.reuse_at_intake(case=case, replacements=offered, by=cast.clerk, channel=UseChannel.WINDOW)
    return cases


def _this_year() -> stats.Period:
    today = timezone.localdate()
    return stats.Period(today.replace(month=1, day=1), today)


def test_counts_per_item_and_the_reform_figure(cast, three, licence) -> None:
    assert [replaced_count(case) for case in three] == [1, 1, 0]
    [row] = stats.by_item(_this_year(), None)
    assert (row.item, row.organisation) == ("食品经营许可证核发", "咸宁市市场监督管理局")
    assert (row.cases, row.reusing, row.replaced) == (3, 2, 2)
    assert (row.listed, row.required) == (3, 2)
    assert row.submitted == Decimal("1.3")
    assert row.saved == Decimal("0.7")


def test_counts_per_organisation(cast, three) -> None:
    [row] = stats.by_organisation(_this_year(), None)
    # 4 cases: the three applications and the 营业执照遗失补领 that issued the licence
    assert (row.organisation, row.cases, row.reusing, row.replaced) == ("咸宁市市场监督管理局", 4, 2, 2)
    assert row.share == Decimal("50.0")


def test_another_organisations_reader_and_another_period_count_nothing(cast, three) -> None:
    assert stats.by_item(_this_year(), {cast.police.pk}) == []
    assert stats.by_organisation(_this_year(), {cast.police.pk}) == []
    last_year = timezone.localdate().year - 1
    from datetime import date

    assert stats.by_item(stats.Period(date(last_year, 1, 1), date(last_year, 12, 31)), None) == []


def test_the_office_page_shows_the_figures_to_stats_readers_only(cast, three, licence) -> None:
    client = Client()
    sign_in(client, cast.reviewer)  # 王审批: stats.view over the market bureau
    page = client.get("/office/reports/certificate-reuse/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "电子证照免提交统计" in text
    assert f'data-testid="reuse-item-{licence.pk}"' in text
    assert "<td>3</td><td>2</td><td>2</td>\n    <td>3</td><td>2</td><td>1.3</td><td>0.7</td>" in text
    other = Client()
    sign_in(other, cast.clerk)  # 李窗口: no stats.view
    assert other.get("/office/reports/certificate-reuse/").status_code == 403
