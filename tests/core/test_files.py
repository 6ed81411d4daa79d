"""core.files: a file is what its bytes are, among the kinds the caller accepts; refusals name the file."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings

from tests.cases.test_uploads import DOCX, JPEG, OFD, PDF, PNG, XLSX
from yimen.core import files
from yimen.core.errors import ApplicationError

EVERY_KIND = (files.PDF, files.JPEG, files.PNG, files.DOCX, files.XLSX, files.OFD)


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, files.PDF),
        (JPEG, files.JPEG),
        (PNG, files.PNG),
        (DOCX, files.DOCX),
        (XLSX, files.XLSX),
        (OFD, files.OFD),
    ],
)
def test_each_kind_is_known_by_its_content(content: bytes, kind: files.Kind) -> None:
    assert files.kind_of(io.BytesIO(content), EVERY_KIND) == kind


def test_a_kind_the_caller_does_not_accept_is_no_kind() -> None:
    assert files.kind_of(io.BytesIO(XLSX), (files.PDF, files.DOCX, files.OFD)) is None
    assert files.kind_of(io.BytesIO(b"\x89PNG\r\n\x1a\n"), (files.PDF,)) is None
    assert files.kind_of(io.BytesIO(b"PK\x03\x04 not really a zip"), EVERY_KIND) is None


def test_the_stream_is_left_at_its_start() -> None:
    stream = io.BytesIO(OFD)
    files.kind_of(stream, EVERY_KIND)
    assert stream.tell() == 0


def test_a_refusal_names_the_file_and_the_accepted_kinds() -> None:
    with pytest.raises(ApplicationError) as refused:
        files.recognise(
            io.BytesIO(b"MZ\x90\x00"), name="病毒.pdf", size=4, accepted=(files.PDF, files.DOCX, files.OFD)
        )
    assert refused.value.fields == {"file": ["文件“病毒.pdf”不是有效的 PDF、DOCX 或 OFD 文件（按内容识别）"]}


@override_settings(YIMEN={"UPLOAD_MAX_BYTES": 1024 * 1024})
def test_empty_and_oversized_files_are_refused_under_the_callers_field() -> None:
    with pytest.raises(ApplicationError) as empty:
        files.recognise(
            io.BytesIO(b""), name="空.pdf", size=0, accepted=(files.PDF,), noun="附件", field="files"
        )
    assert empty.value.fields == {"files": ["附件“空.pdf”是空文件，请重新选择"]}
    with pytest.raises(ApplicationError) as large:
        files.recognise(io.BytesIO(b"%PDF-"), name="大.pdf", size=2 * 1024 * 1024, accepted=(files.PDF,))
    assert str(large.value) == "文件“大.pdf”超过 1 MB"
