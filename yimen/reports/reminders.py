"""条例第四十九条: a department publishes last year's report by 1月31日; a government's OGI authority publishes
the government's report (which builds on its departments') by 3月31日. What is due is a query; reminders
go to the outbox as `report.due` events, once per organisation, year and stage."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from yimen.core import events
from yimen.org.models import Organisation, OrganisationKind
from yimen.reports.events import DUE, ReportDue
from yimen.reports.models import AnnualReport, ReportState

# Organisations that publish an annual report of their own (enterprises and intermediaries do not).
REPORTING_KINDS = (OrganisationKind.GOVERNMENT, OrganisationKind.DEPARTMENT, OrganisationKind.CENTRE)


def deadline(org: Organisation, year: int) -> date:
    """The last day to publish the report of `year`: 31 January next year for a department (第一款), 31 March
    for a government (第二款)."""
    if org.kind == OrganisationKind.GOVERNMENT:
        return date(year + 1, 3, 31)
    return date(year + 1, 1, 31)


def stages() -> tuple[int, ...]:
    configured = settings.YIMEN["REPORT_REMINDER_DAYS"]
    return tuple(sorted((int(d) for d in configured), reverse=True))


@dataclass(frozen=True)
class Due:
    organisation: Organisation
    year: int
    deadline: date
    days_left: int
    report: AnnualReport | None

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_late(self) -> int:
        return -self.days_left

    @property
    def state_label(self) -> str:
        return self.report.get_state_display() if self.report else "尚未编制"

    @property
    def stage(self) -> int:
        """The nearest reminder stage reached (days before the deadline), or -1 once it has passed."""
        if self.overdue:
            return -1
        return min((s for s in stages() if self.days_left <= s), default=stages()[-1])


def due_reports(organisations: Collection[int] | None, today: date) -> list[Due]:
    """Last year's reports not yet published whose first reminder stage has come, nearest deadline first;
    they stay on the list past the deadline until published."""
    year = today.year - 1
    orgs = Organisation.objects.filter(is_active=True, kind__in=REPORTING_KINDS)
    if organisations is not None:
        orgs = orgs.filter(pk__in=list(organisations))
    reports = {r.organisation_id: r for r in AnnualReport.objects.filter(year=year, organisation__in=orgs)}
    first = max(stages())
    found = []
    for org in orgs.order_by("code"):
        report = reports.get(org.pk)
        if report is not None and report.state == ReportState.PUBLISHED:
            continue
        days_left = (deadline(org, year) - today).days
        if days_left <= first:
            found.append(Due(org, year, deadline(org, year), days_left, report))
    return sorted(found, key=lambda d: (d.deadline, d.organisation.code))


def emit_reminders(*, today: date) -> list[Due]:
    """One `report.due` event per organisation, year and stage reached (a repeat run adds nothing)."""
    due = due_reports(None, today)
    for d in due:
        events.emit(
            DUE,
            ReportDue(
                organisation_id=d.organisation.pk,
                organisation=d.organisation.name,
                year=d.year,
                deadline=d.deadline,
                days_left=d.days_left,
                state=d.state_label,
            ),
            key=f"{DUE.name}:{d.organisation.pk}:{d.year}:{d.stage}",
        )
    return due
