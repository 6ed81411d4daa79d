"""The demo's annual reports: the centre's 2018 report in the seed's format and its reports of the last four
complete years in the 2021 format, each built from the demo's records and published through the
workflow (the officer 赵公开 writes it, the head 何主任 approves it), and this year's report as a draft.
"""

from __future__ import annotations

from django.utils import timezone

from yimen.core.errors import TransitionError
from yimen.demo import reports_history
from yimen.org.models import Organisation, Staff
from yimen.reports import services
from yimen.reports.models import AnnualReport

RECENT_YEARS = 4


def load(*, scale: str = "small", count: int | None = None) -> str:
    """`count` sets how many 2018 cases to write (default: the scale's year of cases)."""
    if AnnualReport.objects.exists():
        return "演示年度报告已存在，跳过"
    centre = Organisation.objects.filter(code="XN-ZWFW").first()
    officer = Staff.objects.filter(username="officer").first()
    head = Staff.objects.filter(username="head").first()
    if centre is None or officer is None or head is None:
        return "没有演示机构或公开专员，跳过"
    history = reports_history.load_2018(centre, scale, count)
    this_year = timezone.localdate().year
    published, held = [], []
    for year in [reports_history.YEAR, *range(this_year - RECENT_YEARS, this_year)]:
        report = services.start_report(organisation=centre, year=year, by=officer)
        report = services.submit_for_review(report=report, by=officer)
        try:
            services.approve_and_publish(report=report, by=head)
        except TransitionError as exc:  # the data of that year need checking: left for the head to see
            held.append(f"{year}（{exc.message}）")
        else:
            published.append(str(year))
    services.start_report(organisation=centre, year=this_year, by=officer)
    summary = f"{history}；已发布 {centre.name} {'、'.join(published)} 年度报告，{this_year} 年度报告草稿"
    return summary + (f"；待审核：{'；'.join(held)}" if held else "")
