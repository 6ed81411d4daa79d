"""Attachments are taken for what their bytes are (PDF, DOCX, XLSX, OFD), stored with their hash, and
their text is kept so search can find a publication by what its attachment says."""

from __future__ import annotations

import io
import shutil
import zipfile

import docx
import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests import samples
from tests.publishing.conftest import normative
from yimen.core.errors import ApplicationError
from yimen.publishing import attachments, content
from yimen.publishing.models import Attachment
from yimen.publishing.services import publications

pytestmark = pytest.mark.django_db


def docx_file(text: str, name: str = "附件1.docx") -> SimpleUploadedFile:
    document = docx.Document()
    document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "事项", "承诺时限"
    buffer = io.BytesIO()
    document.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def xlsx_file(rows: list[list[object]], name: str = "附件2.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "收费目录"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def ofd_file(text: str, name: str = "附件3.ofd") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>')
        archive.writestr(
            "Doc_0/Pages/Page_0/Content.xml",
            '<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>'
            f'<ofd:TextObject ID="1"><ofd:TextCode X="0" Y="0">{text}</ofd:TextCode></ofd:TextObject>'
            "</ofd:Layer></ofd:Content></ofd:Page>",
        )
    return SimpleUploadedFile(name, buffer.getvalue())


def pdf_file(text: str, name: str = "附件4.pdf") -> SimpleUploadedFile:
    from weasyprint import HTML

    pdf = HTML(string=f"<html><body><p>{text}</p></body></html>").write_pdf()
    return SimpleUploadedFile(name, pdf)


def _with(desk, *files):
    return publications.create_draft(
        by=desk.base.officer, node=desk.nodes["zcwj-gfxwj"], fields=normative(), files=list(files)
    )


def test_office_documents_are_kept_with_their_text(desk) -> None:
    draft = _with(
        desk,
        docx_file("不动产登记收费标准说明"),
        xlsx_file([["项目", "标准（元）"], ["住宅登记费", 80]]),
        ofd_file("电子公文版式文件正文"),
    )
    stored = list(draft.attachments.order_by("position"))
    assert [(a.name, a.content_type.rsplit(".", 1)[-1]) for a in stored] == [
        ("附件1.docx", "document"),
        ("附件2.xlsx", "sheet"),
        ("附件3.ofd", "application/ofd"),
    ]
    assert "不动产登记收费标准说明" in stored[0].text and "承诺时限" in stored[0].text
    assert "收费目录" in stored[1].text and "住宅登记费 80" in stored[1].text
    assert stored[2].text == "电子公文版式文件正文"
    assert all(len(a.sha256) == 64 and a.size > 0 for a in stored)
    assert draft.versions.get().snapshot["attachments"][0]["name"] == "附件1.docx"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_a_pdf_attachment_is_read_for_its_chinese_text(desk) -> None:
    draft = _with(desk, pdf_file("关于公布政务服务事项目录的通知"))
    assert "关于公布政务服务事项目录的通知" in draft.attachments.get().text


def test_a_file_is_judged_by_its_content_not_its_name(desk) -> None:
    fake = SimpleUploadedFile("通知.pdf", b"MZ\x90\x00 this is a program")
    empty = SimpleUploadedFile("空.docx", b"")
    with pytest.raises(ApplicationError) as refused:
        _with(desk, docx_file("正文"), fake, empty)
    assert refused.value.fields == {
        "files": [
            "附件“通知.pdf”不是有效的 PDF、DOCX、XLSX 或 OFD 文件（按内容识别）",
            "附件“空.docx”是空文件，请重新选择",
        ]
    }
    assert not Attachment.objects.exists() and not desk.base.centre.publications.exists()


def test_a_failed_save_leaves_no_file_behind(desk, monkeypatch) -> None:
    storage = Attachment._meta.get_field("file").storage
    before = set(_all_files(storage))

    def broken(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(content, "keep_version", broken)  # fails after the file was stored
    with pytest.raises(RuntimeError):
        _with(desk, docx_file("正文"))
    assert set(_all_files(storage)) == before
    assert not Attachment.objects.exists()


def _all_files(storage) -> list[str]:
    found: list[str] = []
    pending = [""]
    while pending:
        folder = pending.pop()
        if not storage.exists(folder or "."):
            continue
        dirs, files = storage.listdir(folder or ".")
        found += [f"{folder}/{f}" for f in files]
        pending += [f"{folder}/{d}".lstrip("/") for d in dirs]
    return found


def test_attachments_can_be_added_and_removed_while_drafting(desk) -> None:
    draft = _with(desk, docx_file("第一稿附件"))
    first = draft.attachments.get()
    publications.update_draft(
        publication=draft,
        by=desk.base.officer,
        lock_version=draft.lock_version,
        fields={"remove_attachments": [str(first.pk)]},
        files=[xlsx_file([["新表"]])],
    )
    assert [a.name for a in draft.attachments.all()] == ["附件2.xlsx"]


def test_a_publication_attachment_is_downloaded_under_its_title_with_its_real_extension(desk) -> None:
    draft = publications.create_draft(
        by=desk.base.officer,
        node=desk.nodes["zcwj-gfxwj"],
        fields=normative(),
        files=[SimpleUploadedFile("通知.html", samples.pdf())],
    )
    response = attachments.download(draft.attachments.get())
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "html" not in response["Content-Disposition"]
        and "%E9%80%9A%E7%9F%A5.pdf" in response["Content-Disposition"]
    )
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"


def test_a_publication_has_the_same_quota(desk) -> None:
    with (
        override_settings(YIMEN={**settings.YIMEN, "UPLOAD_MAX_TOTAL_BYTES": 4096}),
        pytest.raises(ApplicationError) as refused,
    ):
        publications.create_draft(
            by=desk.base.officer,
            node=desk.nodes["zcwj-gfxwj"],
            fields=normative(),
            files=[
                SimpleUploadedFile("通知.pdf", samples.pdf(pages=3)),
                SimpleUploadedFile("附件.docx", samples.real_docx()),
            ],
        )
    assert refused.value.fields["files"][0].startswith("一条信息的文件合计不能超过")
    assert not desk.base.centre.publications.exists()
