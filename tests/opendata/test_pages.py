"""The portal's catalogue (filters, search by title and keyword, the data set's page with its preview) and
the office's pages: the provider's administrator keeps data sets and decides applications; anyone else is
refused (403 without the role, 404 for another organisation's)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import sign_in
from tests.opendata.conftest import application, dataset
from yimen.core.models import AuditEntry
from yimen.opendata.models import AccessApplication, ApplicationState, Dataset, Openness, SourceCode
from yimen.org.models import ApiKey

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def catalogue(licence, cast) -> dict[str, Dataset]:
    return {
        "items": dataset(cast, title="政务服务事项目录", keywords=["办事指南", "承诺时限"]),
        "windows": dataset(
            cast, title="大厅窗口", source=SourceCode.WINDOWS, theme="organisation", keywords=[]
        ),
        "ratings": dataset(
            cast,
            title="好差评统计",
            source=SourceCode.EVALUATIONS,
            theme="evaluation",
            openness=Openness.CONDITIONAL,
        ),
        "draft": dataset(cast, title="草稿数据集", published=False),
    }


def titles(response) -> list[str]:
    return re.findall(r'class="item-name" href="[^"]+">([^<]+)</a>', response.content.decode())


def test_the_catalogue_lists_filters_and_searches_the_published_data_sets(catalogue) -> None:
    client = Client()
    assert titles(client.get("/opendata/")) == ["政务服务事项目录", "大厅窗口", "好差评统计"]
    assert titles(client.get("/opendata/", {"theme": "organisation"})) == ["大厅窗口"]
    assert titles(client.get("/opendata/", {"openness": "conditional"})) == ["好差评统计"]
    assert titles(client.get("/opendata/", {"q": "办事指南"})) == ["政务服务事项目录"]  # a keyword
    assert titles(client.get("/opendata/", {"q": "窗口"})) == ["大厅窗口"]  # the title
    assert titles(client.get("/opendata/", {"q": "草稿"})) == []
    assert titles(client.get("/opendata/", {"theme": "nonsense", "openness": "x"})) == [
        "政务服务事项目录",
        "大厅窗口",
        "好差评统计",
    ]
    assert "数据开放" in text(client.get("/"))  # in the main navigation


def test_a_data_set_page_shows_its_metadata_preview_and_files(catalogue) -> None:
    found = catalogue["items"]
    page = Client().get(f"/opendata/datasets/{found.pk}/")
    assert page.status_code == 200
    shown = text(page)
    for fact in (found.identifier, "咸宁市人民政府", "无条件开放", "每周", "政务服务", "办事指南", "一级"):
        assert fact in shown
    html = page.content.decode()
    preview = html[html.index('data-testid="preview"') :]
    assert "食品经营许可证核发" in preview and "实施编码" in preview
    for fmt in ("csv", "json", "xlsx"):
        assert f'href="http://testserver/opendata/datasets/{found.pk}/download/{fmt}/"' in html
    restricted = Client().get(f"/opendata/datasets/{catalogue['ratings'].pk}/").content.decode()
    assert f"http://testserver/api/v1/opendata/datasets/{catalogue['ratings'].pk}/csv" in restricted
    assert "/download/csv/" not in restricted
    assert Client().get(f"/opendata/datasets/{catalogue['draft'].pk}/").status_code == 404


# --- the office ---------------------------------------------------------------------------------------


def test_other_staff_are_refused(catalogue, cast, police_admin) -> None:
    found = catalogue["items"]
    asked = application(catalogue["ratings"])
    clerk = sign_in(Client(), cast.clerk)
    for url in (
        "/office/opendata/",
        "/office/opendata/new/",
        f"/office/opendata/{found.pk}/",
        "/office/opendata/applications/",
    ):
        assert clerk.get(url).status_code == 403, url
    assert clerk.post(f"/office/opendata/{found.pk}/unpublish/").status_code == 403
    police = sign_in(Client(), police_admin)
    assert police.get("/office/opendata/").status_code == 200
    assert "政务服务事项目录" not in text(police.get("/office/opendata/"))
    assert police.get(f"/office/opendata/{found.pk}/").status_code == 404
    assert police.post(f"/office/opendata/{found.pk}/unpublish/").status_code == 404
    assert police.get(f"/office/opendata/applications/{asked.pk}/").status_code == 404
    assert (
        police.post(f"/office/opendata/applications/{asked.pk}/refuse/", {"reason": "x"}).status_code == 404
    )
    found.refresh_from_db()
    asked.refresh_from_db()
    assert found.is_published and asked.state == ApplicationState.SUBMITTED


def test_the_administrator_creates_publishes_and_withdraws_a_data_set(licence, cast) -> None:
    client = sign_in(Client(), cast.admin)
    form = client.get("/office/opendata/new/")
    assert form.status_code == 200
    suggested = re.search(r'name="identifier"[^>]*value="([^"]+)"', form.content.decode()).group(1)
    assert re.fullmatch(r"\d{4}/\d{10}", suggested)
    fields = {
        "identifier": suggested,
        "title": "政务服务事项目录",
        "description": "全市现行政务服务事项。",
        "publisher": str(cast.government.pk),
        "maintainer": "数据管理科",
        "contact": "0715-8126517",
        "keywords": "事项、办事指南, 时限",
        "theme": "service",
        "openness": "open",
        "security_level": "2",
        "frequency": "weekly",
        "source": "items",
        "license": "须注明来源",
    }
    refused = client.post("/office/opendata/new/", fields)
    assert refused.status_code == 422
    assert "安全等级：无条件开放的数据集须为一级（二级数据只能有条件开放）" in refused.content.decode()
    saved = client.post("/office/opendata/new/", fields | {"security_level": "1"})
    found = Dataset.objects.get()
    assert saved["Location"] == f"/office/opendata/{found.pk}/"
    assert found.keywords == ["事项", "办事指南", "时限"] and not found.is_published
    assert client.post(f"/office/opendata/{found.pk}/publish/")["Location"] == f"/office/opendata/{found.pk}/"
    found.refresh_from_db()
    assert found.is_published and found.distributions.count() == 3
    detail = text(client.get(f"/office/opendata/{found.pk}/"))
    assert "已发布" in detail and "撤下" in detail
    twice = client.post(f"/office/opendata/{found.pk}/publish/")
    assert twice.status_code == 409 and "数据集已发布，不能重复发布" in twice.content.decode()
    client.post(f"/office/opendata/{found.pk}/regenerate/")
    client.post(f"/office/opendata/{found.pk}/unpublish/")
    found.refresh_from_db()
    assert not found.is_published
    edited = client.post(
        f"/office/opendata/{found.pk}/edit/", fields | {"security_level": "1", "title": "事项目录"}
    )
    assert edited.status_code == 302
    actions = list(
        AuditEntry.objects.filter(action__startswith="opendata.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "opendata.dataset_saved",
        "opendata.dataset_regenerated",
        "opendata.dataset_published",
        "opendata.dataset_regenerated",
        "opendata.dataset_withdrawn",
        "opendata.dataset_saved",
    ]


def test_the_administrator_approves_and_sees_the_key_once(catalogue, cast) -> None:
    asked = application(catalogue["ratings"])
    client = sign_in(Client(), cast.admin)
    queue = text(client.get("/office/opendata/applications/"))
    assert asked.number in queue and "咸宁学院公共管理学院" in queue
    page = text(client.get(f"/office/opendata/applications/{asked.pk}/"))
    assert "13900001234" in page and "研究政务服务满意度" in page  # the staff see the contact in full
    bad = client.post(f"/office/opendata/applications/{asked.pk}/approve/", {"expires_on": "2020-01-01"})
    assert bad.status_code == 422
    assert "批准的数据集：至少选择一个，且只能从申请的数据集中选择" in bad.content.decode()
    approved = client.post(
        f"/office/opendata/applications/{asked.pk}/approve/",
        {"datasets": [str(catalogue["ratings"].pk)], "expires_on": "2099-01-01"},
    )
    assert (
        approved.status_code == 422 and "密钥有效期至：应晚于今天，且不超过365天" in approved.content.decode()
    )
    good = (timezone.localdate() + timezone.timedelta(days=90)).isoformat()
    approved = client.post(
        f"/office/opendata/applications/{asked.pk}/approve/",
        {"datasets": [str(catalogue["ratings"].pk)], "expires_on": good},
    )
    assert approved.status_code == 200 and "no-store" in approved["Cache-Control"]
    plain = re.search(r'data-testid="new-api-key">([^<]+)<', approved.content.decode()).group(1)
    key = ApiKey.objects.get()
    assert plain.startswith(f"ym_{key.key_id}_")
    later = client.get(f"/office/opendata/applications/{asked.pk}/").content.decode()
    assert plain not in later and key.key_id in later
    again = client.post(
        f"/office/opendata/applications/{asked.pk}/approve/",
        {"datasets": [str(catalogue["ratings"].pk)], "expires_on": good},
    )
    assert again.status_code == 409 and ApiKey.objects.count() == 1
    download = Client().get(
        f"/api/v1/opendata/datasets/{catalogue['ratings'].pk}/xlsx", headers={"X-API-Key": plain}
    )
    assert download.status_code == 200


def test_the_administrator_refuses_with_a_reason(catalogue, cast) -> None:
    asked = application(catalogue["ratings"])
    client = sign_in(Client(), cast.admin)
    empty = client.post(f"/office/opendata/applications/{asked.pk}/refuse/", {"reason": ""})
    assert empty.status_code == 422 and "不予批准的理由：必填" in empty.content.decode()
    done = client.post(f"/office/opendata/applications/{asked.pk}/refuse/", {"reason": "用途超出开放范围"})
    assert done["Location"] == f"/office/opendata/applications/{asked.pk}/"
    asked.refresh_from_db()
    assert (asked.state, asked.reason) == (ApplicationState.REFUSED, "用途超出开放范围")
    assert "用途超出开放范围" in text(client.get(done["Location"]))
    assert AccessApplication.objects.filter(state=ApplicationState.SUBMITTED).count() == 0


def test_the_office_home_links_the_section_for_the_administrator_only(cast) -> None:
    assert "/office/opendata/" in sign_in(Client(), cast.admin).get("/office/").content.decode()
    assert "/office/opendata/" not in sign_in(Client(), cast.clerk).get("/office/").content.decode()
