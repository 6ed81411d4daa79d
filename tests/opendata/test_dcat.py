"""The catalogue as DCAT-AP JSON-LD: it validates against the schema derived from DCAT-AP's mandatory
properties (dcat_ap.schema.json), lists the published data sets only, and each distribution's URLs lead
to its very file (size and SHA-256 as stated)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from tests.opendata.conftest import approved_key, dataset
from yimen.opendata.models import Dataset, Openness, SourceCode

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parent / "dcat_ap.schema.json").read_text(encoding="utf-8"))
EU = "http://publications.europa.eu/resource/authority"


def errors(document: dict[str, Any]) -> list[str]:
    validator = Draft202012Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture
def catalogue(licence, cast) -> dict[str, Any]:
    dataset(cast, title="政务服务事项目录", keywords=["事项", "办事指南"])
    dataset(
        cast,
        title="各单位月度好差评统计",
        source=SourceCode.EVALUATIONS,
        openness=Openness.CONDITIONAL,
        frequency="monthly",
        theme="evaluation",
        contact="data@xianning.gov.cn",
    )
    dataset(cast, title="尚未发布的数据集", published=False)
    response = Client().get("/opendata/catalog.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    return json.loads(response.content)


def test_the_catalogue_validates_against_the_dcat_ap_schema(catalogue) -> None:
    assert errors(catalogue) == []
    assert catalogue["@type"] == "dcat:Catalog"
    assert catalogue["dct:title"]["@value"] == "咸宁市政务服务中心政务数据开放目录"
    titles = [d["dct:title"]["@value"] for d in catalogue["dcat:dataset"]]
    assert titles == ["政务服务事项目录", "各单位月度好差评统计"]  # by identifier; the unpublished one absent


def test_the_schema_is_not_vacuous(catalogue) -> None:
    for path, broken in (
        (("dcat:dataset", 0), lambda d: d.pop("dct:description")),
        (("dcat:dataset", 0), lambda d: d.pop("dcat:contactPoint")),
        (("dcat:dataset", 1, "dcat:distribution", 0), lambda d: d.pop("dcat:accessURL")),
        (("dcat:dataset", 1, "dcat:distribution", 0), lambda d: d.update({"dcat:byteSize": "12"})),
        (("dcat:dataset", 0), lambda d: d.update({"dct:identifier": "2026-1"})),
        ((), lambda d: d.pop("dct:publisher")),
    ):
        document = copy.deepcopy(catalogue)
        node: Any = document
        for step in path:
            node = node[step]
        broken(node)
        assert errors(document), path


def test_each_data_set_carries_its_metadata(catalogue, cast) -> None:
    items, ratings = catalogue["dcat:dataset"]
    assert items["dct:identifier"].startswith("2026/")
    assert items["dct:publisher"]["foaf:name"]["@value"] == "咸宁市人民政府"
    assert [k["@value"] for k in items["dcat:keyword"]] == ["事项", "办事指南"]
    assert items["dct:accrualPeriodicity"]["@id"] == f"{EU}/frequency/WEEKLY"
    assert items["dct:accessRights"]["@id"] == f"{EU}/access-right/PUBLIC"
    assert items["dcat:contactPoint"]["vcard:hasTelephone"]["@id"] == "tel:0715-8126517"
    assert items["dcat:theme"][1]["skos:prefLabel"]["@value"] == "政务服务"
    assert ratings["dct:accessRights"]["@id"] == f"{EU}/access-right/RESTRICTED"
    assert ratings["dct:accrualPeriodicity"]["@id"] == f"{EU}/frequency/MONTHLY"
    assert ratings["dcat:contactPoint"]["vcard:hasEmail"]["@id"] == "mailto:data@xianning.gov.cn"
    assert [d["dct:format"]["@id"].rsplit("/", 1)[1] for d in items["dcat:distribution"]] == [
        "CSV",
        "JSON",
        "XLSX",
    ]


def test_each_distribution_leads_to_its_file(catalogue, cast) -> None:
    items, ratings = catalogue["dcat:dataset"]
    client = Client()
    for distribution in items["dcat:distribution"]:
        url = distribution["dcat:downloadURL"]["@id"]
        assert url.startswith("http://testserver/opendata/datasets/") and "/download/" in url
        assert distribution["dcat:accessURL"]["@id"] == url  # only a direct download: both the same
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
        assert len(content) == distribution["dcat:byteSize"]["@value"]
        assert (
            hashlib.sha256(content).hexdigest()
            == distribution["spdx:checksum"]["spdx:checksumValue"]["@value"]
        )
        media = distribution["dcat:mediaType"]["@id"].removeprefix(
            "https://www.iana.org/assignments/media-types/"
        )
        assert response["Content-Type"].startswith(media)

    restricted = ratings["dcat:distribution"][0]
    landing = ratings["@id"]
    assert restricted["dcat:accessURL"]["@id"] == landing  # where one applies
    api = restricted["dcat:downloadURL"]["@id"]
    assert api.startswith("http://testserver/api/v1/opendata/datasets/") and api.endswith("/csv")
    path = api.removeprefix("http://testserver")
    assert client.get(path).status_code == 401
    key = approved_key(cast, Dataset.objects.get(title="各单位月度好差评统计"))
    assert client.get(path, headers={"X-API-Key": key}).status_code == 200
    assert client.get(landing.removeprefix("http://testserver")).status_code == 200
