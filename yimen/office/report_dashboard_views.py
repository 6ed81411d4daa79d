"""统计图表 in the office: cases by month and unit, 即办件率 and 按时办结率, disclosure outcomes, publication
timeliness and 好差评 satisfaction over the organisations one may see, each chart with its table, and an
Excel file of them all; the annual reports that are due (条例第四十九条) for those who write them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from yimen.core.spreadsheet import download, workbook_bytes
from yimen.office.report_views import render_page
from yimen.office.views import requires, signed_in
from yimen.org.permissions import can, organisations_for
from yimen.reports import dashboard, reminders


@requires("stats.view")
def office_dashboard(request: HttpRequest) -> HttpResponse:
    staff = signed_in(request)
    year = dashboard.chosen_year(request.GET.get("year"))
    visible = organisations_for(staff, "stats.view")
    found = dashboard.charts(year, visible)
    due = (
        reminders.due_reports(organisations_for(staff, "report.edit"), timezone.localdate())
        if can(staff, "report.edit")
        else []
    )
    context = {
        "year": year,
        "years": dashboard.years(),
        "period": dashboard.period(year),
        "charts": found,
        "chart_data": {"charts": [c.as_json() for c in found]},
        "due": due,
    }
    return render_page(request, "dashboard.html", context)


@requires("stats.view")
def office_dashboard_export(request: HttpRequest) -> HttpResponse:
    year = dashboard.chosen_year(request.GET.get("year"))
    found = dashboard.charts(year, organisations_for(signed_in(request), "stats.view"))
    content = workbook_bytes(dashboard.sheets(found, dashboard.period(year)))
    return download(content, f"统计图表_{year}.xlsx", f"statistics-{year}.xlsx")
