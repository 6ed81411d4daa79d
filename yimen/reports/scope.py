"""Whose records a report counts, and over which dates.

A department's report counts its own records. A government's report covers the government and every
department under it (条例第四十九条第二款: its report is published after, and built on, theirs). The
seed-era report of a service centre speaks for the hall: the units seated at its windows and the centre.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from yimen.org.models import Organisation, OrganisationKind, Window
from yimen.org.permissions import subtree


@dataclass(frozen=True)
class Year:
    """A calendar year in local dates (both included) and local moments (end excluded)."""

    year: int

    @property
    def first(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last(self) -> date:
        return date(self.year, 12, 31)

    @property
    def starts(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def ends(self) -> datetime:
        """The first moment after the year (exclusive bound)."""
        return timezone.make_aware(datetime.combine(date(self.year + 1, 1, 1), time.min))


def organisations(org: Organisation) -> list[int]:
    """The organisations whose records the report of `org` counts."""
    if org.kind == OrganisationKind.GOVERNMENT:
        return sorted(subtree(org.pk))
    return [org.pk]


def hall(org: Organisation) -> list[int]:
    """For a centre: itself and the units seated at the hall's windows (the seed's 66 进驻单位);
    for anyone else, the same as `organisations`."""
    if org.kind != OrganisationKind.CENTRE:
        return organisations(org)
    seated = Window.organisations.through.objects.filter(window__is_active=True).values_list(
        "organisation_id", flat=True
    )
    return sorted({org.pk, *seated})
