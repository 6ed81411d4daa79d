"""A data set's catalogue entry kept by its provider's administrator: checked in Chinese field by field,
published and withdrawn once each, audited, refreshed daily as its 更新频率 says."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from tests.opendata.conftest import dataset, fields
from yimen.core import events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.opendata import handlers, services
from yimen.opendata.events import REFRESH_DUE
from yimen.opendata.models import Dataset, Distribution, Frequency, Openness, SecurityLevel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"identifier": "26/1"}, "identifier", "信息资源标识符：格式为“四位年份/数字”，如 2026/3301000001"),
        (
            {"identifier": "2026/abc"},
            "identifier",
            "信息资源标识符：格式为“四位年份/数字”，如 2026/3301000001",
        ),
        ({"title": " "}, "title", "数据集名称：必填"),
        ({"maintainer": ""}, "maintainer", "数据维护方：必填"),
        ({"openness": "secret"}, "openness", "开放属性：无条件开放或有条件开放"),
        ({"frequency": "hourly"}, "frequency", "更新频率：请从列表中选择"),
        ({"source": "cases"}, "source", "数据来源：请从列表中选择"),
        (
            {"security_level": SecurityLevel.TWO},
            "security_level",
            "安全等级：无条件开放的数据集须为一级（二级数据只能有条件开放）",
        ),
        ({"keywords": [f"词{n}" for n in range(11)]}, "keywords", "关键字：最多10个"),
        ({"keywords": ["很" * 21]}, "keywords", "关键字：每个不超过20个字"),
    ],
)
def test_a_bad_entry_is_refused_naming_the_field_and_the_rule(cast, changes, field, message) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.save_dataset(dataset=None, fields=fields(cast, **changes), by=cast.admin)
    assert caught.value.status == 422 and caught.value.fields[field] == [message]
    assert not Dataset.objects.exists() and not AuditEntry.objects.exists()


def test_an_identifier_is_unique_and_fixed_once_published(licence, cast) -> None:
    first = dataset(cast, identifier="2026/3301000001")
    with pytest.raises(ApplicationError) as caught:
        services.save_dataset(dataset=None, fields=fields(cast, identifier="2026/3301000001"), by=cast.admin)
    assert caught.value.fields == {"identifier": ["信息资源标识符：2026/3301000001 已被其他数据集使用"]}
    with pytest.raises(ApplicationError, match="已发布过的数据集不能修改标识符"):
        services.save_dataset(dataset=first, fields=fields(cast, identifier="2026/3301000002"), by=cast.admin)
    draft = dataset(cast, identifier="2026/3301000003", published=False)
    changed = services.save_dataset(
        dataset=draft, fields=fields(cast, identifier="2026/3301000004"), by=cast.admin
    )
    assert changed.identifier == "2026/3301000004"


def test_keywords_are_trimmed_and_kept_once_and_changes_are_audited(cast) -> None:
    saved = services.save_dataset(
        dataset=None, fields=fields(cast, keywords=[" 事项 ", "事项", "", "指南"]), by=cast.admin
    )
    assert saved.keywords == ["事项", "指南"] and saved.created_by == cast.admin
    services.save_dataset(
        dataset=saved, fields=fields(cast, identifier=saved.identifier, title="新名称"), by=cast.admin
    )
    [created, changed] = AuditEntry.objects.filter(action="opendata.dataset_saved").order_by("pk")
    assert created.summary.get("before") is None and created.organisation_id == cast.government.pk
    assert (
        changed.summary["before"]["title"] == "政务服务事项目录"
        and changed.summary["after"]["title"] == "新名称"
    )


def test_only_the_providers_administrator_keeps_its_data_sets(cast, police_admin) -> None:
    with pytest.raises(NotPermitted):
        services.save_dataset(dataset=None, fields=fields(cast), by=police_admin)
    with pytest.raises(NotPermitted):
        services.save_dataset(dataset=None, fields=fields(cast), by=cast.officer)
    police = services.save_dataset(dataset=None, fields=fields(cast, publisher=cast.police), by=police_admin)
    government = dataset(cast, published=False)
    for step in (services.publish, services.regenerate):
        with pytest.raises(NotPermitted):
            step(dataset=government, by=police_admin)
    # The city's administrator reaches the police's data set (an organisation below the government).
    assert services.publish(dataset=police, by=cast.admin).is_published


def test_publishing_generates_the_files_and_happens_once(licence, cast) -> None:
    draft = dataset(cast, published=False)
    assert not Distribution.objects.filter(dataset=draft).exists()
    published = services.publish(dataset=draft, by=cast.admin)
    assert published.is_published and published.issued_on == timezone.localdate()
    assert Distribution.objects.filter(dataset=draft).count() == 3
    assert published.columns[0] == "实施编码" and len(published.preview) == 1
    with pytest.raises(TransitionError, match="数据集已发布，不能重复发布"):
        services.publish(dataset=published, by=cast.admin)
    withdrawn = services.unpublish(dataset=published, by=cast.admin)
    assert not withdrawn.is_published
    with pytest.raises(TransitionError, match="数据集尚未发布，不能撤下"):
        services.unpublish(dataset=withdrawn, by=cast.admin)
    again = services.publish(dataset=withdrawn, by=cast.admin)
    assert again.issued_on == published.issued_on  # 发布日期 is the first publication's
    names = list(OutboxMessage.objects.filter(name__startswith="opendata.").values_list("name", flat=True))
    assert names.count("opendata.dataset_published") == 2 and names.count("opendata.dataset_withdrawn") == 1
    assert AuditEntry.objects.filter(action="opendata.dataset_withdrawn").count() == 1


def test_a_published_data_set_whose_source_changes_is_generated_again(licence, cast) -> None:
    found = dataset(cast)
    services.save_dataset(
        dataset=found, fields=fields(cast, identifier=found.identifier, source="windows"), by=cast.admin
    )
    found.refresh_from_db()
    assert found.columns[0] == "窗口号" and found.preview[0][0] == "B012"


def local_day(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.mark.parametrize(
    ("frequency", "generated", "due_on", "not_due_on"),
    [
        (Frequency.DAILY, (2026, 3, 10, 23), date(2026, 3, 11), date(2026, 3, 10)),
        (Frequency.REALTIME, (2026, 3, 10, 8), date(2026, 3, 11), date(2026, 3, 10)),
        (Frequency.WEEKLY, (2026, 3, 8, 9), date(2026, 3, 9), date(2026, 3, 8)),  # Monday the 9th
        (Frequency.MONTHLY, (2026, 3, 31, 9), date(2026, 4, 1), date(2026, 3, 31)),
        (Frequency.QUARTERLY, (2026, 2, 1, 9), date(2026, 4, 1), date(2026, 3, 31)),
        (Frequency.YEARLY, (2025, 12, 31, 9), date(2026, 1, 1), date(2025, 12, 31)),
    ],
)
def test_a_data_set_is_due_when_its_frequencys_period_has_turned(
    cast, frequency, generated, due_on, not_due_on
) -> None:
    found = Dataset(frequency=frequency, modified_at=local_day(*generated))
    assert services.is_due(found, due_on) and not services.is_due(found, not_due_on)
    assert services.is_due(Dataset(frequency=frequency), not_due_on)  # never generated


def test_the_daily_refresh_regenerates_what_is_due(licence, cast) -> None:
    daily = dataset(cast, frequency=Frequency.DAILY)
    yearly = dataset(cast, frequency=Frequency.YEARLY, title="年度")
    dataset(cast, frequency=Frequency.DAILY, title="未发布", published=False)
    yesterday = timezone.now() - timedelta(days=1)
    Dataset.objects.filter(pk=daily.pk).update(modified_at=yesterday)
    generated = yearly.modified_at
    today = timezone.localdate()
    handlers.refresh_for_the_day(events.Message(1, REFRESH_DUE.name, events.Day(day=today), "k", 1))
    refreshed = AuditEntry.objects.filter(action="opendata.dataset_regenerated", actor_label="系统")
    assert list(refreshed.values_list("object_id", flat=True)) == [str(daily.pk)]
    daily.refresh_from_db()
    yearly.refresh_from_db()
    assert daily.modified_at > yesterday and yearly.modified_at == generated
    assert services.refresh_due(today=today) == []  # a repeat finds nothing due


def test_conditional_data_sets_may_be_either_level(cast) -> None:
    first = services.save_dataset(
        dataset=None,
        fields=replace(fields(cast, openness=Openness.CONDITIONAL), security_level=SecurityLevel.ONE),
        by=cast.admin,
    )
    assert first.conditional
