"""The wording a new report starts with: sentences that quote the computed figures, for the officer to
edit. The sentences live in templates (reports/narrative/*.txt), so an office can reword them without
touching code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.template.loader import render_to_string

from yimen.catalog.models import ItemType
from yimen.disclosure.models import AppealKind
from yimen.org.models import Organisation, OrganisationKind
from yimen.reports import contributions, counts, service_figures
from yimen.reports.document import Table
from yimen.reports.models import EnforcementKind
from yimen.reports.scope import Year, hall
from yimen.reports.template import template


def render(name: str, context: Mapping[str, Any]) -> str:
    """A narrative template as text: one paragraph per line, blank lines dropped."""
    text = render_to_string(f"reports/narrative/{name}.txt", dict(context))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def short_name(org: Organisation) -> str:
    return org.short_name or org.name


def fee_amount(value: Any) -> str:
    """元 as a report writes them: 400元, 1250.50元."""
    return f"{value:.2f}".removesuffix(".00") + "元"


def _outcomes(requests: Table, prefix: str) -> int:
    block = requests.blocks[0]
    return sum(int(row.values[-1]) for row in block.rows if row.key.startswith(prefix))


def prefilled_2021(
    org: Organisation, y: Year, scope: Sequence[int], tables: Mapping[str, Table]
) -> dict[str, str]:
    """Sections 一, 五 and 六 of the 2021 format, pre-filled."""
    t = template()
    proactive, requests, appeals = (tables[spec.section] for spec in t.tables)
    total = requests.blocks[0].columns[-1]
    regulation, normative = (row.label for row in t.proactive.blocks[0].rows)
    new, repealed, valid = t.proactive.blocks[0].columns
    platform = hall(org)  # a centre's platform serves the units of its hall
    catalogue = service_figures.catalogue(platform, y)
    timely = counts.answered_on_time(scope, y)
    totals = {block.caption: int(block.rows[0].values[-1]) for block in appeals.blocks}
    corrected = sum(int(block.rows[0].values[1]) for block in appeals.blocks)
    name = short_name(org)
    context = {
        "year": y.year,
        "name": name,
        "subsections": t.overview_subsections,
        "published": service_figures.publications_in(scope, y).count(),
        "by_node": service_figures.publications_by_node(scope, y)[:6],
        "regulations_new": proactive.value(regulation, new),
        "normative_new": proactive.value(normative, new),
        "normative_repealed": proactive.value(normative, repealed),
        "normative_valid": proactive.value(normative, valid),
        "regulations_valid": proactive.value(regulation, valid),
        "licensing": proactive.value(str(ItemType.LICENSING.label), proactive.blocks[1].columns[0]),
        "penalties": proactive.value(str(EnforcementKind.PENALTY.label), proactive.blocks[2].columns[0]),
        "requests_new": requests.value("new", total),
        "requests_carried_in": requests.value("carried_in", total),
        "requests_decided": requests.value("r_total", total),
        "requests_carried_out": requests.value("carried_out", total),
        "disclosed": requests.value("r1", total),
        "partial": requests.value("r2", total),
        "refused": _outcomes(requests, "r3"),
        "unavailable": _outcomes(requests, "r4"),
        "answered": timely["decided"],
        "on_time": timely["on_time"],
        "late": timely["decided"] - timely["on_time"],
        "carried_out": requests.value("carried_out", total),
        "items": catalogue.items,
        "forms": catalogue.forms,
        "accepted": service_figures.case_year(platform, y).accepted,
        "contributed": "".join(contributions.sentences(platform, y.year)),
        "reconsiderations": totals.get(str(AppealKind.RECONSIDERATION.label), 0),
        "litigations": sum(v for k, v in totals.items() if k != AppealKind.RECONSIDERATION.label),
        "corrected": corrected,
        "government": org.kind == OrganisationKind.GOVERNMENT,
    }
    fees = counts.fees(scope, y)
    context |= {"notices": fees.notices, "paid": fees.paid, "amount": fee_amount(fees.amount)}
    return {
        t.section(1): render("overview", context),
        t.section(5): render("problems", context),
        t.section(6): render("other", context),
    }
