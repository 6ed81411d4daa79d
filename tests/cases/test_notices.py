"""A case's notices: what the applicant reads on the PDF and in the DOCX, when each may be printed, the
QR code to 好差评, who may download them, and how fast they render."""

from __future__ import annotations

import html
import io
import re
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import segno
from django.core import signing
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from docx import Document
from PIL import Image

from tests.cases.conftest import COMPANY, file, local
from tests.catalog.test_guide_pdf import drawn_modules, pdf_fonts, pdf_text
from yimen.cases.links import case_from_evaluation_token, evaluation_path
from yimen.cases.models import Case, Result
from yimen.cases.notices import available, lookup_path, notice, notice_docx, notice_html, notice_pdf
from yimen.cases.services import intake, steps
from yimen.catalog.models import ServiceItem
from yimen.core.errors import ApplicationError, TransitionError

pytestmark = pytest.mark.django_db

BASE = "https://zwfw.xianning.gov.cn/"
MISSING = ["食品经营许可申请书（法定代表人签字）", "营业执照副本复印件", "经营场所平面图及周边环境示意图"]


def flat(text: str) -> str:
    """Text without white space: a PDF wraps lines and pads table cells where the letter has none."""
    return re.sub(r"\s+", "", text)


def docx_text(document: bytes) -> str:
    doc = Document(io.BytesIO(document))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def read_back(case: Case, kind: str) -> dict[str, str]:
    """The notice as the applicant reads it, from the PDF (pdftotext) and from the DOCX (python-docx)."""
    return {
        "pdf": pdf_text(notice_pdf(case, kind, base_url=BASE)),
        "docx": docx_text(notice_docx(case, kind, base_url=BASE)),
    }


def assert_says(texts: dict[str, str], *expected: str) -> None:
    for form, text in texts.items():
        for words in expected:
            assert flat(words) in flat(text), f"{form}: {words}\n{text}"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Sets the time services read (timezone.now), so a letter's dates are the story's dates."""

    def set_to(*moment: int) -> None:
        monkeypatch.setattr(timezone, "now", lambda: local(*moment))

    return set_to


@pytest.fixture
def accepted(licence: ServiceItem, cast, clock: Callable[..., None]) -> Case:
    clock(2024, 9, 26, 9, 30)
    return steps.accept(case=file(licence, cast), by=cast.clerk, at=local(2024, 9, 27, 10))


def test_acceptance_notice_gives_the_deadlines_and_how_to_look_the_case_up(accepted: Case) -> None:
    texts = read_back(accepted, "accepted")
    assert_says(
        texts,
        "受理通知书",
        f"〔2024〕受字第 {accepted.number} 号",
        "张三：",
        "你（单位）于2024年9月26日 09:30提交的“食品经营许可证核发”申请",
        "《中华人民共和国行政许可法》第三十二条第一款第（五）项",
        "本机关承诺于2024年10月30日前办结，法定办结时间为2024年10月30日",
        f"办件编号 {accepted.number}",
        f"查询码 {accepted.query_code}",
        "申请人 张三",
        "受理时间 2024年9月27日 10:00",
        "承诺办结时间 2024年10月30日（时限：20个工作日）",
        "受理窗口 B012 号窗口 市场监管窗口",
        f"办件查询页面（https://zwfw.xianning.gov.cn{lookup_path()}），输入办件编号 {accepted.number} 和查询码 {accepted.query_code} 查询",
        "咸宁市市场监督管理局 （盖章） 2024年9月27日",
        "咸宁市政务服务中心 地址：咸宁市咸安区金桂路 99 号",
        "联系电话：0715-8212345 监督电话：0715-12345",
    )
    assert re.search(rf"办件编号\s+{accepted.number}\s+查询码\s+{accepted.query_code}\n", texts["pdf"])
    assert re.search(r"承诺办结时间\s+2024年10月30日", texts["pdf"])


def test_refusal_notice_gives_the_reason_and_the_rights_of_appeal(licence: ServiceItem, cast) -> None:
    reason = "申请事项依法不属于本机关职权范围，请向咸宁市公安局申请"
    case = file(licence, cast)
    assert available(case) == []
    case = steps.refuse(case=case, by=cast.clerk, reason=reason)
    assert available(case) == ["refused"]
    year = timezone.localdate().year
    assert_says(
        read_back(case, "refused"),
        "不予受理通知书",
        f"〔{year}〕不受字第 {case.number} 号",
        case.number,
        case.query_code,
        "食品经营许可证核发",
        "张三：",
        "本机关决定不予受理",
        f"不予受理的理由：{reason}",
        "自收到本通知书之日起六十日内，依照《中华人民共和国行政复议法》第二十条的规定向咸宁市人民政府申请行政复议",
        "自收到本通知书之日起六个月内，依照《中华人民共和国行政诉讼法》第四十六条的规定向人民法院提起行政诉讼",
    )


def test_supplement_notice_tells_every_missing_material_at_once(licence: ServiceItem, cast) -> None:
    case = file(licence, cast)
    case = steps.request_supplement(case=case, by=cast.clerk, materials=["健康证明"])
    case = steps.supplement_received(case=case, by=cast.clerk)
    case = steps.request_supplement(case=case, by=cast.clerk, materials=MISSING, note="复印件须加盖公章")
    texts = read_back(case, "supplement")
    assert_says(
        texts,
        "补正材料通知书",
        "（一次性告知书）",
        case.number,
        case.query_code,
        "食品经营许可证核发",
        "张三：",
        "《中华人民共和国行政许可法》第三十二条第一款第（四）项",
        "现一次性告知你（单位）需要补正的全部材料，共 3 项",
        *MISSING,
        "补正要求：复印件须加盖公章",
        "本机关不再要求补正本通知书所列以外的材料",
        "请补齐上述材料后到市民之家二楼 B 区提交",
    )
    for number, material in enumerate(MISSING, start=1):
        assert re.search(rf"{number}\s+{re.escape(material)}", texts["pdf"])
    # The notice is the latest request's: what was told before and has been handed in is not asked again.
    assert all("健康证明" not in text for text in texts.values())
    assert available(case) == ["supplement"]


def test_conclusion_notice_gives_the_result_and_certificate_number(licence: ServiceItem, cast) -> None:
    case = intake.submit(item=licence, applicant=COMPANY, channel="online")
    case = steps.accept(case=case, by=cast.clerk)
    case = steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="JY14212000001")
    case = steps.deliver(case=case, by=cast.clerk, method="courier", tracking_no="SF1234567890")
    assert_says(
        read_back(case, "concluded"),
        "办结通知书",
        case.number,
        case.query_code,
        "食品经营许可证核发",
        "咸宁市青山食品有限公司：",
        "法定代表人 李四",
        "办理结果为：出证办结",
        "证照编号：JY14212000001",
        "送达方式：邮寄送达（快递单号 SF1234567890）",
        "扫码评价本次服务（好差评）",
    )
    assert available(case) == ["accepted", "concluded"]


def test_a_denied_licence_notice_gives_the_reason_and_the_rights_of_appeal(
    licence: ServiceItem, cast
) -> None:
    case = steps.accept(case=file(licence, cast), by=cast.clerk)
    case = steps.conclude(case=case, by=cast.reviewer, result=Result.DENIED, reason="经营场所与住宅相连")
    letter = flat(" ".join(b for b in notice(case, "concluded").blocks if isinstance(b, str)))
    assert "办理结果为：不予许可。理由：经营场所与住宅相连" in letter
    assert "向咸宁市人民政府申请行政复议" in letter and "提起行政诉讼" in letter


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("accepted", "办件当前为“已申报，待受理”，尚未受理，不能出具受理通知书"),
        ("refused", "办件当前为“已申报，待受理”，没有作出不予受理决定，不能出具不予受理通知书"),
        ("supplement", "该办件没有一次性告知补齐补正的记录，不能出具补正材料通知书"),
        ("concluded", "办件当前为“已申报，待受理”，尚未办结，不能出具办结通知书"),
    ],
)
def test_a_notice_the_case_has_not_reached_is_refused_in_chinese(
    licence: ServiceItem, cast, kind: str, message: str
) -> None:
    case = file(licence, cast)
    with pytest.raises(TransitionError) as caught:
        notice_pdf(case, kind, base_url=BASE)
    assert caught.value.message == message
    with pytest.raises(TransitionError, match=re.escape(message)):
        notice_docx(case, kind, base_url=BASE)


def test_an_accepted_case_has_no_refusal_or_conclusion_notice_and_kinds_are_checked(accepted: Case) -> None:
    assert available(accepted) == ["accepted"]
    with pytest.raises(TransitionError, match="“办理中”，没有作出不予受理决定"):
        notice(accepted, "refused")
    with pytest.raises(TransitionError, match="“办理中”，尚未办结"):
        notice(accepted, "concluded")
    with pytest.raises(ApplicationError) as caught:
        notice(accepted, "receipt")
    assert caught.value.fields == {"kind": ["通知书类型：只能是受理、不予受理、补正材料或办结通知书"]}


def _qr_in_png(png: bytes, scale: int) -> list[list[bool]]:
    """The dark modules of segno's PNG, read at the centre of each module."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width // scale
    return [
        [image.getpixel((x * scale + scale // 2, y * scale + scale // 2)) < 128 for x in range(size)]  # type: ignore[operator]
        for y in range(size)
    ]


def test_qr_code_on_the_conclusion_notice_opens_the_evaluation_page(
    instant: ServiceItem, cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The invitation's token is signed with the time; one second for the whole test keeps it one URL.
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(1727400000))
    case = steps.accept_immediately(case=file(instant, cast), by=cast.clerk, certificate_no="JY1")
    url = f"https://zwfw.xianning.gov.cn{evaluation_path(case)}"
    found = resolve(urlsplit(url).path)
    assert found.view_name == "evaluate:case"
    assert case_from_evaluation_token(found.kwargs["token"]) == case
    expected = [[bool(m) for m in row] for row in segno.make_qr(url, error="m").matrix_iter(border=4)]

    sources = [
        html.unescape(s)
        for s in re.findall(r'<img src="([^"]+)"', notice_html(case, "concluded", base_url=BASE))
    ]
    assert len(sources) == 1 and drawn_modules(sources[0]) == expected

    doc = Document(io.BytesIO(notice_docx(case, "concluded", base_url=BASE)))
    images = [part.blob for part in doc.part.package.iter_parts() if part.content_type == "image/png"]
    assert len(images) == 1 and _qr_in_png(images[0], scale=8) == expected

    assert "<img" not in notice_html(case, "accepted", base_url=BASE)


def test_notices_are_set_in_embedded_noto_cjk_and_never_touch_the_network(
    accepted: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object) -> None:
        raise AssertionError("通知书打印访问了网络")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    fonts = pdf_fonts(notice_pdf(accepted, "accepted", base_url=BASE))
    noto = [line for line in fonts.splitlines() if re.search(r"Noto-?(Sans|Serif)-?CJK", line)]
    assert noto, fonts
    assert all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in noto), fonts


def _download(client: Client, case: Case, kind: str, fmt: str) -> Any:
    return client.get(reverse(f"case_notices:{fmt}", args=[case.number, kind]))


def test_staff_who_may_see_the_case_download_its_notices(accepted: Case, cast, client: Client) -> None:
    client.force_login(cast.clerk)
    pdf = _download(client, accepted, "accepted", "pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="accepted-{accepted.number}.pdf"; '
        f"filename*=UTF-8''{quote(f'受理通知书-{accepted.number}.pdf')}"
    )
    assert accepted.query_code in pdf_text(pdf.content)
    docx = _download(client, accepted, "accepted", "docx")
    assert docx.status_code == 200 and docx["Content-Type"].endswith("wordprocessingml.document")
    assert "%E5%8F%97%E7%90%86%E9%80%9A%E7%9F%A5%E4%B9%A6" in docx["Content-Disposition"]  # 受理通知书
    assert accepted.query_code in docx_text(docx.content)
    client.force_login(cast.supervisor)
    assert _download(client, accepted, "accepted", "docx").status_code == 200


def test_other_department_and_strangers_get_nothing(accepted: Case, cast, client: Client) -> None:
    anonymous = _download(client, accepted, "accepted", "pdf")
    assert anonymous.status_code == 302 and "/office/login/" in anonymous["Location"]
    client.force_login(cast.other)
    assert _download(client, accepted, "accepted", "pdf").status_code == 404
    assert _download(client, accepted, "accepted", "docx").status_code == 404
    client.force_login(cast.clerk)
    assert _download(client, accepted, "receipt", "pdf").status_code == 404
    assert client.get(reverse("case_notices:pdf", args=["NO-SUCH-CASE", "accepted"])).status_code == 404


def test_downloading_a_notice_the_case_has_not_reached_says_why(accepted: Case, cast, client: Client) -> None:
    client.force_login(cast.clerk)
    response = _download(client, accepted, "refused", "pdf")
    assert response.status_code == 409
    assert "没有作出不予受理决定，不能出具不予受理通知书" in response.content.decode()


def test_a_notice_renders_in_well_under_a_second(accepted: Case, capsys: pytest.CaptureFixture[str]) -> None:
    """CPU time, best of three (other processes on a busy machine do not make it flaky)."""
    notice_pdf(accepted, "accepted", base_url=BASE)  # warm-up: fonts, Pango and templates load once
    timings: dict[str, float] = {}
    for form, render in (("pdf", notice_pdf), ("docx", notice_docx)):
        runs = []
        for _ in range(3):
            started = time.process_time()
            render(accepted, "accepted", base_url=BASE)
            runs.append(time.process_time() - started)
        timings[form] = min(runs)
    with capsys.disabled():
        print(f"\nnotice render: PDF {timings['pdf'] * 1000:.0f} ms, DOCX {timings['docx'] * 1000:.0f} ms")
    assert timings["pdf"] < 1.0 and timings["docx"] < 0.25, timings


def test_names_with_markup_characters_print_as_written(licence: ServiceItem, cast) -> None:
    company = replace(COMPANY, name="咸宁市A&B<食品>有限公司")
    case = steps.refuse(case=file(licence, cast, company), by=cast.clerk, reason="经营范围不含“食品”&“餐饮”")
    page = notice_html(case, "refused", base_url=BASE)
    assert "咸宁市A&amp;B&lt;食品&gt;有限公司：" in page and "不含“食品”&amp;“餐饮”" in page
    assert "&amp;amp;" not in page
    assert "咸宁市A&B<食品>有限公司：" in docx_text(notice_docx(case, "refused", base_url=BASE))
