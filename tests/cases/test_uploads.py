"""Uploaded materials are recognised by their content, stored under a random name with their hash,
and a refused upload leaves nothing behind: no row, no file on disk."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests import samples
from tests.cases.conftest import APPLICANT, file
from yimen.cases import uploads
from yimen.cases.models import Case, CaseFile, Channel, Result
from yimen.cases.services import steps
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PDF = samples.pdf()  # real files: core.files parses PDFs and decodes images
JPEG = samples.jpeg()
PNG = samples.png()


def _zip(*entries: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry in entries:
            archive.writestr(entry, "<xml/>")
    return buffer.getvalue()


DOCX = _zip("[Content_Types].xml", "word/document.xml")
OFD = _zip("OFD.xml", "Doc_0/Document.xml")
XLSX = _zip("[Content_Types].xml", "xl/workbook.xml")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def files_on_disk() -> set[Path]:
    return {p for p in Path(default_storage.location).rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("申请书.pdf", PDF, "application/pdf"),
        ("照片.jpg", JPEG, "image/jpeg"),
        ("执照.png", PNG, "image/png"),
        ("申请书.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("执照.ofd", OFD, "application/ofd"),
    ],
)
def test_each_accepted_format_is_stored_with_its_hash_size_and_type(
    licence, cast, name: str, content: bytes, content_type: str
) -> None:
    case = file(licence, cast)
    stored = uploads.store_material(
        case=case, material="食品经营许可申请书", upload=upload(name, content), by=cast.clerk
    )
    stored.refresh_from_db()
    assert (stored.name, stored.content_type, stored.size) == (name, content_type, len(content))
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    with stored.file.open("rb") as handle:
        assert handle.read() == content


def test_the_stored_name_is_random_and_outside_the_web_root(licence, cast) -> None:
    case = file(licence, cast)
    stored = uploads.store_material(
        case=case, material="营业执照", upload=upload("../../etc/营业执照.png", PNG), by=cast.clerk
    )
    assert stored.name == "营业执照.png"  # the name shown, without any path
    disk = Path(stored.file.path)
    assert "营业执照" not in disk.name and disk.suffix == ".png" and len(disk.stem) == 32
    assert Path(default_storage.location) in disk.parents
    assert Path(settings.STATIC_ROOT) not in disk.parents


def test_the_content_decides_the_type_not_the_name(licence, cast) -> None:
    case = file(licence, cast)
    stored = uploads.store_material(
        case=case, material="营业执照", upload=upload("营业执照.pdf", PNG), by=cast.clerk
    )
    assert (stored.name, stored.content_type) == ("营业执照.pdf", "image/png")
    assert stored.file.name.endswith(".png")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("申请书.pdf", "这是一段文字，不是 PDF".encode()),
        ("表格.docx", XLSX),
        ("坏.docx", b"PK\x03\x04garbage"),
    ],
)
def test_a_file_that_is_none_of_the_formats_is_refused_by_name_and_nothing_is_kept(
    licence, cast, name: str, content: bytes
) -> None:
    case = file(licence, cast)
    before, audited = files_on_disk(), AuditEntry.objects.count()
    with pytest.raises(ApplicationError) as caught:
        uploads.store_material(
            case=case, material="食品经营许可申请书", upload=upload(name, content), by=cast.clerk
        )
    assert caught.value.message == f"文件“{name}”不是有效的 PDF、JPEG、PNG、OFD 或 DOCX 文件（按内容识别）"
    assert not CaseFile.objects.exists() and files_on_disk() == before
    assert AuditEntry.objects.count() == audited


def test_an_empty_file_is_refused(licence, cast) -> None:
    with pytest.raises(ApplicationError, match=r"文件“空\.pdf”是空文件"):
        uploads.store_material(
            case=file(licence, cast), material="营业执照", upload=upload("空.pdf", b""), by=cast.clerk
        )


def test_a_file_over_the_limit_is_refused_with_the_limit_in_megabytes(licence, cast) -> None:
    case = file(licence, cast)
    with override_settings(YIMEN={**settings.YIMEN, "UPLOAD_MAX_BYTES": 1024 * 1024}):
        with pytest.raises(ApplicationError) as caught:
            big = upload("扫描件.pdf", PDF + b"\n" * (1024 * 1024))
            uploads.store_material(case=case, material="营业执照", upload=big, by=cast.clerk)
        assert caught.value.message == "文件“扫描件.pdf”超过 1 MB"
        exact = upload("刚好.pdf", PDF + b"\n" * (1024 * 1024 - len(PDF)))
        assert (
            uploads.store_material(case=case, material="营业执照", upload=exact, by=cast.clerk).size
            == 1024 * 1024
        )
    assert settings.YIMEN["UPLOAD_MAX_BYTES"] == 20 * 1024 * 1024


def test_a_material_outside_the_items_list_is_refused(licence, cast) -> None:
    with pytest.raises(ApplicationError) as caught:
        uploads.store_material(
            case=file(licence, cast), material="户口本", upload=upload("户口本.pdf", PDF), by=cast.clerk
        )
    assert caught.value.fields == {"material": ["材料名称：“户口本”不在该事项的申请材料目录中"]}


def test_another_department_cannot_add_files_and_a_closed_case_takes_none(licence, cast) -> None:
    case = file(licence, cast)
    with pytest.raises(NotPermitted):
        uploads.store_material(case=case, material="营业执照", upload=upload("a.pdf", PDF), by=cast.other)
    steps.refuse(case=case, by=cast.clerk, reason="不属于本机关职权范围")
    case.refresh_from_db()
    with pytest.raises(TransitionError, match="办件当前为“不予受理”，不能再上传材料"):
        uploads.store_material(case=case, material="营业执照", upload=upload("a.pdf", PDF), by=cast.clerk)


def test_storing_a_file_is_audited_with_its_hash(licence, cast) -> None:
    stored = uploads.store_material(
        case=file(licence, cast), material="营业执照", upload=upload("执照.png", PNG), by=cast.clerk
    )
    entry = AuditEntry.objects.get(action="cases.material_stored")
    assert entry.actor_label == "李窗口"
    assert entry.summary["after"]["sha256"] == stored.sha256 == hashlib.sha256(PNG).hexdigest()


def test_an_application_with_a_bad_file_saves_no_case_and_no_file(licence, cast) -> None:
    before = files_on_disk()
    with pytest.raises(ApplicationError) as caught:
        uploads.submit_with_materials(
            item=licence,
            applicant=APPLICANT,
            channel=Channel.ONLINE,
            uploads=[
                uploads.Upload("食品经营许可申请书", upload("申请书.pdf", PDF)),
                uploads.Upload("营业执照", upload("营业执照.pdf", b"just text")),
            ],
        )
    assert caught.value.fields == {
        "营业执照": ["文件“营业执照.pdf”不是有效的 PDF、JPEG、PNG、OFD 或 DOCX 文件（按内容识别）"]
    }
    assert not Case.objects.exists() and not CaseFile.objects.exists() and files_on_disk() == before


def test_files_stored_in_a_block_that_fails_later_are_removed(instant, cast) -> None:
    before = files_on_disk()
    with pytest.raises(ApplicationError, match="出证办结须填写证照编号"), uploads.all_or_nothing():
        case = uploads.submit_with_materials(
            item=instant,
            applicant=APPLICANT,
            channel=Channel.WINDOW,
            uploads=[uploads.Upload("营业执照", upload("执照.png", PNG))],
            by=cast.clerk,
            window=cast.window,
        ).case
        assert len(files_on_disk() - before) == 1
        steps.conclude(case=steps.accept(case=case, by=cast.clerk), by=cast.clerk, result=Result.ISSUED)
    assert not Case.objects.exists() and files_on_disk() == before
