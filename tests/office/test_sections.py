"""Every office section shares one frame: its navigation bar, its refusal page and its import form."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases import conftest as cases
from tests.cases.conftest import file

pytestmark = pytest.mark.django_db

licence = cases.licence


def test_a_refusal_names_the_rule_and_leads_back_to_the_case(client: Client, licence, cast) -> None:
    client.force_login(cast.clerk)
    case = file(licence, cast)  # not accepted yet: nothing to deliver
    url = reverse("office_cases:action", args=[case.pk, "deliver"])
    response = client.post(url, {"expected_version": case.lock_version, "method": "pickup"})
    page = response.content.decode()
    assert response.status_code == 409 and "<h1>操作无法进行</h1>" in page
    assert f'<a href="{reverse("office_cases:detail", args=[case.pk])}">刷新该办件</a>' in page
    # The section's navigation bar: the pages the clerk's role opens, not the reviewers' queue.
    nav = re.findall(r"<li><a href=\"[^\"]+\"[^>]*>([^<]+)</a></li>", page)
    assert "办件列表" in nav and "一窗受理" in nav and "并联审查" not in nav


def test_a_missing_role_is_a_403_page_in_the_section(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    client.force_login(cast.reviewer)
    response = client.post(
        reverse("office_cases:action", args=[case.pk, "accept"]), {"expected_version": case.lock_version}
    )
    assert response.status_code == 403 and "<h1>无权操作</h1>" in response.content.decode()


def test_both_import_pages_share_the_upload_form(client: Client, cast) -> None:
    client.force_login(cast.admin)
    catalogue = client.get("/office/catalog/import/").content.decode()
    assert 'accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"' in catalogue
    assert 'name="valid_only"' in catalogue and "Excel 文件（.xlsx，不超过" in catalogue
    assert "勾选后导入校验通过的事项" in catalogue
    client.force_login(cast.officer)
    disclosure = client.get("/office/disclosure/import/").content.decode()
    assert 'accept=".xlsx,.csv"' in disclosure and 'name="dry_run"' in disclosure
    assert "文件（.xlsx 或 .csv，不超过" in disclosure and "勾选后" not in disclosure
