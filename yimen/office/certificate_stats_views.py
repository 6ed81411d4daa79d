"""电子证照免提交统计 in the office's statistics: 免提交材料数 per item and per organisation over a period, and
the reform figures (materials the guide lists → those a case actually submitted after reuse), for staff with
`stats.view`, over the organisations they may see (certificates.stats)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from yimen.certificates import stats
from yimen.office.report_views import render_page
from yimen.office.views import requires, signed_in
from yimen.org.permissions import organisations_for


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return default


def chosen_period(start: str | None, end: str | None, today: date | None = None) -> stats.Period:
    """The period a page asks for: from 1 January of this year to today unless given; reversed dates swapped."""
    today = today or timezone.localdate()
    first, last = _day(start, today.replace(month=1, day=1)), _day(end, today)
    return stats.Period(min(first, last), max(first, last))


@requires("stats.view")
def reuse_stats(request: HttpRequest) -> HttpResponse:
    period = chosen_period(request.GET.get("start"), request.GET.get("end"))
    visible = organisations_for(signed_in(request), "stats.view")
    items = stats.by_item(period, visible)
    organisations = stats.by_organisation(period, visible)
    context = {
        "period": period,
        "items": items,
        "organisations": organisations,
        "total_replaced": sum(row.replaced for row in organisations),
        "total_reusing": sum(row.reusing for row in organisations),
    }
    return render_page(request, "reuse.html", context)
