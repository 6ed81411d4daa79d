"""Uploads as an attacker sends them (OWASP ASVS 4.0.3 V12; security.md goals 18–20 and 30).

Every hostile file is made here, in code: a PDF that is also a web page, PDFs that run JavaScript or
launch a program, a DOCX that unpacks to a gigabyte, a document carrying a program, a macro or an OLE
object. Each is refused with a Chinese message naming the file and the rule, and leaves nothing behind.
"""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, NameObject

from tests import samples
from tests.cases.conftest import APPLICANT, file
from tests.portal.applying import application, materials, post
from yimen.cases import uploads
from yimen.cases.models import Case, CaseFile, Channel
from yimen.core import files
from yimen.core.errors import ApplicationError
from yimen.core.models import AuditEntry
from yimen.publishing import attachments

pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/html")


def on_disk() -> set[Path]:
    return {p for p in Path(default_storage.location).rglob("*") if p.is_file()}


def refusal(content: bytes, name: str = "材料.pdf", accepted: tuple[files.Kind, ...] = files.KINDS) -> str:
    with pytest.raises(ApplicationError) as refused:
        files.recognise(io.BytesIO(content), name=name, size=len(content), accepted=accepted)
    assert list(refused.value.fields) == ["file"]
    return refused.value.message


# --- served under our name ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "served"),
    [
        ("scan.html", samples.pdf(), ".pdf"),
        ("材料.html", samples.pdf(), ".pdf"),
        ("photo.svg", samples.png(), ".png"),
        ("照片\u202egpj.exe", samples.jpeg(), ".jpg"),  # a right-to-left override turns the name around
    ],
)
def test_a_material_is_downloaded_under_our_name_with_the_extension_of_what_it_is(
    client: Client, licence, cast, name: str, content: bytes, served: str
) -> None:
    stored = uploads.store_material(
        case=file(licence, cast), material="营业执照", upload=upload(name, content), by=cast.clerk
    )
    client.force_login(cast.clerk)
    response = client.get(reverse("office_cases:file", args=[stored.pk]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="{stored.pk}{served}"' not in disposition  # the material's name leads
    assert f"-{stored.pk}{served}" in disposition and disposition.endswith(served)
    for part in ("html", "svg", "exe", "scan", "photo", "gpj"):
        assert part not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] in {"application/pdf", "image/png", "image/jpeg"}
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == content
    assert "\u202e" not in stored.name  # shown as text, without the direction trick


def test_the_stored_path_never_uses_the_uploaders_name(licence, cast) -> None:
    stored = uploads.store_material(
        case=file(licence, cast), material="营业执照", upload=upload("../../x", samples.pdf()), by=cast.clerk
    )
    disk = Path(stored.file.path).resolve()
    assert Path(default_storage.location).resolve() in disk.parents
    assert disk.name != "x" and len(disk.stem) == 32 and disk.suffix == ".pdf"
    assert "x" not in stored.file.name.replace(disk.name, "")  # cases/2026/12/<random>.pdf
    assert stored.name == "x"


def test_a_stored_type_outside_the_known_kinds_is_served_as_octet_stream() -> None:
    assert files.served_type("text/html") == "application/octet-stream"
    assert files.served_type("image/svg+xml") == "application/octet-stream"
    assert files.served_type("application/pdf") == "application/pdf"


# --- structure, not only the first bytes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (samples.polyglot_pdf("before"), "在 PDF 内容之前夹带了网页代码"),
        (samples.polyglot_pdf("after"), "在 PDF 文件结尾之后夹带了其他内容"),
        (samples.pdf_with_action("javascript"), "含有可执行的动作或脚本"),
        (samples.pdf_with_action("launch"), "含有可执行的动作或脚本（/Launch）"),
        (samples.pdf_with_action("names-js"), "含有可执行的动作或脚本"),
        (samples.pdf_with_action("aa"), "含有可执行的动作或脚本（/AA）"),
        (samples.hidden_js_pdf(), "含有可执行的动作或脚本（/JavaScript）"),
        (samples.pdf()[:-200], "不是完整的 PDF 文件"),
        (b"%PDF-1.7\n" + b"garbage " * 50 + b"\n%%EOF\n", "无法按 PDF 格式解析"),
    ],
    ids=[
        "polyglot-before",
        "polyglot-after",
        "openaction-js",
        "launch",
        "document-js",
        "aa",
        "hidden-js",
        "truncated",
        "not-parsable",
    ],
)
def test_a_pdf_that_is_a_web_page_runs_code_or_does_not_parse_is_refused(content: bytes, rule: str) -> None:
    message = refusal(content)
    assert message.startswith("文件“材料.pdf”") and rule in message


def test_a_pdf_with_an_executable_inside_or_a_password_is_refused() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_attachment("setup.exe", samples.PROGRAM)
    carried = io.BytesIO()
    writer.write(carried)
    assert "内嵌了可执行程序“setup.exe”" in refusal(carried.getvalue())
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt("secret", "owner")
    locked = io.BytesIO()
    writer.write(locked)
    assert "已加密，请去除打开密码后上传" in refusal(locked.getvalue())


def test_ordinary_pdfs_are_accepted() -> None:
    """A link, a page to open at, a permissions password, an XML invoice inside, many pages."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [page.indirect_reference, NameObject("/Fit")]
    )
    writer.add_uri(0, "https://www.gov.cn/", [10, 10, 100, 30])
    writer.add_attachment("发票.xml", b"<invoice/>")
    writer.encrypt("", "owner")  # no password to open, restrictions only
    ordinary = io.BytesIO()
    writer.write(ordinary)
    for content in (ordinary.getvalue(), samples.pdf(pages=200), samples.pdf() + b"\r\n\x00" * 100):
        assert (
            files.recognise(io.BytesIO(content), name="a.pdf", size=len(content), accepted=[files.PDF])
            == files.PDF
        )


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("name", "content", "rule"),
    [
        ("照片.jpg", samples.jpeg((64, 64))[:200], "不是可以打开的 JPEG 图片"),
        ("照片.jpg", b"\xff\xd8\xff\xe0 <html><script>alert(1)</script>", "不是可以打开的 JPEG 图片"),
        ("照片.png", _png_header_only(64, 64), "不是可以打开的 PNG 图片"),
        ("照片.png", _png_header_only(20000, 20000), "图片过大（最多 6400 万像素）"),
        ("照片.png", _png_header_only(9000, 9000), "图片过大（最多 6400 万像素）"),
    ],
    ids=[
        "truncated-jpeg",
        "html-after-jpeg-magic",
        "png-without-pixels",
        "png-pixel-bomb",
        "png-over-our-limit",
    ],
)
def test_an_image_must_decode(name: str, content: bytes, rule: str) -> None:
    assert rule in refusal(content, name)


def test_real_images_decode() -> None:
    for content, kind in ((samples.jpeg((640, 480)), files.JPEG), (samples.png((64, 64)), files.PNG)):
        assert files.recognise(io.BytesIO(content), name="a", size=len(content), accepted=files.KINDS) == kind


def test_a_docx_that_unpacks_to_a_gigabyte_is_refused_from_its_directory() -> None:
    bomb = samples.docx_bomb(1024)
    assert len(bomb) < 1_100_000
    started = time.monotonic()
    tracemalloc.start()
    try:
        message = refusal(bomb, "申请书.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "解压后共 1024 MB，超过 256 MB，疑为压缩炸弹" in message
    assert peak < 8 * 1024 * 1024 and time.monotonic() - started < 2  # nothing was unpacked


def test_a_docx_packed_far_tighter_than_any_document_is_refused() -> None:
    assert "疑为压缩炸弹" in refusal(samples.docx_of_text(64), "申请书.docx")


@pytest.mark.parametrize(
    ("parts", "rule"),
    [
        ({"payload.exe": samples.PROGRAM}, "含有 DOCX 格式之外的部件“payload.exe”"),
        ({"word/setup.exe": samples.PROGRAM}, "含有可执行程序“word/setup.exe”"),
        ({"word/media/image9.png": samples.PROGRAM}, "含有可执行程序“word/media/image9.png”"),
        ({"word/vbaProject.bin": samples.OLE}, "含有宏、ActiveX 控件或嵌入的 OLE 对象“word/vbaProject.bin”"),
        ({"word/embeddings/oleObject1.bin": samples.OLE}, "嵌入的 OLE 对象“word/embeddings/oleObject1.bin”"),
        ({"word/media/image9.emf": samples.OLE}, "嵌入的 OLE 对象“word/media/image9.emf”"),
        ({"word/activeX/activeX1.xml": b"<ax/>"}, "ActiveX"),
        ({"word/../../evil.xml": b"<x/>"}, "路径异常的部件"),
        ({"word/embeddings/inner.zip": samples.with_parts(samples.real_docx(), {})}, "嵌套的压缩包"),
        (
            {
                "word/embeddings/Sheet.xlsx": samples.with_parts(
                    samples.real_docx(), {"run.exe": samples.PROGRAM}
                )
            },
            "嵌入的文档“word/embeddings/Sheet.xlsx”含有",
        ),
    ],
    ids=[
        "exe-beside",
        "exe-inside",
        "exe-as-image",
        "vba",
        "ole",
        "ole-as-image",
        "activex",
        "traversal",
        "nested-zip",
        "nested-exe",
    ],
)
def test_a_docx_carrying_a_program_a_macro_or_an_ole_object_is_refused(
    parts: dict[str, bytes], rule: str
) -> None:
    assert rule in refusal(samples.with_parts(samples.real_docx(), parts), "申请书.docx")


def test_a_zip_carrying_an_exe_is_refused_as_a_docx() -> None:
    bare = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(bare, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("setup.exe", samples.PROGRAM)
    assert "setup.exe" in refusal(bare.getvalue(), "申请书.docx")


def test_a_macro_enabled_document_is_refused_by_its_declared_types() -> None:
    macro = samples.real_docx().replace(b"", b"")
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(macro))
    declared = source.read("[Content_Types].xml").replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
    )
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w") as target:
        for info in source.infolist():
            target.writestr(info, declared if info.filename == "[Content_Types].xml" else source.read(info))
    assert "启用宏的文档" in refusal(rebuilt.getvalue(), "申请书.docx")


def test_ordinary_office_documents_are_accepted() -> None:
    """A chart's workbook embedded in a document, a workbook's printer settings."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["事项", "时限"])
    sheet = io.BytesIO()
    book.save(sheet)
    with_chart = samples.with_parts(
        samples.real_docx(), {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": sheet.getvalue()}
    )
    printer = samples.with_parts(sheet.getvalue(), {"xl/printerSettings/printerSettings1.bin": b"\x00" * 200})
    for content, kind in ((with_chart, files.DOCX), (printer, files.XLSX)):
        assert files.recognise(io.BytesIO(content), name="a", size=len(content), accepted=files.KINDS) == kind


def test_a_hostile_material_changes_nothing(licence, cast) -> None:
    case = file(licence, cast)
    before, audited = on_disk(), AuditEntry.objects.count()
    for name, content in (
        ("申请书.pdf", samples.polyglot_pdf("after")),
        ("申请书.pdf", samples.pdf_with_action("javascript")),
        ("申请书.docx", samples.docx_bomb(1024)),
    ):
        with pytest.raises(ApplicationError):
            uploads.store_material(
                case=case, material="营业执照", upload=upload(name, content), by=cast.clerk
            )
    assert not CaseFile.objects.exists() and on_disk() == before and AuditEntry.objects.count() == audited


# --- sizes and quotas ----------------------------------------------------------------------------------


class Unreadable:
    """A request body that must not be read."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def test_a_body_larger_than_an_application_may_be_is_refused_before_it_is_read(
    client: Client, licence
) -> None:
    limit = settings.YIMEN["UPLOAD_MAX_TOTAL_BYTES"] + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    for path in (f"/guide/{licence.impl_code}/apply/", "/api/v1/cases"):
        response = client.generic(
            "POST",
            path,
            b"x",
            content_type="multipart/form-data; boundary=xyz",
            CONTENT_LENGTH=str(limit + 1),
            **{"wsgi.input": Unreadable()},
        )
        assert response.status_code == 413
        text = response.content.decode()
        assert "提交的内容超过 102.5 MB，未被接收" in text and "每个文件最多 20 MB" in text
    assert not Case.objects.exists()


def test_the_size_settings_are_explicit() -> None:
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024
    assert settings.FILE_UPLOAD_HANDLERS[0] == "yimen.core.upload_limits.LimitedUploadHandler"
    assert "yimen.core.upload_limits.RequestSizeMiddleware" in settings.MIDDLEWARE[:3]
    assert settings.YIMEN["UPLOAD_MAX_FILES"] + 20 == settings.DATA_UPLOAD_MAX_NUMBER_FILES


def test_a_file_over_the_limit_is_cut_off_as_it_arrives_and_its_field_says_so(
    client: Client, licence, tmp_path: Path, monkeypatch
) -> None:
    before = on_disk()
    ids = materials(licence)
    seen: list[Any] = []
    detect = uploads.detect

    def watching(received):
        seen.append(received)
        return detect(received)

    monkeypatch.setattr(uploads, "detect", watching)
    big = SimpleUploadedFile("大.pdf", samples.pdf() + b" " * (300 * 1024), content_type="application/pdf")
    yimen = {**settings.YIMEN, "UPLOAD_MAX_BYTES": 200 * 1024}
    with override_settings(YIMEN=yimen, FILE_UPLOAD_TEMP_DIR=str(tmp_path), FILE_UPLOAD_MAX_MEMORY_SIZE=1024):
        response = post(client, licence, application(client, licence, **{f"material_{ids['营业执照']}": big}))
    assert response.status_code == 422
    assert "营业执照：文件“大.pdf”超过 200 KB" in response.content.decode()
    cut = next(f for f in seen if f.name == "大.pdf")
    assert cut.size > 200 * 1024 and cut.read() == b""  # counted, not kept
    assert list(tmp_path.iterdir()) == [] and on_disk() == before and not Case.objects.exists()


def test_temporary_upload_files_are_gone_after_the_request(
    client: Client, licence, tmp_path: Path, monkeypatch
) -> None:
    """security.md goal 30 (GB/T 22239-2019 8.1.4.10): a file waiting on disk during the request is
    deleted when the response is closed, accepted or refused."""
    ids = materials(licence)
    waiting: list[Path] = []
    detect = uploads.detect

    def watching(received):
        if hasattr(received, "temporary_file_path"):
            waiting.append(Path(received.temporary_file_path()))
            assert waiting[-1].exists() and waiting[-1].parent == tmp_path
        return detect(received)

    monkeypatch.setattr(uploads, "detect", watching)
    padded = samples.pdf() + b"\n" * (64 * 1024)
    with override_settings(FILE_UPLOAD_TEMP_DIR=str(tmp_path), FILE_UPLOAD_MAX_MEMORY_SIZE=1024):
        accepted = post(
            client,
            licence,
            application(
                client, licence, **{f"material_{ids['营业执照']}": SimpleUploadedFile("执照.pdf", padded)}
            ),
        )
        refused = post(
            client,
            licence,
            application(
                client,
                licence,
                **{
                    f"material_{ids['营业执照']}": SimpleUploadedFile(
                        "执照.pdf", samples.polyglot_pdf("after") + b"\n" * 4096
                    )
                },
            ),
            ip="203.0.113.10",
        )
    assert accepted.status_code == 200 and refused.status_code == 422
    assert len(waiting) >= 2
    assert not any(path.exists() for path in waiting) and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("limits", "rule"),
    [
        ({"UPLOAD_MAX_FILES": 1}, "一件申请最多上传 1 个文件（已有 0 个，本次 2 个）"),
        ({"UPLOAD_MAX_TOTAL_BYTES": 480}, "一件申请的文件合计不能超过 0.46875 KB，请压缩后上传"),
    ],
)
def test_one_application_has_a_quota_of_files_and_bytes(licence, limits: dict[str, int], rule: str) -> None:
    before = on_disk()
    with override_settings(YIMEN={**settings.YIMEN, **limits}), pytest.raises(ApplicationError) as refused:
        uploads.submit_with_materials(
            item=licence,
            applicant=APPLICANT,
            channel=Channel.ONLINE,
            uploads=[
                uploads.Upload("食品经营许可申请书", upload("申请书.pdf", samples.pdf())),
                uploads.Upload("营业执照", upload("执照.png", samples.png())),
            ],
        )
    assert refused.value.fields == {"files": [rule]}
    assert not Case.objects.exists() and on_disk() == before


def test_a_case_counts_the_files_it_already_has(licence, cast) -> None:
    case = file(licence, cast)
    uploads.store_material(
        case=case, material="营业执照", upload=upload("a.pdf", samples.pdf()), by=cast.clerk
    )
    with (
        override_settings(YIMEN={**settings.YIMEN, "UPLOAD_MAX_FILES": 1}),
        pytest.raises(ApplicationError, match=r"最多上传 1 个文件（已有 1 个，本次 1 个）"),
    ):
        uploads.store_material(
            case=case, material="营业执照", upload=upload("b.pdf", samples.pdf()), by=cast.clerk
        )
    assert case.files.count() == 1


# --- the attachment text extractor is bounded ---------------------------------------------------------


def _xlsx_of_text(unpacked_mib: int) -> bytes:
    """A workbook whose shared strings unpack to `unpacked_mib` MiB."""
    sheet = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row><c t="s"><v>0</v></c></row></sheetData></worksheet>'
    book = (
        b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        b'<sheet name="&#25910;&#36153;" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    rels = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/></Relationships>'
    )
    item = "<si><t>住宅登记费八十元</t></si>".encode()
    head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    packed, crc, size = samples._stream(
        [(head, 1), (item * ((1 << 20) // len(item)), unpacked_mib), (b"</sst>", 1)]
    )
    return samples.raw_zip(
        [
            samples._entry("[Content_Types].xml", samples.CONTENT_TYPES),
            samples._entry("xl/workbook.xml", book),
            samples._entry("xl/_rels/workbook.xml.rels", rels),
            samples._entry("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", packed, crc, size),
        ]
    )


@pytest.mark.parametrize(
    ("kind", "content", "expected"),
    [
        (files.DOCX, samples.docx_of_text(256), "政府信息公开条例第二十条规定的信息"),
        (files.XLSX, _xlsx_of_text(256), "住宅登记费八十元"),
    ],
    ids=["docx", "xlsx"],
)
def test_text_extraction_stops_at_its_bounds_in_memory_and_time(
    kind: files.Kind, content: bytes, expected: str
) -> None:
    """A few hundred KiB that unpack to 256 MiB (earlier: a web worker from 294 to 764 MiB): the text up
    to the limit is kept, quickly, in bounded memory."""
    assert len(content) < 1024 * 1024
    started = time.monotonic()
    tracemalloc.start()
    try:
        text = attachments.extract_text(kind, io.BytesIO(content))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    assert expected in text and 0 < len(text) <= attachments.TEXT_LIMIT
    assert peak < 32 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MiB"
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_an_office_part_with_a_dtd_gives_no_text() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
        b"<w:t>&b;</w:t></w:r></w:p></w:body></w:document>"
    )
    document = samples.raw_zip([samples._entry("word/document.xml", laughs)])
    assert attachments.extract_text(files.DOCX, io.BytesIO(document)) == ""


def test_the_spreadsheet_imports_check_the_workbook_as_every_upload() -> None:
    """The 依申请公开 import (and the catalogue's and the enforcement records', through the same reader)."""
    from yimen.core.spreadsheet import open_workbook

    bomb = samples.raw_zip(
        [
            samples._entry("[Content_Types].xml", samples.CONTENT_TYPES),
            samples._entry("xl/workbook.xml", b"<workbook/>"),
            *samples.docx_bomb_entries("xl/sharedStrings.xml", 512),
        ]
    )
    with pytest.raises(ApplicationError, match="疑为压缩炸弹"):
        open_workbook(bomb)
    import openpyxl

    book = io.BytesIO()
    openpyxl.Workbook().save(book)
    carried = samples.with_parts(book.getvalue(), {"xl/vbaProject.bin": samples.OLE})
    with pytest.raises(ApplicationError) as refused:
        open_workbook(carried)
    assert refused.value.fields == {
        "file": ["文件含有宏、ActiveX 控件或嵌入的 OLE 对象“xl/vbaProject.bin”，不予接收"]
    }
