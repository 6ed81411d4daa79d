"""The demo's open data: five data sets of the city government built from the demo's records and
published (one 有条件开放), their catalogue valid DCAT-AP, and one application awaiting a decision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from yimen.demo import cases as cases_demo
from yimen.demo import catalog as catalog_demo
from yimen.demo import opendata as demo
from yimen.demo import org as org_demo
from yimen.demo import publishing as publishing_demo
from yimen.opendata.models import AccessApplication, ApplicationState, Dataset, Distribution, Openness

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).parents[1] / "opendata" / "dcat_ap.schema.json"


def test_the_demo_publishes_five_data_sets_one_of_them_conditional() -> None:
    org_demo.load()
    catalog_demo.load()
    cases_demo.load(count=300)
    publishing_demo.load(per_year=20)
    summary = demo.load()
    datasets = list(Dataset.objects.all())
    assert len(datasets) == 5 and all(d.is_published for d in datasets), summary
    assert [d.title for d in datasets if d.openness == Openness.CONDITIONAL] == ["各单位月度好差评统计"]
    counts = dict(Distribution.objects.filter(format="csv").values_list("dataset__source", "record_count"))
    assert counts["items"] > 100 and counts["windows"] > 10 and counts["publications"] > 0, counts
    assert counts["case_stats"] > 0, counts
    [pending] = AccessApplication.objects.all()
    assert (
        pending.state == ApplicationState.SUBMITTED
        and pending.datasets.get().openness == Openness.CONDITIONAL
    )
    catalogue = json.loads(Client().get("/opendata/catalog.jsonld").content)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(catalogue)) == []
    assert len(catalogue["dcat:dataset"]) == 5
    assert demo.load() == "演示开放数据集已存在，跳过"
