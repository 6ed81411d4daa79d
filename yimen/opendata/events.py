"""The events of 政务数据开放: data sets published, withdrawn and regenerated, applications to the
有条件开放 ones filed and decided, and the daily refresh of the published data sets."""

from __future__ import annotations

from dataclasses import dataclass

from yimen.core.events import Day, define, every_day


@dataclass(frozen=True)
class DatasetStep:
    id: int  # the Dataset's id
    identifier: str  # 信息资源标识符
    publisher_id: int  # the data provider
    openness: str  # Openness: open or conditional
    is_published: bool


@dataclass(frozen=True)
class ApplicationStep:
    id: int  # the AccessApplication's id
    number: str  # 申请编号
    publisher_id: int  # the data provider that decides it
    state: str  # ApplicationState after the step
    datasets: list[str]  # the identifiers requested, or once approved those approved


PUBLISHED = define(
    "opendata.dataset_published",
    DatasetStep,
    """A data set was published in the open data catalogue (opendata.services.publish); its files were
    generated first. The catalogue's DCAT export lists it from now on.""",
)
WITHDRAWN = define(
    "opendata.dataset_withdrawn",
    DatasetStep,
    """A data set was taken out of the open data catalogue (opendata.services.unpublish); its files are
    kept but no longer served.""",
)
REGENERATED = define(
    "opendata.dataset_regenerated",
    DatasetStep,
    """A data set's files (CSV, JSON, XLSX) were built again from its source (opendata.services.regenerate:
    by hand in the office, on publishing, or by the daily refresh).""",
)
APPLICATION_FILED = define(
    "opendata.application_filed",
    ApplicationStep,
    """Someone applied on the portal to use 有条件开放 data sets (opendata.services.file_application); the
    data provider's administrator decides.""",
)
APPLICATION_DECIDED = define(
    "opendata.application_decided",
    ApplicationStep,
    """An application to 有条件开放 data sets was approved (an API key of scope opendata.read issued for the
    approved data sets) or refused with its reason (opendata.services: approve, refuse).""",
)
REFRESH_DUE = every_day(
    define(
        "opendata.refresh_due",
        Day,
        """The day's refresh of the published data sets is due (queued by the worker once a local day,
        core.events.every_day). Open data listens: each published data set whose 更新频率 says it is due
        is generated again (opendata.services.refresh_due).""",
    )
)
