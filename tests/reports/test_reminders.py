"""条例第四十九条: departments publish last year's report by 1月31日, a government by 3月31日; what is due shows
in the office and goes to the outbox as `report.due`, once per organisation, year and stage."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.reports.test_office_pages import signed_in
from yimen.core.models import OutboxMessage
from yimen.reports import reminders, services
from yimen.reports.models import AnnualReport, ReportState

pytestmark = pytest.mark.django_db


def test_a_department_is_due_on_31_january_and_a_government_on_31_march(cast) -> None:
    """第四十九条第一款: 每年1月31日前 (departments); 第二款: 每年3月31日前 (the government's report)."""
    assert reminders.deadline(cast.market, 2023) == date(2024, 1, 31)
    assert reminders.deadline(cast.centre, 2023) == date(2024, 1, 31)
    assert reminders.deadline(cast.government, 2023) == date(2024, 3, 31)


def test_what_is_due_thirty_days_ahead_and_after_the_deadline(cast) -> None:
    late = reminders.due_reports(None, date(2023, 12, 31))  # 2022's reports, never published
    assert {(d.year, d.overdue) for d in late} == {(2022, True)}
    due = reminders.due_reports(None, date(2024, 1, 5))
    assert [(d.organisation.code, d.year, d.days_left) for d in due] == [
        ("GAJ", 2023, 26),
        ("SJJ", 2023, 26),
        ("ZWFW", 2023, 26),
    ]
    march = reminders.due_reports(None, date(2024, 3, 5))
    assert [(d.organisation.code, d.overdue) for d in march] == [
        ("GAJ", True),
        ("SJJ", True),
        ("ZWFW", True),
        ("GOV", False),
    ]
    assert march[0].days_late == 34


def test_a_published_report_is_no_longer_due(cast) -> None:
    AnnualReport.objects.create(
        organisation=cast.centre, year=2023, format="2021", state=ReportState.PUBLISHED
    )
    codes = [d.organisation.code for d in reminders.due_reports(None, date(2024, 1, 20))]
    assert "ZWFW" not in codes and "SJJ" in codes


def test_reminders_go_to_the_outbox_once_per_stage(cast) -> None:
    reminders.emit_reminders(today=date(2024, 1, 5))
    reminders.emit_reminders(today=date(2024, 1, 6))
    assert OutboxMessage.objects.filter(name="report.due").count() == 3
    reminders.emit_reminders(today=date(2024, 1, 25))  # 6 days left: the 7-day stage
    assert OutboxMessage.objects.filter(name="report.due").count() == 6
    message = OutboxMessage.objects.filter(
        name="report.due", payload__organisation="咸宁市政务服务中心"
    ).last()
    assert (
        message is not None
        and message.payload["deadline"] == "2024-01-31"
        and message.payload["state"] == "尚未编制"
    )


def test_the_command_writes_the_days_reminders(cast, monkeypatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2024, 1, 5))
    call_command("report", "remind")
    assert OutboxMessage.objects.filter(name="report.due").count() == 3


def test_the_office_list_shows_what_is_due(cast, monkeypatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2024, 1, 5))
    services.start_report(organisation=cast.centre, year=2023, by=cast.officer)
    html = signed_in("officer").get("/office/reports/").content.decode()
    assert 'data-testid="due-reports"' in html
    assert "咸宁市政务服务中心</th><td>2023</td><td>2024年1月31日</td>" in html
    assert "草稿" in html and "26 天" in html
