"""The annual report's workflow: 草稿 → 待审核 → 已发布 (a publication in the 年度报告 node).

The officer (report.edit) starts the report, edits the narrative sections and sends it for review; the
head of the OGI office (report.review) sends it back or approves it, which publishes it through
`publishing.services.publications.publish_now` with its PDF and Word files, freezing the figures as published.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.utils import timezone

from yimen.core import audit, batch, events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.workflow import Workflow
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can
from yimen.publishing.models import Kind
from yimen.publishing.services import publications
from yimen.reports import documents
from yimen.reports.builder import build_annual_report
from yimen.reports.document import AnnualReportData, report_format
from yimen.reports.events import PUBLISHED, RETURNED, SUBMITTED, ReportStep
from yimen.reports.models import AnnualReport, ReportState

R = ReportState
REPORT = Workflow(
    states=ReportState,
    transitions={
        "edit": ((R.DRAFT,), None),
        "submit": ((R.DRAFT,), R.REVIEW),
        "return": ((R.REVIEW,), R.DRAFT),
        "publish": ((R.REVIEW,), R.PUBLISHED),
    },
    labels={
        "edit": "修改",
        "submit": f"改为“{R.REVIEW.label}”",
        "return": f"改为“{R.DRAFT.label}”",
        "publish": f"改为“{R.PUBLISHED.label}”",
    },
    refusal="报告当前为“{state}”，不能{action}",
    refusals={(state, "edit"): "报告当前为“{state}”，只有草稿可以修改" for state in (R.REVIEW, R.PUBLISHED)},
)
NODE = "ndbg"  # 年度报告, the catalogue node the report is published in
FIRST_YEAR = 2008  # the first year of the 2008 regulation (in force 2008-05-01)
MAX_TEXT = 20_000


def _require(by: Staff, action: str, org: Organisation, message: str) -> None:
    if not can(by, action, org):
        raise NotPermitted(message)


def _locked(report: AnnualReport, lock_version: int | None) -> AnnualReport:
    locked = AnnualReport.objects.select_for_update().select_related("organisation").get(pk=report.pk)
    if lock_version is not None and locked.lock_version != lock_version:
        raise TransitionError("报告已被他人修改，请刷新页面后重试")
    return locked


def _move(report: AnnualReport, action: str) -> str:
    before = report.state
    report.state = REPORT.target(report.state, action)
    return before


def _save(report: AnnualReport, by: Staff, *fields: str) -> None:
    report.lock_version += 1
    report.updated_by = by
    report.save(update_fields=["lock_version", "updated_by", "updated_at", *fields])


def _editable_texts(doc: AnnualReportData) -> dict[str, str]:
    return {s.title: s.text for s in doc.sections if s.editable}


@batch.atomic
def start_report(*, organisation: Organisation, year: int, by: Staff) -> AnnualReport:
    """编制: the report of a year that has begun, its narrative pre-filled from today's figures. Starting a
    report that exists returns it."""
    _require(by, "report.edit", organisation, "您没有编制该机构年度报告的权限")
    this_year = timezone.localdate().year
    if not FIRST_YEAR <= year <= this_year:
        message = f"报告年度：应在 {FIRST_YEAR} 年至 {this_year} 年之间"
        raise ApplicationError(message, fields={"year": [message]})
    existing = AnnualReport.objects.filter(organisation=organisation, year=year).first()
    if existing is not None:
        return existing
    doc = build_annual_report(organisation, year)
    report = AnnualReport.objects.create(
        organisation=organisation,
        year=year,
        format=report_format(year),
        narrative=_editable_texts(doc),
        updated_by=by,
    )
    audit.record("reports.started", report, actor=by, after={"year": year, "format": report.format})
    return report


@batch.atomic
def edit_narrative(
    *, report: AnnualReport, by: Staff, texts: Mapping[str, str], lock_version: int | None = None
) -> AnnualReport:
    """The officer's wording of the sections that are text (2021: 一、五、六; before 2021: all eight)."""
    report = _locked(report, lock_version)
    _require(by, "report.edit", report.organisation, "您没有编辑该机构年度报告的权限")
    REPORT.check(report.state, "edit")
    editable = set(report.narrative) or set(
        _editable_texts(build_annual_report(report.organisation, report.year))
    )
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for title, text in texts.items():
        value = "\n".join(line.strip() for line in str(text).splitlines() if line.strip())
        if title not in editable:
            errors[title] = [f"{title}：不是可编辑的部分"]
        elif not value:
            errors[title] = [f"{title}：不能为空"]
        elif len(value) > MAX_TEXT:
            errors[title] = [f"{title}：不能超过 {MAX_TEXT} 字"]
        else:
            cleaned[title] = value
    if errors:
        raise ApplicationError("报告文字有误，请按提示修改", fields=errors)
    old = dict(report.narrative)
    report.narrative = {**old, **cleaned}
    _save(report, by, "narrative")
    changed = [title for title, text in cleaned.items() if old.get(title) != text]
    audit.record("reports.narrative_edited", report, actor=by, after={"sections": changed})
    return report


@batch.atomic
def submit_for_review(*, report: AnnualReport, by: Staff, lock_version: int | None = None) -> AnnualReport:
    report = _locked(report, lock_version)
    _require(by, "report.edit", report.organisation, "您没有提交该机构年度报告的权限")
    before = _move(report, "submit")
    _save(report, by, "state")
    audit.record(
        "reports.submitted", report, actor=by, before={"state": before}, after={"state": report.state}
    )
    _emit(report, SUBMITTED)
    return report


@batch.atomic
def return_to_draft(
    *, report: AnnualReport, by: Staff, reason: str, lock_version: int | None = None
) -> AnnualReport:
    report = _locked(report, lock_version)
    _require(by, "report.review", report.organisation, "您没有审核该机构年度报告的权限")
    reason = reason.strip()
    if not reason:
        raise ApplicationError("退回须说明理由", fields={"reason": ["退回理由：必填"]})
    before = _move(report, "return")
    _save(report, by, "state")
    audit.record(
        "reports.returned",
        report,
        actor=by,
        before={"state": before},
        after={"state": report.state, "reason": reason},
    )
    _emit(report, RETURNED, reason=reason)
    return report


@batch.atomic
def approve_and_publish(*, report: AnnualReport, by: Staff, lock_version: int | None = None) -> AnnualReport:
    """审核通过并发布: the year must be over and table 三's consistency rules must hold; the report becomes a
    publication in node 年度报告 with its PDF and Word files, and its figures are frozen as published."""
    report = _locked(report, lock_version)
    _require(by, "report.review", report.organisation, "您没有审核发布该机构年度报告的权限")
    if report.year >= timezone.localdate().year:
        raise TransitionError(f"{report.year}年尚未结束，不能发布该年度报告")
    doc = build_annual_report(report.organisation, report.year, narrative_texts=report.narrative)
    if doc.checks:
        columns = "、".join(dict.fromkeys(check.column for check in doc.checks))
        raise TransitionError(f"表三勾稽关系不成立（{columns}），请先核对列出的申请记录")
    before = _move(report, "publish")
    today = timezone.localdate()
    publication = publications.publish_now(
        by=by,
        organisation=report.organisation,
        node_code=NODE,
        fields=_publication_fields(doc),
        files=[
            SimpleUploadedFile(
                documents.filename(doc, fmt), documents.render(doc, fmt, dated=today), documents.MIME[fmt]
            )
            for fmt in ("pdf", "docx")
        ],
    )
    report.figures = doc.as_json()
    report.publication = publication
    report.published_at = timezone.now()
    _save(report, by, "state", "figures", "publication", "published_at")
    audit.record(
        "reports.published",
        report,
        actor=by,
        before={"state": before},
        after={"state": report.state, "publication": publication.index_number},
    )
    _emit(report, PUBLISHED, publication_id=publication.pk)
    return report


def _publication_fields(doc: AnnualReportData) -> dict[str, Any]:
    body = render_to_string("reports/_sections.html", documents.context(doc))
    return {
        "title": doc.title,
        "kind": Kind.ANNUAL_REPORT,
        "written_on": timezone.localdate(),
        "summary": f"{doc.organisation_name}{doc.year}年政府信息公开工作情况，附表格版本（PDF、Word）。",
        "body": body,
        "keywords": "政府信息公开工作年度报告",
    }


def _emit(report: AnnualReport, event: events.Event[ReportStep], **details: Any) -> None:
    payload = event.payload(
        id=report.pk, organisation_id=report.organisation_id, year=report.year, state=report.state, **details
    )
    events.emit(event, payload)
