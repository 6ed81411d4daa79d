"""What a reply (告知书) says, per outcome: the 第三十六条 reply type, the legal basis, and a default text
an office may replace by an edited `LetterTemplate`.

Every letter ends with the applicant's remedies, which no template can drop: 行政复议 within 60 days
(《行政复议法》第二十条) and 行政诉讼 within 6 months (《行政诉讼法》第四十六条), as 条例第五十一条 allows.
Templates are Django templates over plain text; their placeholders are listed in PLACEHOLDERS.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template import Context, Engine

from yimen.disclosure.models import LetterTemplate, Outcome


@dataclass(frozen=True)
class ReplyType:
    """How 条例第三十六条 (or the article named) tells the office to answer."""

    item: str
    duty: str


TYPES: dict[str, ReplyType] = {
    "36.1": ReplyType(
        "条例第三十六条第（一）项", "所申请公开信息已经主动公开的，告知申请人获取该政府信息的方式、途径"
    ),
    "36.2": ReplyType(
        "条例第三十六条第（二）项",
        "所申请公开信息可以公开的，向申请人提供该政府信息，或者告知获取的方式、途径和时间",
    ),
    "37": ReplyType("条例第三十七条", "能够作区分处理的，提供可以公开的内容，并对不予公开的内容说明理由"),
    "36.3": ReplyType("条例第三十六条第（三）项", "决定不予公开的，告知申请人不予公开并说明理由"),
    "36.4": ReplyType(
        "条例第三十六条第（四）项、第（五）项", "经检索没有所申请公开信息的，告知申请人该政府信息不存在"
    ),
    "36.6": ReplyType("条例第三十六条第（六）项", "申请人重复申请公开相同政府信息的，告知申请人不予重复处理"),
    "36.7": ReplyType(
        "条例第三十六条第（七）项", "有关法律、行政法规对信息的获取有特别规定的，告知申请人依照有关规定办理"
    ),
    "38": ReplyType("条例第三十八条", "需要对现有政府信息进行加工、分析的，可以不予提供"),
    "30": ReplyType("条例第三十条", "补正后申请内容仍不明确，或者无正当理由逾期不补正的，视为放弃申请"),
    "35": ReplyType("条例第三十五条", "申请数量、频次明显超过合理范围且理由不合理的，告知申请人不予处理"),
    "39.1": ReplyType(
        "条例第三十九条第一款",
        "以政府信息公开申请的形式进行信访、投诉、举报的，告知不作为政府信息公开申请处理",
    ),
    "39.2": ReplyType("条例第三十九条第二款", "要求提供政府公报、报刊、书籍等公开出版物的，告知获取的途径"),
    "2": ReplyType("条例第二条", "要求确认或重新出具已获取的信息，不属于获取现有政府信息的申请"),
    "42": ReplyType("条例第四十二条、国办函〔2020〕109号", "逾期未缴纳信息处理费的，视为放弃申请"),
    "other": ReplyType("条例第三十六条", "根据具体情况作出答复"),
}

# outcome → (reply type, legal basis of the decision in the letter's words)
BASIS: dict[str, tuple[str, str]] = {
    Outcome.DISCLOSED: ("36.2", "《中华人民共和国政府信息公开条例》第三十六条第（一）项、第（二）项"),
    Outcome.PARTIAL: ("37", "《中华人民共和国政府信息公开条例》第三十六条第（二）项、第三十七条"),
    Outcome.SECRET: ("36.3", "《中华人民共和国政府信息公开条例》第十四条、第三十六条第（三）项"),
    Outcome.PROHIBITED: ("36.3", "《中华人民共和国政府信息公开条例》第十四条、第三十六条第（三）项"),
    Outcome.SECURITY: ("36.3", "《中华人民共和国政府信息公开条例》第十四条、第三十六条第（三）项"),
    Outcome.THIRD_PARTY: (
        "36.3",
        "《中华人民共和国政府信息公开条例》第十五条、第三十二条、第三十六条第（三）项",
    ),
    Outcome.INTERNAL: ("36.3", "《中华人民共和国政府信息公开条例》第十六条第一款、第三十六条第（三）项"),
    Outcome.PROCESS: ("36.3", "《中华人民共和国政府信息公开条例》第十六条第二款、第三十六条第（三）项"),
    Outcome.ENFORCEMENT_FILE: (
        "36.3",
        "《中华人民共和国政府信息公开条例》第十六条第二款、第三十六条第（三）项",
    ),
    Outcome.QUERY_MATTER: ("36.7", "《中华人民共和国政府信息公开条例》第三十六条第（七）项"),
    Outcome.NOT_HELD: ("36.4", "《中华人民共和国政府信息公开条例》第三十六条第（四）项、第（五）项"),
    Outcome.NEEDS_CREATION: ("38", "《中华人民共和国政府信息公开条例》第三十八条"),
    Outcome.STILL_UNCLEAR: ("30", "《中华人民共和国政府信息公开条例》第三十条"),
    Outcome.PETITION: ("39.1", "《中华人民共和国政府信息公开条例》第三十九条第一款"),
    Outcome.REPEATED: ("36.6", "《中华人民共和国政府信息公开条例》第三十六条第（六）项"),
    Outcome.PUBLICATION: ("39.2", "《中华人民共和国政府信息公开条例》第三十九条第二款"),
    Outcome.EXCESSIVE: ("35", "《中华人民共和国政府信息公开条例》第三十五条"),
    Outcome.CONFIRMATION: ("2", "《中华人民共和国政府信息公开条例》第二条"),
    Outcome.NO_CLARIFICATION: ("30", "《中华人民共和国政府信息公开条例》第三十条"),
    Outcome.FEE_UNPAID: (
        "42",
        "《中华人民共和国政府信息公开条例》第四十二条、《政府信息公开信息处理费管理办法》",
    ),
    Outcome.OTHER: ("other", "《中华人民共和国政府信息公开条例》"),
}

PLACEHOLDERS = {
    "applicant": "申请人姓名或名称",
    "number": "申请编号",
    "received": "收到申请之日",
    "description": "所需信息的描述",
    "organisation": "答复机关",
    "basis": "法律依据",
    "reasons": "理由",
    "how_to_obtain": "获取方式",
    "publication": "已主动公开信息的标题和网址",
    "pages": "提供页数",
    "clarification_notified": "告知补正日期",
    "clarification_deadline": "补正期限",
    "fee_notified": "收费通知日期",
    "fee": "信息处理费金额和缴费期限",
    "review_body": "行政复议机关",
}

OPENING = "你（单位）于{{ received }}向本机关提出的政府信息公开申请（申请编号：{{ number }}）收悉。你（单位）申请公开“{{ description }}”。"
REFUSED = (
    OPENING
    + "\n\n经审查，你（单位）申请公开的信息{{ what }}。根据{{ basis }}的规定，本机关决定不予公开。理由如下：{{ reasons }}"
)

DEFAULTS: dict[str, tuple[str, str]] = {
    Outcome.DISCLOSED: (
        "政府信息公开申请答复书（予以公开）",
        OPENING
        + "\n\n经审查，根据{{ basis }}的规定，你（单位）申请公开的信息属于可以公开的政府信息，本机关予以公开。"
        "{% if publication %}该信息已经主动公开，你（单位）可以通过以下途径获取：{{ publication }}。{% endif %}"
        "{% if how_to_obtain %}\n\n获取方式：{{ how_to_obtain }}{% endif %}"
        "{% if pages %}\n\n本机关提供的信息共{{ pages }}页。{% endif %}",
    ),
    Outcome.PARTIAL: (
        "政府信息公开申请答复书（部分公开）",
        OPENING
        + "\n\n经审查，你（单位）申请公开的信息中含有不应当公开的内容，但能够作区分处理。根据{{ basis }}的规定，"
        "本机关向你（单位）提供可以公开的内容，对不予公开的内容说明理由如下：{{ reasons }}"
        "{% if publication %}\n\n其中已经主动公开的部分，可以通过以下途径获取：{{ publication }}。{% endif %}"
        "{% if how_to_obtain %}\n\n获取方式：{{ how_to_obtain }}{% endif %}"
        "{% if pages %}\n\n本机关提供的信息共{{ pages }}页。{% endif %}",
    ),
    Outcome.NOT_HELD: (
        "政府信息公开申请答复书（无法提供）",
        OPENING
        + "\n\n经检索，本机关没有制作或者获取你（单位）申请公开的政府信息。根据{{ basis }}的规定，告知如下：{{ reasons }}",
    ),
    Outcome.NEEDS_CREATION: (
        "政府信息公开申请答复书（无法提供）",
        OPENING
        + "\n\n经审查，本机关没有你（单位）所要求的现成信息，提供该信息需要对现有政府信息进行加工、分析。根据{{ basis }}的规定，"
        "本机关不予提供。理由如下：{{ reasons }}",
    ),
    Outcome.STILL_UNCLEAR: (
        "政府信息公开申请答复书（无法提供）",
        OPENING
        + "\n\n本机关已于{{ clarification_notified }}告知你（单位）补正申请内容。经审查，补正后的申请内容仍不明确，"
        "本机关无法确定你（单位）所需的政府信息。根据{{ basis }}的规定，告知如下：{{ reasons }}",
    ),
    Outcome.PETITION: (
        "政府信息公开申请告知书（不予处理）",
        OPENING
        + "\n\n经审查，你（单位）以政府信息公开申请的形式提出的是信访、投诉、举报事项。根据{{ basis }}的规定，"
        "本机关不作为政府信息公开申请处理，并告知你（单位）可以通过相应渠道提出：{{ reasons }}",
    ),
    Outcome.REPEATED: (
        "政府信息公开申请告知书（不予处理）",
        OPENING
        + "\n\n经审查，本机关已就你（单位）申请公开的相同政府信息作出过答复。根据{{ basis }}的规定，本机关不予重复处理。{{ reasons }}",
    ),
    Outcome.PUBLICATION: (
        "政府信息公开申请告知书（不予处理）",
        OPENING
        + "\n\n经审查，你（单位）要求提供的是公开出版物。根据{{ basis }}的规定，告知你（单位）获取的途径：{{ how_to_obtain }}{{ reasons }}",
    ),
    Outcome.EXCESSIVE: (
        "政府信息公开申请告知书（不予处理）",
        OPENING
        + "\n\n经审查，你（单位）申请公开政府信息的数量、频次明显超过合理范围，本机关要求你（单位）说明理由后，认为申请理由不合理。"
        "根据{{ basis }}的规定，本机关不予处理。理由如下：{{ reasons }}",
    ),
    Outcome.CONFIRMATION: (
        "政府信息公开申请告知书（不予处理）",
        OPENING
        + "\n\n经审查，你（单位）要求本机关确认或者重新出具已获取的信息，不属于{{ basis }}规定的获取现有政府信息的申请，"
        "本机关不予处理。{{ reasons }}",
    ),
    Outcome.NO_CLARIFICATION: (
        "政府信息公开申请告知书（其他处理）",
        OPENING
        + "\n\n本机关已于{{ clarification_notified }}告知你（单位）补正申请内容，补正期限至{{ clarification_deadline }}。"
        "你（单位）无正当理由逾期未补正，根据{{ basis }}的规定，视为放弃申请，本机关不再处理该政府信息公开申请。",
    ),
    Outcome.FEE_UNPAID: (
        "政府信息公开申请告知书（其他处理）",
        OPENING
        + "\n\n本机关已于{{ fee_notified }}向你（单位）发出收费通知，{{ fee }}。你（单位）逾期未缴纳信息处理费，根据{{ basis }}的规定，"
        "视为放弃申请，本机关不再处理该政府信息公开申请。",
    ),
    Outcome.OTHER: (
        "政府信息公开申请告知书",
        OPENING + "\n\n经审查，根据{{ basis }}的规定，告知如下：{{ reasons }}",
    ),
}
_WITHHELD = {
    Outcome.SECRET: "属于国家秘密",
    Outcome.PROHIBITED: "属于法律、行政法规禁止公开的信息",
    Outcome.SECURITY: "公开后可能危及国家安全、公共安全、经济安全、社会稳定",
    Outcome.THIRD_PARTY: "涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害",
    Outcome.INTERNAL: "属于人事管理、后勤管理、内部工作流程等内部事务信息",
    Outcome.PROCESS: "属于行政机关在履行行政管理职能过程中形成的讨论记录、过程稿、磋商信函、请示报告等过程性信息",
    Outcome.ENFORCEMENT_FILE: "属于行政执法案卷信息",
    Outcome.QUERY_MATTER: "属于有关法律、行政法规对信息的获取有特别规定的行政查询事项",
}
for _outcome, _what in _WITHHELD.items():
    _verb = "告知你（单位）依照有关法律、行政法规的规定办理" if _outcome == Outcome.QUERY_MATTER else ""
    DEFAULTS[_outcome] = (
        "政府信息公开申请答复书（不予公开）",
        REFUSED.replace("{{ what }}", _what) + (f"\n\n{_verb}。" if _verb else ""),
    )

REMEDIES = (
    "你（单位）如对本答复不服，可以自收到本答复书之日起六十日内，依照《中华人民共和国行政复议法》第二十条的规定"
    "向{{ review_body }}申请行政复议；也可以自收到本答复书之日起六个月内，依照《中华人民共和国行政诉讼法》"
    "第四十六条的规定向人民法院提起行政诉讼。"
)


def reply_type(outcome: str) -> ReplyType:
    """The 第三十六条 reply type (or the article that decides) an outcome answers by."""
    return TYPES[BASIS[outcome][0]]


def basis(outcome: str) -> str:
    return BASIS[outcome][1]


def template_for(outcome: str) -> tuple[str, str]:
    """(title, body) of the outcome's letter: the office's edited template, else the default."""
    edited = LetterTemplate.objects.filter(outcome=outcome).values_list("title", "body").first()
    return edited if edited is not None else DEFAULTS[outcome]


_engine = Engine(autoescape=False)


def render(body: str, context: dict[str, object]) -> str:
    """A plain-text template with its placeholders filled; the remedies paragraph is always added."""
    text = _engine.from_string(body).render(Context(context, autoescape=False)).strip()
    remedies = _engine.from_string(REMEDIES).render(Context(context, autoescape=False))
    return f"{text}\n\n{remedies}"
