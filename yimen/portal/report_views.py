"""年度报告 on the portal: every published 政府信息公开工作年度报告, by year and organisation, each shown as it was
published (its frozen figures) with its PDF and Word files; and the public statistics page (统计数据)."""

from __future__ import annotations

from itertools import groupby

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yimen.core.downloads import file_response
from yimen.core.spreadsheet import download, workbook_bytes
from yimen.reports import dashboard, documents, queries
from yimen.reports.document import from_json
from yimen.reports.models import AnnualReport

DOWNLOADS = ("pdf", "docx")
# A public page anyone may reload: one year's figures are counted at most this often.
STATISTICS_CACHE_SECONDS = 300


@require_GET
def annual_index(request: HttpRequest) -> HttpResponse:
    published = list(queries.published_reports())
    years = [(year, list(reports)) for year, reports in groupby(published, key=lambda r: r.year)]
    return render(request, "portal/reports/index.html", {"years": years, "downloads": DOWNLOADS})


def _published(code: str, year: int) -> AnnualReport:
    report = queries.published_report(code, year)
    if report is None:
        raise Http404("没有该机构该年度已发布的年度报告")
    return report


@require_GET
def annual_detail(request: HttpRequest, code: str, year: int) -> HttpResponse:
    report = _published(code, year)
    doc = from_json(report.figures)
    dated = report.published_at.date() if report.published_at else None
    context = {"report": report, "downloads": DOWNLOADS, **documents.context(doc, dated=dated)}
    return render(request, "portal/reports/detail.html", context)


@require_GET
def annual_download(request: HttpRequest, code: str, year: int, fmt: str) -> HttpResponse:
    if fmt not in (*DOWNLOADS, "json"):
        raise Http404("没有这种格式")
    report = _published(code, year)
    doc = from_json(report.figures)
    dated = report.published_at.date() if report.published_at else None
    return file_response(
        documents.render(doc, fmt, dated=dated),
        filename=documents.filename(doc, fmt),
        fallback=f"annual-report-{code}-{year}.{fmt}",
        content_type=documents.MIME[fmt],
    )


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """The public statistics page: the same charts over every organisation, counted at most every few minutes."""
    year = dashboard.chosen_year(request.GET.get("year"))
    found = _public_charts(year)
    context = {
        "year": year,
        "years": dashboard.years(),
        "period": dashboard.period(year),
        "charts": found,
        "chart_data": {"charts": [c.as_json() for c in found]},
    }
    return render(request, "portal/reports/statistics.html", context)


@require_GET
def statistics_export(request: HttpRequest) -> HttpResponse:
    year = dashboard.chosen_year(request.GET.get("year"))
    content = workbook_bytes(dashboard.sheets(_public_charts(year), dashboard.period(year)))
    return download(content, f"统计数据_{year}.xlsx", f"statistics-{year}.xlsx")


def _public_charts(year: int) -> list[dashboard.Chart]:
    key = f"reports:statistics:{year}"
    found: list[dashboard.Chart] | None = cache.get(key)
    if found is None:
        found = dashboard.charts(year, None)
        cache.set(key, found, STATISTICS_CACHE_SECONDS)
    return found
