"""The reply letter as the applicant reads it: PDF (pdftotext) and DOCX (python-docx), read back."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases.test_notices import assert_says, docx_text
from tests.catalog.test_guide_pdf import pdf_fonts, pdf_text
from tests.disclosure.conftest import COMPANY, clarification_asked, replied, started
from yimen.core.errors import TransitionError
from yimen.disclosure import letters
from yimen.disclosure.models import Outcome
from yimen.disclosure.services import clock, fees

pytestmark = pytest.mark.django_db


def read_back(request) -> dict[str, str]:
    return {"pdf": pdf_text(letters.letter_pdf(request)), "docx": docx_text(letters.letter_docx(request))}


def test_a_partial_disclosure_letter_says_what_why_how_and_the_remedies(cast) -> None:
    request = replied(
        cast,
        started(cast, date(2024, 3, 4), applicant=COMPANY),
        Outcome.PARTIAL,
        date(2024, 3, 20),
        "其中第3页涉及第三方商业秘密，依据条例第十五条不予公开。",
        how_to_obtain="可公开部分已通过电子邮件发送至 office@qingshan.example.cn",
        pages=12,
    )
    texts = read_back(request)
    assert_says(
        texts,
        "政府信息公开申请答复书（部分公开）",
        f"〔2024〕公开答字第 {request.number} 号",
        "咸宁市青山食品有限公司：",
        "你（单位）于2024年3月4日向本机关提出的政府信息公开申请",
        "第三十六条第（二）项、第三十七条",
        "其中第3页涉及第三方商业秘密",
        "可公开部分已通过电子邮件发送至",
        "本机关提供的信息共12页",
        "六十日内",
        "咸宁市人民政府申请行政复议",
        "六个月内",
        "向人民法院提起行政诉讼",
        request.query_code,
        "咸宁市政务服务中心",
        "2024年3月20日",
    )
    assert "Noto-Serif-CJK-SC" in pdf_fonts(letters.letter_pdf(request))


def test_a_letter_reads_the_stored_reply_even_after_the_template_changes(cast) -> None:
    from yimen.disclosure.models import LetterTemplate

    request = replied(
        cast, started(cast, date(2024, 3, 4)), Outcome.NOT_HELD, date(2024, 3, 20), "本机关未制作该信息。"
    )
    LetterTemplate.objects.create(outcome=Outcome.NOT_HELD, title="新标题", body="新的正文")
    assert_says({"docx": docx_text(letters.letter_docx(request))}, "本机关未制作该信息。")


def test_no_letter_before_the_reply(cast) -> None:
    with pytest.raises(TransitionError):
        letters.letter_docx(started(cast, date(2024, 3, 4)))


def test_a_request_closed_for_no_supplement_has_its_letter(cast) -> None:
    request = clarification_asked(
        cast, started(cast, date(2024, 3, 4)), date(2024, 3, 6), date(2024, 3, 22), "请写明文号"
    )
    request = clock.expire_clarification(request=request, by=None, on=date(2024, 3, 25))
    assert_says(
        {"docx": docx_text(letters.letter_docx(request))},
        "政府信息公开申请告知书（其他处理）",
        "补正期限至2024年3月22日",
        "视为放弃申请",
    )


def read_notice(request, kind: str) -> dict[str, str]:
    return {
        "pdf": pdf_text(letters.notice_pdf(request, kind)),
        "docx": docx_text(letters.notice_docx(request, kind)),
    }


def test_the_applicant_is_told_what_to_complete_and_by_when(cast) -> None:
    request = clarification_asked(
        cast,
        started(cast, date(2024, 3, 4)),
        date(2024, 3, 6),
        date(2024, 3, 22),
        ["请写明所需文件的文号", "请说明所需信息的时间范围"],
    )
    assert letters.available(request) == ["clarification"]
    assert_says(
        read_notice(request, "clarification"),
        "政府信息公开申请补正告知书",
        "第三十条",
        "1. 请写明所需文件的文号",
        "2. 请说明所需信息的时间范围",
        "请于2024年3月22日前补正",
        "答复期限自本机关收到补正的申请之日起计算",
    )


def test_the_applicant_is_told_of_the_extension_and_the_new_deadline(cast) -> None:
    request = clock.extend(
        request=started(cast, date(2024, 3, 4)),
        by=cast.head,
        workdays=20,
        reason="需调取历史档案",
        on=date(2024, 3, 28),
    )
    assert_says(
        read_notice(request, "extension"),
        "政府信息公开申请延期答复告知书",
        "因需调取历史档案",
        "经本机关政府信息公开工作机构负责人同意，答复期限延长20个工作日",
        "2024年4月29日前作出答复",
    )


def test_the_fee_notice_states_basis_amount_and_deadline(cast) -> None:
    from yimen.disclosure.models import FeeMethod

    request = started(cast, date(2024, 3, 4))
    fees.issue_fee_notice(
        request=request, by=cast.officer, method=FeeMethod.PER_PAGE, quantity=250, on=date(2024, 3, 11)
    )
    assert_says(
        read_notice(request, "fee"),
        "政府信息公开信息处理费收费通知书",
        "国办函〔2020〕109号",
        "按量计收标准收取信息处理费：250页，金额4700.00元",
        "2024年4月9日前",
        "视为放弃申请",
    )
