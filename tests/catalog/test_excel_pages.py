"""The catalogue's Excel import and export from the office pages and the command line: every problem shown
in a table, the valid rows only when asked, bad files refused with a Chinese error, downloads named in
Chinese, and a command that prints every error and exits non-zero."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from tests.catalog.conftest import published
from tests.catalog.test_excel import bad_file, good_file
from yimen import cli
from yimen.catalog import excel
from yimen.catalog.excel import ITEM_HEADERS
from yimen.catalog.models import ServiceItem
from yimen.core import spreadsheet
from yimen.core.models import AuditEntry

pytestmark = pytest.mark.django_db


# --- the office pages -------------------------------------------------------------------------------


def upload(client: Client, content: bytes, name: str = "目录.xlsx", **data: str) -> Any:
    return client.post("/office/catalog/import/", {"file": SimpleUploadedFile(name, content), **data})


def test_an_administrator_sees_every_problem_in_a_table(client: Client, people) -> None:
    client.force_login(people.base.admin)
    assert "只导入校验通过的行" in client.get("/office/catalog/import/").content.decode()
    response = upload(client, bad_file())
    page = response.content.decode()
    assert response.status_code == 422 and "发现 8 处问题，未导入任何事项" in page
    assert "<th>工作表</th><th>行</th><th>列</th><th>问题</th>" in page
    assert page.count('<td data-label="工作表">') == 8
    assert '<td data-label="列">承诺时限</td><td data-label="问题">承诺时限不能超过法定时限</td>' in page
    assert not ServiceItem.objects.exists()


def test_an_editor_imports_the_valid_rows_when_asked(client: Client, people) -> None:
    client.force_login(people.editor)
    response = upload(client, bad_file(), valid_only="1")
    assert response.status_code == 200 and "新增 1 个事项" in response.content.decode()
    assert list(ServiceItem.objects.values_list("impl_code", flat=True)) == ["XK-A"]


@pytest.mark.parametrize(
    "content",
    [b"\xca\xc2\xcf\xee\xc3\xfb\xb3\xc6,\xca\xb5\xca\xa9\xb1\xe0\xc2\xeb\n", b"PK\x03\x04 broken zip"],
    ids=["text-renamed-xlsx", "broken-zip"],
)
def test_a_file_that_is_not_an_xlsx_gets_a_chinese_error(client: Client, people, content: bytes) -> None:
    client.force_login(people.base.admin)
    response = upload(client, content)
    assert response.status_code == 422
    assert spreadsheet.NOT_XLSX in response.content.decode() and not ServiceItem.objects.exists()


def test_a_zip_that_is_not_a_workbook_is_refused(client: Client, people) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "不是工作簿")
    client.force_login(people.base.admin)
    assert spreadsheet.NOT_XLSX in upload(client, buffer.getvalue()).content.decode()


def test_a_file_over_ten_megabytes_is_refused(client: Client, people) -> None:
    client.force_login(people.base.admin)
    response = upload(client, b"PK\x03\x04" + b"0" * spreadsheet.MAX_UPLOAD_BYTES)
    assert response.status_code == 422 and "文件超过 10 MB" in response.content.decode()


def test_a_clerk_without_item_edit_is_refused(client: Client, people) -> None:
    client.force_login(people.base.clerk)
    assert client.get("/office/catalog/import/").status_code == 403
    assert upload(client, good_file()).status_code == 403
    assert client.get("/office/catalog/export/").status_code == 403
    assert not ServiceItem.objects.exists()


def test_the_export_downloads_as_an_attachment_named_in_chinese(client: Client, people) -> None:
    published(people)
    client.force_login(people.editor)
    response = client.get("/office/catalog/export/")
    assert response["Content-Type"] == excel.CONTENT_TYPE
    assert response["Content-Disposition"] == (
        "attachment; filename=\"catalog.xlsx\"; filename*=UTF-8''%E4%BA%8B%E9%A1%B9%E7%9B%AE%E5%BD%95.xlsx"
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["事项", "材料"]
    rows = list(book["事项"].iter_rows(values_only=True))
    assert list(rows[0]) == ITEM_HEADERS and rows[1][4] == "食品经营许可证核发" and rows[1][14] == 10
    assert [row[2] for row in book["材料"].iter_rows(min_row=2, values_only=True)] == [
        "食品经营许可申请书", "营业执照", "委托书",
    ]  # fmt: skip


# --- the commands -----------------------------------------------------------------------------------


@pytest.fixture
def yimen(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The `yimen` command line, run inside the test's transaction (it closes connections when done)."""
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    return cli.main


def test_the_import_command_prints_every_error_and_exits_non_zero(people, tmp_path, capsys, yimen) -> None:
    path = tmp_path / "目录.xlsx"
    path.write_bytes(bad_file())
    with pytest.raises(SystemExit) as exit_info:
        yimen(["catalog_import", str(path)])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 1
    assert out.splitlines()[0] == "事项表 第3行 〔承诺时限〕：承诺时限不能超过法定时限"
    assert "材料表 第6行 〔份数〕：份数应为整数（现为“两份”）" in out and len(out.splitlines()) == 8
    assert "未导入任何事项" in err and not ServiceItem.objects.exists()


def test_a_dry_run_reports_what_would_happen_and_saves_nothing(people, tmp_path, capsys, yimen) -> None:
    path = tmp_path / "目录.xlsx"
    path.write_bytes(good_file())
    yimen(["catalog_import", str(path), "--dry-run"])
    assert "试导入（未保存）：新增 3 个事项" in capsys.readouterr().out
    assert not ServiceItem.objects.exists() and not AuditEntry.objects.exists()


def test_the_export_command_writes_a_file_the_import_reads(people, tmp_path, capsys, yimen) -> None:
    published(people)
    path = tmp_path / "out.xlsx"
    yimen(["catalog_export", str(path)])
    assert "已导出 1 个事项" in capsys.readouterr().out
    assert excel.import_workbook(path.read_bytes(), by=None).unchanged == [
        ServiceItem.objects.get().impl_code
    ]
