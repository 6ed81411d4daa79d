"""The events of 政府信息公开工作年度报告: the report's review and publication, and its reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from yimen.core.events import define


@dataclass(frozen=True)
class ReportStep:
    id: int  # the AnnualReport's id
    organisation_id: int
    year: int  # the year reported on
    state: str  # ReportState after the step


@dataclass(frozen=True)
class ReportReturned(ReportStep):
    reason: str  # why it was sent back


@dataclass(frozen=True)
class ReportPublished(ReportStep):
    publication_id: int  # the publication in the 年度报告 node


SUBMITTED = define(
    "report.submitted",
    ReportStep,
    """The officer sent the year's report for review (reports.services.submit_for_review).""",
)
RETURNED = define(
    "report.returned",
    ReportReturned,
    """The reviewer sent the report back to draft with a reason (reports.services.return_to_draft).""",
)
PUBLISHED = define(
    "report.published",
    ReportPublished,
    """The reviewer approved the report, which was published with its PDF and Word files and its figures
    frozen (reports.services.approve_and_publish); publication.published follows for the publication.""",
)


@dataclass(frozen=True)
class ReportDue:
    organisation_id: int
    organisation: str  # its name
    year: int  # the year to report on
    deadline: date  # 31 January next year for a department, 31 March for a government
    days_left: int  # negative once the deadline has passed
    state: str  # 尚未编制, or the report's state label


DUE = define(
    "report.due",
    ReportDue,
    """A reminder stage came for an organisation whose last-year report is not published
    (reports.reminders.emit_reminders, once per organisation, year and stage).""",
)
