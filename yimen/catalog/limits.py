"""Time limits as a guide states them: 即办, 半天, 14 个工作日, 3 小时, 30 个自然日."""

from __future__ import annotations

from decimal import Decimal

from yimen.catalog.models import TimeUnit

UNIT_WORDS: dict[str, str] = {
    TimeUnit.WORKDAY: "个工作日",
    TimeUnit.NATURAL_DAY: "个自然日",
    TimeUnit.HOUR: "小时",
}


def workday_equivalent(limit: Decimal | None, unit: str) -> Decimal:
    """A limit in working days, to compare and sum limits given in different units.

    1 工作日 = 8 小时; a 自然日 counts as 5/7 of a working day (an average, for comparisons only).
    """
    if limit is None:
        return Decimal(0)
    if unit == TimeUnit.HOUR:
        return (limit / 8).quantize(Decimal("0.01"))
    if unit == TimeUnit.NATURAL_DAY:
        return (limit * 5 / 7).quantize(Decimal("0.01"))
    return limit


def format_limit(limit: Decimal | None, unit: str, *, immediate_word: str = "即办") -> str:
    if limit is None:
        return "法律法规未规定"
    if limit == 0:
        return immediate_word
    if unit == TimeUnit.WORKDAY and limit == Decimal("0.5"):
        return "半天"
    number = f"{limit.normalize():f}"
    return f"{number}{UNIT_WORDS.get(unit, unit)}"
