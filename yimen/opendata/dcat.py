"""The open data catalogue as DCAT-AP JSON-LD (`/opendata/catalog.jsonld`): one dcat:Catalog whose
dcat:dataset lists every published data set with its distributions.

A data set maps onto DCAT-AP as exchange-certificates.md §5 lists: 数据集名称 → dct:title, 数据摘要 →
dct:description, 数据提供方 → dct:publisher, 数据维护方 and its 联系方式 → dcat:contactPoint, 信息资源标识符 →
dct:identifier, 关键字 → dcat:keyword, 主题分类 → dcat:theme (the EU data theme GOVE, and our own concept with
its Chinese label), 更新频率 → dct:accrualPeriodicity (EU frequency authority), 发布日期 / 更新日期 →
dct:issued / dct:modified, 开放属性 → dct:accessRights (PUBLIC / RESTRICTED), 语种 → dct:language. Each
file is a dcat:Distribution with dcat:accessURL, dcat:downloadURL, dct:format, dcat:mediaType,
dcat:byteSize and its SHA-256 (spdx:checksum). A 无条件开放 file's access and download URL are the same
public link (as DCAT-AP advises when only a direct download exists); a 有条件开放 file is reached from the
data set's page, where one applies, and downloaded from the API with the key an approval issues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from yimen.core import pages
from yimen.opendata import queries
from yimen.opendata.models import Dataset, Distribution, Format, Frequency, Openness

EU = "http://publications.europa.eu/resource/authority"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
FREQUENCY = {
    Frequency.REALTIME: "UPDATE_CONT",
    Frequency.DAILY: "DAILY",
    Frequency.WEEKLY: "WEEKLY",
    Frequency.MONTHLY: "MONTHLY",
    Frequency.QUARTERLY: "QUARTERLY",
    Frequency.YEARLY: "ANNUAL",
}
FILE_TYPE = {Format.CSV: "CSV", Format.JSON: "JSON", Format.XLSX: "XLSX"}
ACCESS = {Openness.OPEN: "PUBLIC", Openness.CONDITIONAL: "RESTRICTED"}
LANGUAGE = {"zh": "ZHO"}
GOVERNMENT_THEME = f"{EU}/data-theme/GOVE"  # every data set here is of the public sector's own work


def zh(text: str) -> dict[str, str]:
    return {"@value": text, "@language": "zh"}


def _typed(value: date | datetime | int, kind: str) -> dict[str, Any]:
    shown: Any = value
    if isinstance(value, datetime):
        shown = timezone.localtime(value).isoformat(timespec="seconds")
    elif isinstance(value, date):
        shown = value.isoformat()
    return {"@value": shown, "@type": f"xsd:{kind}"}


def _link(url: str) -> dict[str, str]:
    return {"@id": url}


def _contact(dataset: Dataset) -> dict[str, Any]:
    point: dict[str, Any] = {"@type": "vcard:Organization", "vcard:fn": zh(dataset.maintainer)}
    contact = dataset.contact.strip()
    if "@" in contact:
        point["vcard:hasEmail"] = _link(f"mailto:{contact}")
    elif digits := re.sub(r"[^\d+-]", "", contact):
        point["vcard:hasTelephone"] = _link(f"tel:{digits}")
    return point


def _publisher(dataset: Dataset) -> dict[str, Any]:
    agent: dict[str, Any] = {"@type": "foaf:Agent", "foaf:name": zh(dataset.publisher.name)}
    if dataset.publisher.uscc:
        agent["dct:identifier"] = dataset.publisher.uscc
    return agent


def download_url(base: str, distribution: Distribution, dataset: Dataset) -> str:
    """Where the file itself is fetched: the public link, or for 有条件开放 the API (X-API-Key)."""
    if dataset.conditional:
        return base + reverse("api:opendata_download", kwargs={"pk": dataset.pk, "fmt": distribution.format})
    return base + pages.path("opendata.download", dataset.pk, distribution.format)


def _distribution(base: str, dataset: Dataset, distribution: Distribution) -> dict[str, Any]:
    landing = base + pages.path("opendata.dataset", dataset.pk)
    download = download_url(base, distribution, dataset)
    return {
        "@id": f"{landing}#{distribution.format}",
        "@type": "dcat:Distribution",
        "dct:title": zh(f"{dataset.title}（{distribution.get_format_display()}）"),
        "dcat:accessURL": _link(landing if dataset.conditional else download),
        "dcat:downloadURL": _link(download),
        "dct:format": _link(f"{EU}/file-type/{FILE_TYPE[Format(distribution.format)]}"),
        "dcat:mediaType": _link(f"https://www.iana.org/assignments/media-types/{distribution.media_type}"),
        "dcat:byteSize": _typed(distribution.byte_size, "nonNegativeInteger"),
        "dct:modified": _typed(distribution.generated_at, "dateTime"),
        "dct:description": zh(f"共 {distribution.record_count} 条记录"),
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": _link("spdx:checksumAlgorithm_sha256"),
            "spdx:checksumValue": {"@value": distribution.sha256, "@type": "xsd:hexBinary"},
        },
    }


def dataset_node(base: str, dataset: Dataset) -> dict[str, Any]:
    landing = base + pages.path("opendata.dataset", dataset.pk)
    catalogue = base + pages.path("opendata.catalogue")
    node: dict[str, Any] = {
        "@id": landing,
        "@type": "dcat:Dataset",
        "dct:identifier": dataset.identifier,
        "dct:title": zh(dataset.title),
        "dct:description": zh(dataset.description),
        "dct:publisher": _publisher(dataset),
        "dcat:contactPoint": _contact(dataset),
        "dcat:keyword": [zh(word) for word in dataset.keywords],
        "dcat:theme": [
            _link(GOVERNMENT_THEME),
            {
                "@id": f"{catalogue}?theme={dataset.theme}",
                "@type": "skos:Concept",
                "skos:prefLabel": zh(dataset.get_theme_display()),
            },
        ],
        "dct:accrualPeriodicity": _link(f"{EU}/frequency/{FREQUENCY[Frequency(dataset.frequency)]}"),
        "dct:accessRights": _link(f"{EU}/access-right/{ACCESS[Openness(dataset.openness)]}"),
        "dct:license": {"@type": "dct:LicenseDocument", "rdfs:label": zh(dataset.license)},
        "dcat:landingPage": _link(landing),
        "dcat:distribution": [_distribution(base, dataset, d) for d in queries.files_of(dataset)],
    }
    if dataset.language in LANGUAGE:
        node["dct:language"] = _link(f"{EU}/language/{LANGUAGE[dataset.language]}")
    if dataset.issued_on is not None:
        node["dct:issued"] = _typed(dataset.issued_on, "date")
    if dataset.modified_at is not None:
        node["dct:modified"] = _typed(dataset.modified_at, "dateTime")
    return node


def catalog(base: str, *, title: str, publisher: str, datasets: Iterable[Dataset]) -> dict[str, Any]:
    """The dcat:Catalog of `datasets` (the published ones), with absolute URLs under `base`
    (scheme and host, no trailing slash)."""
    listed = [d for d in datasets if d.distributions.all()]
    modified = max((d.modified_at for d in listed if d.modified_at), default=None)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": base + pages.path("opendata.dcat"),
        "@type": "dcat:Catalog",
        "dct:title": zh(title),
        "dct:description": zh(
            f"{publisher}开放的政务数据：政务服务事项、服务窗口、办件与好差评统计、主动公开信息目录等。"
        ),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": zh(publisher)},
        "dct:language": _link(f"{EU}/language/ZHO"),
        "foaf:homepage": _link(base + pages.path("opendata.catalogue")),
        "dcat:dataset": [dataset_node(base, d) for d in listed],
    }
    if modified is not None:
        document["dct:modified"] = _typed(modified, "dateTime")
    return document
