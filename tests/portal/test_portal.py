"""The public portal's shell: the centre's details on every page, units and windows, large text."""

from __future__ import annotations

import pytest
from django.test import Client

from yimen.core.middleware import POLICY
from yimen.portal.context import LARGE_TEXT_COOKIE

pytestmark = pytest.mark.django_db


def test_home_shows_the_centre_address_hours_and_phones(client: Client, cast) -> None:
    page = client.get("/").content.decode()
    assert "<h1>咸宁市政务服务中心</h1>" in page
    assert "地址：咸宁市咸安区金桂路 99 号" in page
    assert "办公时间：周一至周五 8:30–17:30" in page
    assert "咨询电话：0715-8126517" in page and "监督电话：0715-12345" in page


def test_units_page_lists_each_unit_with_its_windows_and_supervision_phone(client: Client, cast) -> None:
    page = client.get("/units/").content.decode()
    assert "咸宁市市场监督管理局" in page
    assert "B012 市场监管窗口" in page and "0715-8212345" in page
    assert "咸宁市公安局" not in page  # no window in the hall


def test_large_text_is_kept_in_a_cookie(client: Client, cast) -> None:
    response = client.get("/a11y/large-text/?next=/units/")
    assert response.status_code == 302 and response["Location"] == "/units/"
    assert response.cookies[LARGE_TEXT_COOKIE].value == "1"
    assert '<html lang="zh-Hans" class="large-text">' in client.get("/").content.decode()
    client.get("/a11y/large-text/")
    assert '<html lang="zh-Hans" class="">' in client.get("/").content.decode()


def test_large_text_toggle_does_not_redirect_off_site(client: Client, cast) -> None:
    assert client.get("/a11y/large-text/?next=https://evil.example/")["Location"] == "/"


def test_pages_forbid_inline_scripts_and_foreign_assets(client: Client, cast) -> None:
    response = client.get("/")
    assert response["Content-Security-Policy"] == POLICY
    assert "script-src 'self'" in POLICY and "http" not in POLICY
    assert "<script>" not in response.content.decode()


def test_the_stylesheet_is_served_locally(client: Client, cast) -> None:
    response = client.get("/static/yimen/yimen.css")
    assert response.status_code == 200
    assert b"large-text" in b"".join(response.streaming_content)


def test_navigation_lists_only_sections_that_exist(client: Client, cast) -> None:
    page = client.get("/").content.decode()
    assert '<a href="/units/">进驻单位</a>' in page


def test_api_docs_load_their_assets_locally(client: Client, cast) -> None:
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in page.lower()
    assert "/static/ninja/" in page
