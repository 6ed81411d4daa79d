"""The letters an applicant receives, as PDF and DOCX: the reply (政府信息公开申请答复书 / 告知书), and the
notices that tell them the clock changed — 补正告知书 (条例第三十条), 延期答复告知书 (第三十三条) and
信息处理费收费通知书 (国办函〔2020〕109号).

The reply's text is its stored body (rendered from the outcome's template when the reply was made, the
remedies included), so a letter printed later says what was decided even if a template changes. The
layout, the fonts and the network-free PDF rendering are core's letters' (core/documents.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from yimen.core import pages
from yimen.core.documents import Notice, Table, day, layout_docx, layout_pdf
from yimen.core.errors import ApplicationError, TransitionError
from yimen.disclosure import letter_texts
from yimen.disclosure.models import DisclosureRequest, EventKind, FeeMethod, Reply

KINDS = {
    "reply": "答复书",
    "clarification": "补正告知书",
    "extension": "延期答复告知书",
    "fee": "收费通知书",
}


@dataclass(frozen=True)
class Draft:
    """What one letter says before it is laid out."""

    title: str
    word: str  # of the 文号: 〔2024〕公开答字第 … 号
    paragraphs: tuple[str, ...]
    facts: tuple[tuple[str, ...], ...]
    dated: date


def tracking_url() -> str:
    """The portal's tracking page, where the number and 查询码 are entered."""
    return str(settings.YIMEN["PUBLIC_BASE_URL"]).rstrip("/") + pages.path("request.tracking")


def _opening(request: DisclosureRequest) -> str:
    return (
        f"你（单位）于{day(request.received_on)}向本机关提出的政府信息公开申请（申请编号：{request.number}）"
        f"收悉。你（单位）申请公开“{request.description}”。"
    )


def _reply(request: DisclosureRequest) -> Draft:
    answer = Reply.objects.filter(request_id=request.pk).first()
    if answer is None:
        raise TransitionError("该申请尚未答复，没有答复书")
    title, _ = letter_texts.template_for(answer.outcome)
    kind = letter_texts.reply_type(answer.outcome)
    paragraphs = tuple(
        "".join(line.strip() for line in p.splitlines()) for p in answer.body.split("\n\n") if p.strip()
    )
    facts = (
        ("收到申请之日", day(request.received_on), "答复日期", day(answer.issued_on)),
        ("办理结果", answer.get_outcome_display()),
        ("答复类型", f"{kind.item}：{kind.duty}"),
    )
    return Draft(title, "公开答", paragraphs, facts, answer.issued_on)


def _clarification(request: DisclosureRequest) -> Draft:
    found = request.clarifications.first()
    if found is None:
        raise TransitionError("该申请没有告知补正，没有补正告知书")
    items = [line for line in found.items.splitlines() if line.strip()]
    paragraphs = (
        _opening(request),
        "经审查，你（单位）的申请内容不明确。根据《中华人民共和国政府信息公开条例》第三十条的规定，"
        "现一次性告知你（单位）作出补正，需要补正的事项如下：",
        *(f"{i}. {item}" for i, item in enumerate(items, 1)),
        f"请于{day(found.deadline_on)}前补正。答复期限自本机关收到补正的申请之日起计算。"
        "你（单位）无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。",
    )
    facts = (("告知日期", day(found.notified_on), "补正期限", day(found.deadline_on)),)
    return Draft("政府信息公开申请补正告知书", "公开补", paragraphs, facts, found.notified_on)


def _extension(request: DisclosureRequest) -> Draft:
    found = request.events.filter(kind=EventKind.EXTENDED).order_by("-on", "-id").first()
    if found is None:
        raise TransitionError("该申请没有延期答复，没有延期答复告知书")
    paragraphs = (
        _opening(request),
        f"因{found.note}，本机关无法在法定期限内答复。根据《中华人民共和国政府信息公开条例》第三十三条第二款的规定，"
        f"经本机关政府信息公开工作机构负责人同意，答复期限延长{found.workdays}个工作日，"
        f"本机关将于{day(found.due_after)}前作出答复。",
    )
    facts = (("延期决定日期", day(found.on), "延长后答复期限", day(found.due_after)),)
    return Draft("政府信息公开申请延期答复告知书", "公开延", paragraphs, facts, found.on)


def _fee(request: DisclosureRequest) -> Draft:
    found = getattr(request, "fee_notice", None)
    if found is None:
        raise TransitionError("该申请没有收取信息处理费，没有收费通知书")
    unit = "件" if found.method == FeeMethod.PER_REQUEST else "页"
    paragraphs = (
        _opening(request),
        "你（单位）申请公开政府信息的数量、频次明显超过合理范围。根据《中华人民共和国政府信息公开条例》第四十二条和"
        f"《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）的规定，本机关按{found.get_method_display()}"
        f"标准收取信息处理费：{found.quantity}{unit}，金额{found.amount}元。",
        f"请于收到本通知次日起20个工作日内（{day(found.pay_by)}前）缴纳。逾期未缴纳的，视为放弃申请，"
        "本机关不再处理该政府信息公开申请。收费通知发出至缴费之日的期间不计算在答复期限内。",
    )
    facts = (
        ("计收方式", found.get_method_display(), "金额（元）", str(found.amount)),
        ("通知日期", day(found.issued_on), "缴费期限", day(found.pay_by)),
    )
    return Draft("政府信息公开信息处理费收费通知书", "公开费", paragraphs, facts, found.issued_on)


DRAFTS: dict[str, Callable[[DisclosureRequest], Draft]] = {
    "reply": _reply,
    "clarification": _clarification,
    "extension": _extension,
    "fee": _fee,
}


def notice(request: DisclosureRequest, kind: str = "reply") -> Notice:
    """The letter of `kind`, laid out: title, number, addressee, text, facts, issuer, date."""
    if kind not in DRAFTS:
        raise ApplicationError(
            "没有这种文书", fields={"kind": ["文书类型：答复书、补正告知书、延期答复告知书或收费通知书"]}
        )
    request = DisclosureRequest.objects.select_related("organisation").get(pk=request.pk)
    draft = DRAFTS[kind](request)
    facts = Table("facts", (), (("申请编号", request.number, "查询码", request.query_code), *draft.facts))
    organisation = request.organisation
    phones = f"联系电话：{organisation.contact_phone}" if organisation.contact_phone else ""
    address = f"地址：{organisation.address}" if organisation.address else ""
    return Notice(
        kind=f"disclosure_{kind}",
        title=draft.title,
        subtitle="",
        doc_number=f"〔{draft.dated.year}〕{draft.word}字第 {request.number} 号",
        addressee=f"{request.applicant_name}：",
        blocks=(
            *draft.paragraphs,
            facts,
            f"办理进度可在依申请公开查询页面（{tracking_url()}）输入申请编号和查询码查询。",
        ),
        issuer=organisation.name,
        dated=day(draft.dated),
        footer=tuple(line for line in (address, phones) if line),
        qr_url="",
        qr_caption="",
    )


def available(request: DisclosureRequest) -> list[str]:
    """The letters this request has now, for the links on its pages."""
    found = []
    for kind, draft in DRAFTS.items():
        try:
            draft(request)
        except TransitionError:
            continue
        found.append(kind)
    return found


def notice_pdf(request: DisclosureRequest, kind: str = "reply") -> bytes:
    return layout_pdf(notice(request, kind))


def notice_docx(request: DisclosureRequest, kind: str = "reply") -> bytes:
    return layout_docx(notice(request, kind))


def letter_pdf(request: DisclosureRequest) -> bytes:
    """The reply as an A4 PDF (Noto Serif CJK), for printing, sealing and the applicant's download."""
    return notice_pdf(request, "reply")


def letter_docx(request: DisclosureRequest) -> bytes:
    """The reply as a Word document, for offices that edit before sealing."""
    return notice_docx(request, "reply")
