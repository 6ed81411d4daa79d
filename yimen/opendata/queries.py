"""Reads of 政务数据开放: the public catalogue (published data sets, filtered and searched), the one selector
for staff (`datasets_visible_to`, `dataset_for`; `applications_visible_to`, `application_for`), and which
data sets an API key's approved application opens.

Data sets and applications belong to their data provider: the administrator (org.manage) of that
organisation or one above it keeps them; anyone else gets the answer an unknown one gets (404).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from yimen.opendata.models import (
    AccessApplication,
    ApplicationState,
    Dataset,
    Distribution,
    Format,
    Openness,
    Theme,
)
from yimen.org.models import ApiKey, Organisation
from yimen.org.permissions import organisations_for

MANAGE = "org.manage"
NOT_FOUND = "没有该数据集"
NO_APPLICATION = "没有该数据开放申请"
FORMAT_ORDER = {value: position for position, value in enumerate(Format.values)}


@dataclass(frozen=True)
class DatasetFilter:
    theme: str = ""
    openness: str = ""
    q: str = ""  # words of the title, the summary or a keyword

    def cleaned(self) -> DatasetFilter:
        return DatasetFilter(
            theme=self.theme if self.theme in Theme.values else "",
            openness=self.openness if self.openness in Openness.values else "",
            q=self.q.strip()[:50],
        )


def _with_files(found: QuerySet[Dataset]) -> QuerySet[Dataset]:
    return found.select_related("publisher").prefetch_related(
        Prefetch("distributions", queryset=Distribution.objects.order_by("format"))
    )


def public_datasets(f: DatasetFilter | None = None) -> QuerySet[Dataset]:
    """The published data sets, by theme and openness; each word of `q` must be in the title, the summary or
    a keyword."""
    f = (f or DatasetFilter()).cleaned()
    found = Dataset.objects.filter(is_published=True)
    if f.theme:
        found = found.filter(theme=f.theme)
    if f.openness:
        found = found.filter(openness=f.openness)
    for word in f.q.split():
        found = found.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(keywords__icontains=word)
        )
    return _with_files(found).annotate(downloads=Sum("distributions__download_count")).order_by("identifier")


def public_dataset(pk: int) -> Dataset:
    """A published data set's page; an unpublished one answers as an unknown one (404)."""
    found = _with_files(Dataset.objects.filter(pk=pk, is_published=True)).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def distribution_of(dataset: Dataset, fmt: str) -> Distribution:
    found = next((d for d in dataset.distributions.all() if d.format == fmt), None)
    if found is None:
        raise Http404("该数据集没有这种格式的文件")
    return found


def files_of(dataset: Dataset) -> list[Distribution]:
    return sorted(dataset.distributions.all(), key=lambda d: FORMAT_ORDER[d.format])


def theme_counts() -> dict[str, int]:
    """Published data sets per theme (the catalogue's filter shows them)."""
    rows = Dataset.objects.filter(is_published=True).values_list("theme").order_by().annotate(n=Count("pk"))
    return dict(rows)


# --- staff: the one selector ----------------------------------------------------------------------------


def _reach(staff: Any) -> set[int] | None:
    return organisations_for(staff, MANAGE)


def datasets_visible_to(staff: Any) -> QuerySet[Dataset]:
    """The data sets whose provider `staff` administers (that organisation or one above it)."""
    found = _with_files(Dataset.objects.all())
    reach = _reach(staff)
    return found if reach is None else found.filter(publisher_id__in=reach)


def dataset_for(staff: Any, pk: int) -> Dataset:
    found = datasets_visible_to(staff).filter(pk=pk).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def publishers_for(staff: Any) -> QuerySet[Organisation]:
    """The organisations `staff` may publish data sets for."""
    found = Organisation.objects.filter(is_active=True).order_by("code")
    reach = _reach(staff)
    return found if reach is None else found.filter(pk__in=reach)


def applications_visible_to(staff: Any) -> QuerySet[AccessApplication]:
    found = AccessApplication.objects.select_related("publisher", "api_key", "decided_by").prefetch_related(
        "datasets", "approved"
    )
    reach = _reach(staff)
    return found if reach is None else found.filter(publisher_id__in=reach)


def application_for(staff: Any, pk: int) -> AccessApplication:
    found = applications_visible_to(staff).filter(pk=pk).first()
    if found is None:
        raise Http404(NO_APPLICATION)
    return found


def pending(staff: Any) -> QuerySet[AccessApplication]:
    return applications_visible_to(staff).filter(state=ApplicationState.SUBMITTED).order_by("created_at")


# --- keys -----------------------------------------------------------------------------------------------


def key_opens(key: ApiKey, dataset: Dataset) -> bool:
    """Whether an approved application issued `key` for `dataset` (a key reaches nothing else)."""
    return AccessApplication.objects.filter(
        api_key=key, state=ApplicationState.APPROVED, approved=dataset
    ).exists()


# --- identifiers ----------------------------------------------------------------------------------------

_SERIAL = re.compile(r"^(\d{4})/(\d+)$")


def next_identifier(today: date, digits: int = 10) -> str:
    """A free 信息资源标识符 for a new data set of this year: the year's highest serial plus one."""
    serials = [
        int(match.group(2))
        for identifier in Dataset.objects.filter(identifier__startswith=f"{today.year}/").values_list(
            "identifier", flat=True
        )
        if (match := _SERIAL.match(identifier))
    ]
    return f"{today.year}/{max(serials, default=0) + 1:0{digits}d}"
