"""索引号: `{机构代码}/{年份}-{5位流水号}` by default, unique per organisation and year, never reused.

No national standard fixes the layout (ogi-law.md §5.2), so it is the setting
`YIMEN["INDEX_NUMBER_LAYOUT"]` with the fields `code`, `year` and `serial`. The organisation code is
the one set in its 政府信息公开指南 settings, else positions 9–17 of its 统一社会信用代码 (the old
组织机构代码, as gov.cn's `000014349/2018-00222`), else its Yimen code.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import F

from yimen.org.models import Organisation
from yimen.publishing.models import DisclosureSettings, IndexCounter


def layout() -> str:
    return str(settings.YIMEN["INDEX_NUMBER_LAYOUT"])


def organisation_code(organisation: Organisation) -> str:
    configured = (
        DisclosureSettings.objects.filter(organisation=organisation)
        .values_list("index_code", flat=True)
        .first()
    )
    if configured:
        return configured
    if organisation.uscc and len(organisation.uscc) == 18:
        return organisation.uscc[8:17]
    return organisation.code.upper()


def format_number(code: str, year: int, serial: int) -> str:
    return layout().format(code=code, year=year, serial=serial)


def next_serial(organisation: Organisation, year: int) -> int:
    """The next serial of the organisation's year, under a row lock on its counter: concurrent
    publishers queue on that row, so no two get the same serial and none is skipped or reused."""
    counters = IndexCounter.objects.filter(organisation=organisation, year=year)
    if not counters.exists():
        # A publisher creating the same year's counter at the same moment is no error: one row stays.
        IndexCounter.objects.bulk_create(
            [IndexCounter(organisation=organisation, year=year, last=0)], ignore_conflicts=True
        )
    counter = counters.select_for_update().get()
    counters.update(last=F("last") + 1)
    return counter.last + 1


def assign(organisation: Organisation, year: int) -> tuple[str, int]:
    """(索引号, serial) for a publication of `organisation` published in `year`."""
    serial = next_serial(organisation, year)
    return format_number(organisation_code(organisation), year, serial), serial
