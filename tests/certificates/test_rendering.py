"""A certificate's face as OFD and PDF: both hold every word of the sheet (a long 经营范围 wrapped), the QR
code in either file reads back as the verification address, the OFD is the same bytes each time, and
Yimen's own upload check takes both files."""

from __future__ import annotations

import io
import itertools
import re
import subprocess
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import ofdkit
import pytest
import zxingcpp
from PIL import Image

from yimen.certificates import rendering
from yimen.certificates.rendering import CertificateSheet, render_ofd, render_pdf
from yimen.core import files

SCOPE = (
    "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；软件开发；信息系统集成服务；"
    "信息技术咨询服务；数据处理和存储支持服务；计算机系统服务；网络技术服务；人工智能应用软件开发；"
    "办公设备销售；计算机软硬件及辅助设备零售（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）。"
    "许可项目：第二类增值电信业务（依法须经批准的项目，经相关部门批准后方可开展经营活动，"
    "具体经营项目以相关部门批准文件或许可证件为准）。"
)
IDENTIFIER = "1.2.156.3005.2.11100000000013338W001.11420100MB1234567X.20250000000000000123.001.K"
URL = f"https://zwfw.example.gov.cn/zz/verify?id={IDENTIFIER}&code=4821"
SHEET = CertificateSheet(
    type_name="营业执照",
    title="营业执照",
    fields=(
        ("统一社会信用代码", "91420100MA4KXXXX1Y"),
        ("名称", "武汉一门信息技术有限公司"),
        ("类型", "有限责任公司（自然人投资或控股）"),
        ("法定代表人", "张三"),
        ("经营范围", SCOPE),
        ("成立日期", "2019年03月12日"),
        ("有效期限", "2019年03月12日至长期"),
    ),
    issuer="武汉市江岸区市场监督管理局",
    issued_on=date(2025, 5, 22),
    identifier=IDENTIFIER,
    verification_code="4821",
    verify_url=URL,
    signature_line="系统数字签名：SM3 5f3a9c0e…b71d42（非电子印章）",
)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def printed_words(sheet: CertificateSheet) -> list[str]:
    return [
        sheet.title,
        *(word for field in sheet.fields for word in field),
        sheet.issuer,
        "2025年5月22日",
        "核验码：4821",
        f"证照标识：{IDENTIFIER}",
        sheet.signature_line,
    ]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def qr_texts(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image)]


@pytest.fixture(scope="module")
def ofd_file() -> bytes:
    return render_ofd(SHEET)


@pytest.fixture(scope="module")
def pdf_file() -> bytes:
    return render_pdf(SHEET)


def test_the_ofd_holds_every_word_of_the_sheet(ofd_file: bytes) -> None:
    text = squeezed(ofdkit.extract_text(ofd_file))
    for word in printed_words(SHEET):
        assert squeezed(word) in text, word


def test_a_long_business_scope_is_wrapped_inside_the_value_column(ofd_file: bytes) -> None:
    with ofdkit.open(ofd_file) as read:
        (page,) = read.pages
        runs = page.runs
    scope = [
        run
        for run in runs
        if run.size == pytest.approx(rendering.FIELD_SIZE, abs=0.001) and run.text in SCOPE
    ]
    assert len(scope) >= 4
    assert "".join(run.text for run in scope) == SCOPE
    assert len({run.x for run in scope}) == 1  # each line starts in the value column
    assert all(run.x + run.width <= rendering.VALUES_RIGHT + 0.01 for run in scope)
    assert [b.y - a.y for a, b in itertools.pairwise(scope)] == pytest.approx(
        [rendering.FIELD_LINE] * (len(scope) - 1), abs=0.001
    )


def test_the_ofd_describes_the_certificate_in_its_doc_info(ofd_file: bytes) -> None:
    with ofdkit.open(ofd_file) as read:
        info = read.info
        assert (read.pages[0].width, read.pages[0].height) == (297, 210)
    assert (info.title, info.author, info.subject, info.creation_date) == (
        "营业执照",
        "武汉市江岸区市场监督管理局",
        "营业执照",
        "2025-05-22",
    )
    assert info.custom_data == {
        "证照标识": IDENTIFIER,
        "证照类型": "营业执照",
        "证照颁发机构": "武汉市江岸区市场监督管理局",
        "颁发日期": "2025-05-22",
        "核验码": "4821",
        "核验地址": URL,
    }
    assert info.doc_id == SHEET.doc_id and re.fullmatch(r"[0-9a-f]{32}", info.doc_id)


def test_the_same_sheet_gives_the_same_ofd_bytes_and_another_identifier_other_bytes(ofd_file: bytes) -> None:
    assert render_ofd(SHEET) == ofd_file
    other = replace(SHEET, identifier=IDENTIFIER.replace("0123", "0124"))
    assert render_ofd(other) != ofd_file
    assert other.doc_id != SHEET.doc_id


def test_the_qr_code_in_the_ofd_reads_as_the_verification_address(ofd_file: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(ofd_file)) as archive:
        image = Image.open(io.BytesIO(archive.read("Doc_0/Res/image_0.png")))
        assert "ofd:ImageObject" in archive.read("Doc_0/Pages/Page_0/Content.xml").decode()
    assert qr_texts(image) == [URL]


def test_the_pdf_holds_every_word_of_the_sheet(pdf_file: bytes, tmp_path: Path) -> None:
    text = squeezed(pdf_text(pdf_file, tmp_path))
    for word in printed_words(SHEET):
        assert squeezed(word) in text, word


def test_the_printed_pdf_qr_code_reads_as_the_verification_address(pdf_file: bytes, tmp_path: Path) -> None:
    (tmp_path / "certificate.pdf").write_bytes(pdf_file)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "certificate.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    (page,) = tmp_path.glob("page-*.png")
    image = Image.open(page)
    assert image.width > image.height  # A4 landscape
    assert qr_texts(image) == [URL]


def test_a_sheet_too_long_for_one_page_continues_and_keeps_every_word(tmp_path: Path) -> None:
    long = replace(
        SHEET, fields=(*SHEET.fields, ("备注", SCOPE * 4), ("许可范围", "第二类增值电信业务\n" * 6))
    )
    package = render_ofd(long)
    with ofdkit.open(package) as read:
        assert len(read.pages) == 2
        second = squeezed(read.pages[1].text())
        assert "营业执照（续）" in second and "核验码：4821" in second
    text = squeezed(ofdkit.extract_text(package)).replace("营业执照（续）", "")  # the value goes on below it
    pdf = squeezed(pdf_text(render_pdf(long), tmp_path))
    for word in printed_words(long):
        assert squeezed(word) in text, word
        assert squeezed(word) in pdf, word


@pytest.mark.parametrize(("name", "kind"), [("营业执照.ofd", files.OFD), ("营业执照.pdf", files.PDF)])
def test_yimens_upload_check_takes_both_files(
    ofd_file: bytes, pdf_file: bytes, name: str, kind: files.Kind
) -> None:
    content = ofd_file if kind == files.OFD else pdf_file
    assert files.recognise(io.BytesIO(content), name=name, size=len(content), accepted=files.KINDS) == kind
