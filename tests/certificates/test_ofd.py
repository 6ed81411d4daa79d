"""The OFD writer (GB/T 33190-2016): the parts and namespace a reader expects, unique IDs, the same bytes
for the same input, text a reader gets back where it was placed, images as MultiMedia resources, and
Yimen's own upload check taking the file as OFD."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import ofdkit
import pytest
import segno
from defusedxml import ElementTree

from yimen.certificates import ofd
from yimen.core import files

NS = "{http://www.ofdspec.org/2016}"
DOC_ID = "3f2504e04f8911d39a0c0305e82c3301"
PARTS = {
    "OFD.xml",
    "Doc_0/Document.xml",
    "Doc_0/PublicRes.xml",
    "Doc_0/DocumentRes.xml",
    "Doc_0/Pages/Page_0/Content.xml",
    "Doc_0/Pages/Page_1/Content.xml",
    "Doc_0/Res/image_0.png",
}


def png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(text).save(out, kind="png", scale=4)
    return out.getvalue()


def document(doc_id: str = DOC_ID, title: str = "营业执照") -> ofd.OfdDocument:
    qr = png("https://example.gov.cn/v/1")
    return ofd.OfdDocument(
        doc_id=doc_id,
        title=title,
        author="江岸区市场监督管理局",
        created=date(2025, 5, 22),
        width=297,
        height=210,
        custom_data=(("证照标识", "1.2.156.3005.2.X"), ("核验码", "4821")),
        pages=(
            ofd.Page(
                (
                    ofd.Rect(8, 8, 281, 194, line_width=0.6),
                    ofd.Line(20, 40, 270, 40),
                    ofd.Text(30, 30, title, 9, spacing=1.8),
                    ofd.Text(30, 50, "名称：武汉一门信息技术有限公司 ABC-12", 3.9, font="黑体"),
                    ofd.Image(240, 150, 30, 30, qr),
                )
            ),
            ofd.Page((ofd.Text(30, 30, "第二页", 3.9), ofd.Image(10, 10, 20, 20, qr))),
        ),
    )


def xml_parts(package: bytes) -> dict[str, object]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {
            name: ElementTree.fromstring(archive.read(name))
            for name in archive.namelist()
            if name.endswith(".xml")
        }


def test_the_package_holds_the_standard_parts_in_the_ofd_namespace() -> None:
    package = document().to_bytes()
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert set(archive.namelist()) == PARTS
        assert archive.namelist()[0] == "OFD.xml"
    roots = xml_parts(package)
    assert {name: root.tag for name, root in roots.items()} == {
        "OFD.xml": f"{NS}OFD",
        "Doc_0/Document.xml": f"{NS}Document",
        "Doc_0/PublicRes.xml": f"{NS}Res",
        "Doc_0/DocumentRes.xml": f"{NS}Res",
        "Doc_0/Pages/Page_0/Content.xml": f"{NS}Page",
        "Doc_0/Pages/Page_1/Content.xml": f"{NS}Page",
    }
    for root in roots.values():  # every element in the standard namespace, written with the prefix ofd
        assert all(element.tag.startswith(NS) for element in root.iter())
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert archive.read("OFD.xml").startswith(
            b'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"'
        )


def test_ofd_xml_carries_doc_info_and_points_to_the_document() -> None:
    root = xml_parts(document().to_bytes())["OFD.xml"]
    assert (root.get("DocType"), root.get("Version")) == ("OFD", "1.0")
    assert root.findtext(f"{NS}DocBody/{NS}DocRoot") == "Doc_0/Document.xml"
    with ofdkit.open(document().to_bytes()) as read:
        info = read.info
    assert (info.doc_id, info.title, info.author, info.creation_date) == (
        DOC_ID,
        "营业执照",
        "江岸区市场监督管理局",
        "2025-05-22",
    )
    assert info.custom_data == {"证照标识": "1.2.156.3005.2.X", "核验码": "4821"}


def test_document_xml_gives_the_page_size_in_millimetres_and_both_resource_files() -> None:
    root = xml_parts(document().to_bytes())["Doc_0/Document.xml"]
    common = root.find(f"{NS}CommonData")
    assert common.findtext(f"{NS}PageArea/{NS}PhysicalBox") == "0 0 297 210"
    assert (common.findtext(f"{NS}PublicRes"), common.findtext(f"{NS}DocumentRes")) == (
        "PublicRes.xml",
        "DocumentRes.xml",
    )
    assert [page.get("BaseLoc") for page in root.iter(f"{NS}Page")] == [
        "Pages/Page_0/Content.xml",
        "Pages/Page_1/Content.xml",
    ]


def test_ids_are_unique_max_unit_id_is_the_largest_and_every_reference_resolves() -> None:
    roots = xml_parts(document().to_bytes())
    ids = [int(element.get("ID")) for root in roots.values() for element in root.iter() if element.get("ID")]
    assert len(ids) == len(set(ids)) == 14  # 2 fonts, 1 image, 2 pages, 2 layers, 7 objects
    assert int(roots["Doc_0/Document.xml"].findtext(f"{NS}CommonData/{NS}MaxUnitID")) == max(ids)
    fonts = {font.get("ID"): font.get("FontName") for font in roots["Doc_0/PublicRes.xml"].iter(f"{NS}Font")}
    assert sorted(fonts.values()) == ["宋体", "黑体"]
    media = {m.get("ID"): m for m in roots["Doc_0/DocumentRes.xml"].iter(f"{NS}MultiMedia")}
    for name in ("Doc_0/Pages/Page_0/Content.xml", "Doc_0/Pages/Page_1/Content.xml"):
        assert all(text.get("Font") in fonts for text in roots[name].iter(f"{NS}TextObject"))
        assert all(image.get("ResourceID") in media for image in roots[name].iter(f"{NS}ImageObject"))


def test_an_image_drawn_twice_is_one_multimedia_resource_stored_under_res() -> None:
    package = document().to_bytes()
    roots = xml_parts(package)
    (media,) = roots["Doc_0/DocumentRes.xml"].iter(f"{NS}MultiMedia")
    assert (media.get("Type"), media.get("Format"), media.findtext(f"{NS}MediaFile")) == (
        "Image",
        "PNG",
        "image_0.png",
    )
    assert roots["Doc_0/DocumentRes.xml"].get("BaseLoc") == "Res"
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert archive.read("Doc_0/Res/image_0.png") == png("https://example.gov.cn/v/1")
        assert archive.getinfo("Doc_0/Res/image_0.png").compress_type == zipfile.ZIP_STORED
    (image,) = roots["Doc_0/Pages/Page_0/Content.xml"].iter(f"{NS}ImageObject")
    assert (image.get("Boundary"), image.get("CTM")) == ("240 150 30 30", "30 0 0 30 0 0")


def test_the_same_input_gives_the_same_bytes_and_zip_times_are_the_creation_date() -> None:
    first, again = document().to_bytes(), document().to_bytes()
    assert first == again
    assert document(doc_id="0" * 32).to_bytes() != first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 5, 22, 0, 0, 0)}


def test_text_reads_back_in_place_with_each_character_advanced_by_delta_x() -> None:
    with ofdkit.open(document().to_bytes()) as read:
        first, second = read.pages
        runs = {run.text: run for run in first.runs}
        assert second.text() == "第二页"
    title, name = runs["营业执照"], runs["名称：武汉一门信息技术有限公司 ABC-12"]
    assert (title.x, title.y, title.size) == (30, 30, 9)
    # ofdkit measures a run by its DeltaX: 4 characters of 9 mm with 1.8 mm letter spacing between them.
    assert title.width == pytest.approx(4 * 9 + 3 * 1.8)
    assert name.width == pytest.approx(ofd.text_width(name.text, 3.9))
    content = xml_parts(document().to_bytes())["Doc_0/Pages/Page_0/Content.xml"]
    codes = [code.get("DeltaX") for code in content.iter(f"{NS}TextCode")]
    assert codes[0] == "g 3 10.8"
    assert codes[1] == "g 15 3.9 g 6 1.95"  # 汉字 and “：” a full em, Latin and the space half


def test_paths_are_stroked_outlines_inside_their_boundary() -> None:
    content = xml_parts(document().to_bytes())["Doc_0/Pages/Page_0/Content.xml"]
    rect, line = content.iter(f"{NS}PathObject")
    assert (rect.get("Boundary"), rect.get("LineWidth")) == ("7.7 7.7 281.6 194.6", "0.6")
    assert rect.findtext(f"{NS}AbbreviatedData") == "M 0.3 0.3 L 281.3 0.3 L 281.3 194.3 L 0.3 194.3 C"
    assert line.findtext(f"{NS}AbbreviatedData") == "M 0.125 0.125 L 250.125 0.125"
    assert (rect.get("Stroke"), rect.get("Fill")) == ("true", "false")


def test_yimens_upload_check_takes_the_file_as_ofd() -> None:
    package = document().to_bytes()
    kind = files.recognise(io.BytesIO(package), name="营业执照.ofd", size=len(package), accepted=files.KINDS)
    assert kind == files.OFD


@pytest.mark.parametrize(
    "doc_id", ["3F2504E04F8911D39A0C0305E82C3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", ""]
)
def test_a_doc_id_must_be_32_lower_case_hex_digits(doc_id: str) -> None:
    with pytest.raises(ValueError, match="DocID"):
        document(doc_id=doc_id)


def test_text_with_a_control_character_is_refused() -> None:
    with pytest.raises(ValueError, match="U\\+0007"):
        ofd.Text(0, 0, "名称\x07", 4)


def test_wrap_keeps_lines_within_the_width_and_loses_nothing() -> None:
    text = "一般项目：技术服务、技术开发、技术咨询；软件开发，信息系统集成服务（凭营业执照依法自主开展经营活动）。"
    lines = ofd.wrap(text, 40, 4)
    assert len(lines) > 2
    assert "".join(lines) == text
    assert all(ofd.text_width(line, 4) <= 40 for line in lines[:-1])
    assert not any(line[0] in "，。、；：）" for line in lines)  # no line starts with a closing sign


def test_wrap_breaks_between_latin_words_and_cuts_only_a_word_wider_than_the_line() -> None:
    assert ofd.wrap("Room 301 Building", 10, 2) == ["Room 301", "Building"]
    long = "1.2.156.3005.2.11100000000013338W001.11420100MB1234567X"
    lines = ofd.wrap(long, 20, 2)
    assert "".join(lines) == long
    assert all(ofd.text_width(line, 2) <= 20 for line in lines)


def test_wrap_starts_a_new_line_at_each_line_break() -> None:
    assert ofd.wrap("第一条\r\n第二条\n\n第三\t条", 100, 4) == ["第一条", "第二条", "", "第三 条"]
