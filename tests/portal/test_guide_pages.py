"""办事指南 on the portal: browse, search, read every field of a guide, download its forms, see its history."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from tests.catalog.conftest import make_guide, published
from yimen.catalog import services
from yimen.catalog.models import FormFile, Material

pytestmark = pytest.mark.django_db


def _form(name: str = "食品经营许可申请书.xlsx") -> FormFile:
    data = b"PK\x03\x04 a form"
    form = FormFile(
        name=name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    form.file.save(name, ContentFile(data), save=True)
    return form


@pytest.fixture
def food(people):
    version = published(
        people,
        promised_limit=Decimal("0.5"),
        is_free=False,
        fees=[{"name": "工本费", "standard": "每证 10 元", "basis": "鄂价费〔2018〕12号"}],
        special_procedures=[
            {"name": "现场核查", "limit": "5", "unit": "workday", "basis": "《食品经营许可管理办法》"}
        ],
    )
    Material.objects.filter(version=version, name="食品经营许可申请书").update(blank_form=_form())
    return version


def test_browse_lists_themes_organisations_and_types(client: Client, food) -> None:
    page = client.get("/guide/").content.decode()
    for text in (
        "个人办事",
        "法人办事",
        "户籍办理",
        "设立变更",
        "按部门",
        "咸宁市市场监督管理局",
        "行政许可",
        "市级",
    ):
        assert text in page


def test_the_navigation_now_offers_the_guide(client: Client, food) -> None:
    assert '<a href="/guide/">办事指南</a>' in client.get("/").content.decode()


def test_search_results_link_to_the_guide(client: Client, food) -> None:
    page = client.get("/guide/", {"q": "食品"}).content.decode()
    assert "共找到 1 个事项" in page and f'href="/guide/{food.item.impl_code}/"' in page
    assert "没有找到相关事项" in client.get("/guide/", {"q": "火星移民"}).content.decode()


def test_browsing_by_theme_and_organisation(client: Client, food) -> None:
    assert "共找到 1 个事项" in client.get("/guide/", {"for": "legal", "theme": "l01"}).content.decode()
    assert "共找到 0 个事项" in client.get("/guide/", {"for": "person", "theme": "p02"}).content.decode()
    assert "共找到 1 个事项" in client.get("/guide/", {"org": "SJJ"}).content.decode()


def test_the_guide_page_shows_every_field(client: Client, food) -> None:
    page = client.get(f"/guide/{food.item.impl_code}/").content.decode()
    for text in (
        "食品经营许可证核发",
        "行政许可",
        "咸宁市市场监督管理局",
        food.item.impl_code,
        "个人、法人",
        "承诺时限：<strong>半天</strong>",
        "法定时限：20个工作日",
        "《中华人民共和国食品安全法》第三十五条",
        "有与经营的食品品种",
        "申请材料（3 份）",
        "电子证照库（营业执照）",
        "非必要：委托他人办理时",
        "办理流程（4 个环节）",
        "现场核查</strong> · 5个工作日（不计入办结时限）",
        "每证 10 元",
        "鄂价费〔2018〕12号",
        "特别程序",
        "市民之家二楼 B 区",
        "0715-8212345",
        "监督投诉电话",
        "三级：网上预审",
        "全市通办",
        "需要现场核查吗？",
        "变更记录",
        "第 1 版",
    ):
        assert text in page, text


def test_a_form_can_be_downloaded_while_a_public_guide_offers_it(client: Client, food) -> None:
    form = Material.objects.get(version=food, name="食品经营许可申请书").blank_form
    page = client.get(f"/guide/{food.item.impl_code}/").content.decode()
    assert f'href="/guide/forms/{form.pk}/"' in page
    response = client.get(f"/guide/forms/{form.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"PK\x03\x04 a form"
    assert "attachment" in response["Content-Disposition"]
    orphan = _form("无关文件.xlsx")
    assert client.get(f"/guide/forms/{orphan.pk}/").status_code == 404


def test_an_older_version_reads_as_it_was_and_says_so(client: Client, food, people) -> None:
    draft = services.start_revision(item=food.item, by=people.editor)
    services.update_draft(
        version=draft, by=people.editor, guide=make_guide(promised_limit=Decimal(0), change_note="改为即办")
    )
    services.submit(version=draft, by=people.editor)
    services.legal_approve(version=draft, by=people.legal)
    services.reform_approve(version=draft, by=people.reform)
    current = client.get(f"/guide/{food.item.impl_code}/").content.decode()
    assert "<strong>即办件</strong>" in current and "改为即办" in current
    old = client.get(f"/guide/{food.item.impl_code}/v1/").content.decode()
    assert "已被新版本替代" in old and "承诺时限：<strong>半天</strong>" in old


def test_retired_and_unknown_items_are_404(client: Client, food, people) -> None:
    assert client.get("/guide/NOPE/").status_code == 404
    services.retire_item(item=food.item, by=people.editor, reason="取消")
    assert client.get(f"/guide/{food.item.impl_code}/").status_code == 404
    form = Material.objects.get(version=food, name="食品经营许可申请书").blank_form
    assert client.get(f"/guide/forms/{form.pk}/").status_code == 404


def test_the_reform_page_sums_cuts_per_organisation(client: Client, food, people) -> None:
    draft = services.start_revision(item=food.item, by=people.editor)
    services.update_draft(
        version=draft,
        by=people.editor,
        guide=make_guide(
            promised_limit=Decimal(0),
            steps=[{"name": "受理并决定", "limit": Decimal(0), "unit": "workday"}],
            materials=[{"name": "食品经营许可申请书", "copies": 1}],
        ),
    )
    services.submit(version=draft, by=people.editor)
    services.legal_approve(version=draft, by=people.legal)
    services.reform_approve(version=draft, by=people.reform)
    page = client.get("/guide/reforms/").content.decode()
    assert "咸宁市市场监督管理局" in page
    assert "4 → 1" in page and "3 → 1" in page and "0.5 → 0" in page


def test_a_guide_is_rendered_once_then_served_from_the_cache(
    client: Client, food, django_assert_max_num_queries
) -> None:
    url = f"/guide/{food.item.impl_code}/"
    first = client.get(url).content.decode()
    with django_assert_max_num_queries(1):  # only the item's lookup by its code
        again = client.get(url).content.decode()
    assert again == first and "办理流程（4 个环节）" in again


@pytest.mark.parametrize("days", [5, 5.0, "5"])
def test_a_special_procedure_limit_stored_as_a_json_number_is_shown(client: Client, people, days) -> None:
    """The demo's 现场核查 keeps its limit as a JSON number; the guide shows it like a typed-in one."""
    version = published(
        people, special_procedures=[{"name": "现场核查", "limit": days, "unit": "workday", "basis": ""}]
    )
    response = client.get(f"/guide/{version.item.impl_code}/")
    assert response.status_code == 200
    assert "现场核查：5个工作日" in response.content.decode()
