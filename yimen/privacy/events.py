"""The events of 个人信息权利申请 (个人信息保护法 第四十五条—第四十七条、第五十条)."""

from __future__ import annotations

from dataclasses import dataclass

from yimen.core.events import Day, define, every_day


@dataclass(frozen=True)
class RightsStep:
    id: int  # the RightsRequest's id
    number: str  # 申请编号
    organisation_id: int  # the organisation holding the data
    kind: str  # RightKind: access, correct or delete
    state: str  # RequestState after the step
    outcome: str  # Outcome once answered, else ""


FILED = define(
    "privacy.request_filed",
    RightsStep,
    """An applicant filed a rights request on the portal, or the window recorded one
    (privacy.services.file_request); its response period runs from today.""",
)
ACCEPTED = define(
    "privacy.request_accepted",
    RightsStep,
    """The organisation holding the data accepted a rights request (privacy.services.accept).""",
)
ANSWERED = define(
    "privacy.request_answered",
    RightsStep,
    """A rights request was answered: a copy provided, the data corrected or deleted, or the request refused
    with its reason (privacy.services: provide_copy, correct, erase, refuse).""",
)
RETENTION_DUE = every_day(
    define(
        "privacy.retention_due",
        Day,
        """The day's personal-data retention purge is due (queued by the worker once a local day,
        core.events.every_day). Privacy listens: it anonymises the cases and requests past their retention
        and deletes old SMS, skipping records under a legal hold (privacy.retention.purge).""",
    )
)
