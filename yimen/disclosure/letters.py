"""The reply letter (政府信息公开申请答复书 / 告知书) as PDF and DOCX.

The text is the reply's stored body (rendered from the outcome's template when the reply was made, the
remedies included), so a letter printed later says what was decided even if a template changes. The
layout, fonts and the network-free PDF rendering are the cases' notices' (cases/notices.py).
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from yimen.cases.notices import LAYOUT, Notice, Table, docx_bytes, html_pdf
from yimen.core.errors import TransitionError
from yimen.disclosure import letter_texts
from yimen.disclosure.models import DisclosureRequest, Reply
from yimen.disclosure.replies import day

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _reply(request: DisclosureRequest) -> Reply:
    found = Reply.objects.filter(request_id=request.pk).select_related("request__organisation").first()
    if found is None:
        raise TransitionError("该申请尚未答复，没有告知书")
    return found


def tracking_url() -> str:
    """The portal's tracking page, where the number and 查询码 are entered."""
    try:
        path = reverse("disclosure:track")
    except NoReverseMatch:
        path = "/disclosure/"
    return str(settings.YIMEN["PUBLIC_BASE_URL"]).rstrip("/") + path


def letter(request: DisclosureRequest) -> Notice:
    """What the letter says, laid out as a notice: title, number, addressee, body, facts, issuer, date."""
    answer = _reply(request)
    request = answer.request
    title, _ = letter_texts.template_for(answer.outcome)
    kind = letter_texts.reply_type(answer.outcome)
    paragraphs = [
        "".join(line.strip() for line in p.splitlines()) for p in answer.body.split("\n\n") if p.strip()
    ]
    facts = Table(
        "facts",
        (),
        (
            ("申请编号", request.number, "查询码", request.query_code),
            ("收到申请之日", day(request.received_on), "答复日期", day(answer.issued_on)),
            ("办理结果", answer.get_outcome_display()),
            ("答复类型", f"{kind.item}：{kind.duty}"),
        ),
    )
    organisation = request.organisation
    phones = f"联系电话：{organisation.contact_phone}" if organisation.contact_phone else ""
    address = f"地址：{organisation.address}" if organisation.address else ""
    return Notice(
        kind="disclosure_reply",
        title=title,
        subtitle="",
        doc_number=f"〔{answer.issued_on.year}〕公开答字第 {request.number} 号",
        addressee=f"{request.applicant_name}：",
        blocks=(
            *paragraphs,
            facts,
            f"办理进度可在依申请公开查询页面（{tracking_url()}）输入申请编号和查询码查询。",
        ),
        issuer=organisation.name,
        dated=day(answer.issued_on),
        footer=tuple(line for line in (address, phones) if line),
        qr_url="",
        qr_caption="",
    )


def letter_html(request: DisclosureRequest) -> str:
    return render_to_string(LAYOUT, {"n": letter(request), "qr": ""})


def letter_pdf(request: DisclosureRequest) -> bytes:
    """The letter as an A4 PDF (Noto Serif CJK), for printing, sealing and the applicant's download."""
    return html_pdf(letter_html(request))


def letter_docx(request: DisclosureRequest) -> bytes:
    """The letter as a Word document, for offices that edit before sealing."""
    return docx_bytes(letter(request))
