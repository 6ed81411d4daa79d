"""Downloads: a 无条件开放 file is public; a 有条件开放 one only through the API with the key its approved
application issued, for the data sets approved. Each download is counted once, concurrent ones all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.cases.conftest import race
from tests.conftest import make_staff
from tests.opendata.conftest import application, approved_key, dataset
from yimen.core.models import AuditEntry
from yimen.opendata import services
from yimen.opendata.models import Distribution, Format, Openness, SourceCode
from yimen.org import services as org_services
from yimen.org.models import ApiKey, ApiScope, Role

pytestmark = pytest.mark.django_db


def page(found) -> str:
    return f"/opendata/datasets/{found.pk}/"


def public(found, fmt: str = Format.CSV) -> str:
    return f"/opendata/datasets/{found.pk}/download/{fmt}/"


def api(found, fmt: str = Format.CSV) -> str:
    return f"/api/v1/opendata/datasets/{found.pk}/{fmt}"


def downloads(found, fmt: str = Format.CSV) -> int:
    return Distribution.objects.get(dataset=found, format=fmt).download_count


@pytest.fixture
def restricted(licence, cast):
    return dataset(
        cast, title="各单位月度好差评统计", source=SourceCode.EVALUATIONS, openness=Openness.CONDITIONAL
    )


@pytest.fixture
def other_restricted(licence, cast):
    return dataset(
        cast, title="各单位月度办件统计", source=SourceCode.CASE_STATS, openness=Openness.CONDITIONAL
    )


def test_an_open_file_is_public_and_counted_once_per_download(licence, cast) -> None:
    found = dataset(cast)
    client = Client()
    response = client.get(public(found))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith("\ufeff实施编码".encode())
    assert downloads(found) == 1
    client.get(public(found, Format.XLSX))
    client.get(public(found, Format.XLSX))
    assert (downloads(found), downloads(found, Format.XLSX), downloads(found, Format.JSON)) == (1, 2, 0)
    shown = client.get(page(found)).content.decode()
    assert 'data-testid="downloads-xlsx">2<' in shown and 'data-testid="downloads-csv">1<' in shown


def test_what_is_not_served_is_not_counted(licence, cast) -> None:
    found = dataset(cast)
    client = Client()
    assert client.get(public(found, "pdf")).status_code == 404
    Distribution.objects.get(dataset=found, format=Format.CSV).file.delete(save=False)
    assert client.get(public(found)).status_code == 404
    services.unpublish(dataset=found, by=cast.admin)
    assert client.get(public(found, Format.JSON)).status_code == 404
    assert client.get(page(found)).status_code == 404
    assert Distribution.objects.filter(dataset=found, download_count__gt=0).count() == 0


def test_a_conditional_file_is_refused_on_the_portal(restricted) -> None:
    response = Client().get(public(restricted))
    assert response.status_code == 403
    text = response.content.decode()
    assert "有条件开放" in text and f"/api/v1/opendata/datasets/{restricted.pk}/csv" in text
    assert downloads(restricted) == 0


def test_a_conditional_file_needs_an_approved_key_for_that_data_set(
    restricted, other_restricted, cast
) -> None:
    client = Client()
    refused = client.get(api(restricted))
    assert refused.status_code == 401
    assert client.get(api(restricted), headers={"X-API-Key": "ym_nothing_wrong"}).status_code == 401

    elsewhere = approved_key(cast, other_restricted)
    wrong = client.get(api(restricted), headers={"X-API-Key": elsewhere})
    assert wrong.status_code == 403 and "只能下载批准的数据集" in wrong.json()["message"]
    assert downloads(restricted) == 0

    key = approved_key(cast, restricted)
    allowed = client.get(api(restricted, Format.JSON), headers={"X-API-Key": key})
    assert allowed.status_code == 200
    assert b'"records"' in b"".join(allowed.streaming_content)
    assert downloads(restricted, Format.JSON) == 1
    # The key is audited as used, the wrong one as used too (its own data set was not asked for).
    assert AuditEntry.objects.filter(action="apikey.used").count() == 2


def test_a_partly_approved_application_opens_only_what_was_approved(
    restricted, other_restricted, cast
) -> None:
    asked = application(restricted, other_restricted)
    _, key = services.approve(
        application=asked,
        by=cast.admin,
        datasets=[restricted],
        expires_on=timezone.localdate() + timedelta(days=10),
    )
    client = Client()
    assert client.get(api(restricted), headers={"X-API-Key": key}).status_code == 200
    assert client.get(api(other_restricted), headers={"X-API-Key": key}).status_code == 403


def test_the_issued_key_reads_open_data_and_nothing_else(restricted, cast, licence) -> None:
    key = approved_key(cast, restricted)
    issued = ApiKey.objects.get()
    assert issued.scopes == [ApiScope.OPENDATA_READ] and issued.staff is None
    assert list(issued.organisations.all()) == [cast.government]
    client = Client()
    assert client.get(api(dataset(cast)), headers={"X-API-Key": key}).status_code == 200  # open data: public
    assert client.get("/api/v1/stats/cases", headers={"X-API-Key": key}).status_code == 403
    assert client.get("/api/v1/disclosure-requests", headers={"X-API-Key": key}).status_code == 403


def test_a_revoked_key_and_a_withdrawn_data_set_download_nothing(restricted, cast) -> None:
    key = approved_key(cast, restricted)
    client = Client()
    services.unpublish(dataset=restricted, by=cast.admin)
    assert client.get(api(restricted), headers={"X-API-Key": key}).status_code == 404
    services.publish(dataset=restricted, by=cast.admin)
    assert client.get(api(restricted), headers={"X-API-Key": key}).status_code == 200
    security = make_staff("security", "陈安全", cast.centre, (Role.SECURITY_ADMIN, cast.government))
    org_services.revoke_api_key(key=ApiKey.objects.get(), by=security)
    revoked = client.get(api(restricted), headers={"X-API-Key": key})
    assert revoked.status_code == 401 and revoked.json()["message"] == "接口密钥已吊销"


def test_counting_does_not_lose_a_download_made_from_an_older_copy(licence, cast) -> None:
    """Two requests that read the row before either counted: both downloads are counted (n = n + 1 in
    the database, not a value written back)."""
    found = dataset(cast)
    first, second = (Distribution.objects.get(dataset=found, format=Format.CSV) for _ in range(2))
    services.count_download(first)
    services.count_download(second)
    assert downloads(found) == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_downloads_are_all_counted(licence, cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads with their own connections need a server database")
    found = dataset(cast)
    url = public(found)

    def fetch() -> int:
        response = Client().get(url)
        b"".join(response.streaming_content)
        response.close()
        return response.status_code

    outcomes = race(*[fetch] * 8)
    assert outcomes == [200] * 8
    assert downloads(found) == 8
