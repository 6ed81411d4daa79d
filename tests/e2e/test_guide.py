"""A citizen finds an item by search, reads its guide, downloads a form and prints the guide."""

from __future__ import annotations

import hashlib
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from tests.catalog.conftest import published
from yimen.catalog.models import FormFile, Material

pytestmark = pytest.mark.browser

FORM_BYTES = b"PK\x03\x04 blank application form"


@pytest.fixture
def food_licence(people):
    version = published(people, name="食品经营许可证核发", promised_limit=Decimal("0.5"))
    form = FormFile(
        name="食品经营许可申请书.xlsx",
        content_type="application/octet-stream",
        size=len(FORM_BYTES),
        sha256=hashlib.sha256(FORM_BYTES).hexdigest(),
    )
    form.file.save("food.xlsx", ContentFile(FORM_BYTES), save=True)
    Material.objects.filter(version=version, name="食品经营许可申请书").update(blank_form=form)
    return version


def test_find_read_download_and_print_a_guide(
    transactional_db, live_server, food_licence, page, page_log, tmp_path: Path
) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("item-search").fill("食品经营")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_test_id("result-count")).to_contain_text("共找到 1 个事项")

    page.get_by_role("link", name="食品经营许可证核发").click()
    expect(page.get_by_test_id("guide-title")).to_have_text("食品经营许可证核发")
    expect(page.get_by_test_id("guide-limits")).to_contain_text("承诺时限：半天")
    expect(page.get_by_test_id("materials")).to_contain_text("委托他人办理时")

    with page.expect_download() as download_info:
        page.get_by_test_id("form-download").click()
    download = download_info.value
    assert download.suggested_filename == "食品经营许可申请书.xlsx"
    saved = tmp_path / "form.xlsx"
    download.save_as(saved)
    assert saved.read_bytes() == FORM_BYTES

    pdf_url = page.get_by_test_id("print-guide").get_attribute("href")
    response = page.request.get(f"{live_server.url}{pdf_url}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "guide.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "食品经营许可证核发" in text and "半天" in text

    page_log.assert_clean(live_server.url)
