"""Reads of annual reports that the office, the portal, the API and the command share."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet

from yimen.org.models import Organisation
from yimen.reports.builder import build_annual_report
from yimen.reports.document import AnnualReportData, from_json
from yimen.reports.models import AnnualReport, ReportState


def document_of(report: AnnualReport) -> AnnualReportData:
    """A published report as it was published (its frozen figures); any other as it counts today, with the
    officer's wording."""
    if report.state == ReportState.PUBLISHED and report.figures:
        return from_json(report.figures)
    return build_annual_report(report.organisation, report.year, narrative_texts=report.narrative)


def document_for(org: Organisation, year: int) -> AnnualReportData:
    """The report of `org` for `year`: the stored one if there is one, else built afresh."""
    report = AnnualReport.objects.filter(organisation=org, year=year).select_related("organisation").first()
    return document_of(report) if report is not None else build_annual_report(org, year)


def reports_of(organisations: Collection[int] | None) -> QuerySet[AnnualReport]:
    """The reports of these organisations (None: all), latest year first."""
    found = AnnualReport.objects.select_related("organisation", "publication", "updated_by")
    if organisations is not None:
        found = found.filter(organisation_id__in=list(organisations))
    return found.order_by("-year", "organisation__code")


def published_reports() -> QuerySet[AnnualReport]:
    """What the public sees under 年度报告: published reports, latest year first."""
    return (
        AnnualReport.objects.filter(state=ReportState.PUBLISHED)
        .select_related("organisation", "publication")
        .order_by("-year", "organisation__code")
    )


def published_report(code: str, year: int) -> AnnualReport | None:
    return published_reports().filter(organisation__code=code, year=year).first()
