"""The report for years before 2021 in the seed's structure (the 2008 regulation had no national table):
eight parts, each a pre-filled text the officer edits and the figures it quotes.

A centre's figures speak for the hall (its windows' units): items and guides in force, forms, windows and
staff, cases accepted and 即办件率; requests, refusals, fees and appeals are the organisation's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q

from yimen.disclosure.models import AppealKind
from yimen.org.models import Organisation
from yimen.publishing.models import DisclosureSettings
from yimen.reports import contributions, counts, service_figures
from yimen.reports.document import AnnualReportData, Figure, Section, report_title
from yimen.reports.models import ReportFormat
from yimen.reports.narrative import fee_amount, render, short_name
from yimen.reports.scope import Year, hall, organisations

# The seed's parts (咸宁市政务服务中心管理办公室2018年度信息公开工作报告), in its order, and the template
# each is pre-filled from.
PARTS: tuple[tuple[str, str], ...] = (
    ("一、政府信息公开工作基本情况", "legacy_basic"),
    ("二、深入贯彻落实全市政务公开工作要点情况", "legacy_service"),
    ("三、主动公开政府信息的情况", "legacy_proactive"),
    ("四、依申请公开政府信息和不予公开政府信息的情况", "legacy_requests"),
    ("五、信息公开收费及减免情况", "legacy_fees"),
    ("六、因政府信息公开申请行政复议、诉讼和申诉的情况", "legacy_appeals"),
    ("七、政府信息公开工作存在的主要问题及改进情况", "legacy_problems"),
    ("八、其他需要报告的事项", "legacy_other"),
)
HEADINGS = tuple(title for title, _ in PARTS)

# (part, key, label with unit): the figures each part states; the key names the records behind it.
FIGURES: tuple[tuple[int, str, str], ...] = (
    (0, "published", "公开发布信息（条）"),
    (1, "licensing", "公示办事指南的行政许可事项（项）"),
    (1, "forms", "网上公示的申请表格（份）"),
    (1, "units", "进驻窗口单位（个）"),
    (1, "staff", "窗口前台工作人员（名）"),
    (1, "items", "进驻行政审批和服务事项（项）"),
    (1, "accepted", "窗口受理办件（件）"),
    (1, "immediate_rate", "窗口即办件率（%）"),
    (1, "on_time_rate", "按时办结率（%）"),
    (2, "published", "主动公开政府信息（条）"),
    (3, "received", "收到政府信息公开申请（件）"),
    (3, "on_time", "按期答复（件）"),
    (3, "refused", "不予公开（件）"),
    (4, "paid", "收取费用（件）"),
    (4, "amount", "收取费用金额（元）"),
    (5, "reconsiderations", "行政复议（件）"),
    (5, "litigations", "行政诉讼（件）"),
    (7, "period", "统计期限"),
    (7, "phone", "联系电话"),
)


def figure_keys() -> dict[str, str]:
    return {label: key for _, key, label in FIGURES}


def _contact(org: Organisation) -> tuple[str, str]:
    settings = DisclosureSettings.objects.filter(organisation=org).first()
    if settings is not None:
        return settings.office_name, settings.phone
    return org.name, org.contact_phone


def legacy_figures(org: Organisation, y: Year) -> dict[str, Any]:
    own, seated = organisations(org), hall(org)
    catalogue = service_figures.catalogue(seated, y)
    place = service_figures.hall(seated)
    cases = service_figures.case_year(seated, y)
    timely = counts.answered_on_time(own, y)
    received = counts.requests_in(own).aggregate(
        received=Count("pk", filter=Q(received_on__gte=y.first, received_on__lte=y.last)),
        refused=Count("pk", filter=counts.closed_in(y) & Q(outcome__startswith="r3")),
    )
    appeals = counts.appeal_cells(own, y)
    fees = counts.fees(own, y)
    office, phone = _contact(org)
    reconsiderations = appeals.get(AppealKind.RECONSIDERATION, {}).get("total", 0)
    return {
        "year": y.year,
        "next_year": y.year + 1,
        "name": short_name(org),
        "published": service_figures.publications_in(own, y).count(),
        "by_node": service_figures.publications_by_node(own, y)[:6],
        "licensing": catalogue.licensing,
        "forms": catalogue.forms,
        "items": catalogue.items,
        "units": place.units,
        "staff": place.staff,
        "accepted": cases.accepted,
        "immediate_rate": cases.immediate_rate,
        "on_time_rate": cases.on_time_rate,
        "received": received["received"],
        "decided": timely["decided"],
        "on_time": timely["on_time"],
        "late": timely["decided"] - timely["on_time"],
        "refused": received["refused"],
        "paid": fees.paid,
        "amount": fee_amount(fees.amount),
        "reconsiderations": reconsiderations,
        "litigations": sum(
            row["total"] for kind, row in appeals.items() if kind != AppealKind.RECONSIDERATION
        ),
        "period": f"{y.year}年1月1日至{y.year}年12月31日",
        "office": office,
        "phone": phone or "—",
        "contributed": "".join(contributions.sentences(seated, y.year)),
    }


def _value(context: dict[str, Any], key: str) -> Any:
    value = context[key]
    if key == "amount":
        return str(value).removesuffix("元")
    return "—" if value is None else value


def build_legacy_report(
    org: Organisation, year: int, *, narrative_texts: Mapping[str, str] | None = None
) -> AnnualReportData:
    context = legacy_figures(org, Year(year))
    edited = narrative_texts or {}
    sections = tuple(
        Section(
            title=title,
            text=edited[title] if title in edited else render(name, context),
            figures=tuple(
                Figure(key=key, label=label, value=_value(context, key))
                for part, key, label in FIGURES
                if part == position
            ),
            editable=True,
        )
        for position, (title, name) in enumerate(PARTS)
    )
    return AnnualReportData(
        organisation_code=org.code,
        organisation_name=org.name,
        year=year,
        format=ReportFormat.LEGACY,
        title=report_title(org, year),
        sections=sections,
    )
