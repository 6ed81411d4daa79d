"""信息处理费 (条例第四十二条; 《政府信息公开信息处理费管理办法》, 国办函〔2020〕109号).

Both schedules are 超额累进 (第三条): each request or page is charged at the rate of its own band, and
an office applies one of them to a request, never both. 按件 (第四条) counts one applicant's requests
in one calendar month; 按量 (第五条) counts the pages of one request.
"""

from __future__ import annotations

from decimal import Decimal

FREE_REQUESTS_PER_MONTH = 10
# 按量计收: (last page of the band, yuan per page); the last band is open.
PAGE_BANDS: tuple[tuple[int | None, int], ...] = ((30, 0), (100, 10), (200, 20), (None, 40))


def per_request_fee(nth_in_month: int) -> Decimal:
    """The fee of an applicant's n-th request in one calendar month (办法第四条): 1–10 free, 11–30 at
    100 元, and from the 31st each band of 10 costs 100 元 more (31–40 at 200 元, 41–50 at 300 元 …).
    The 35th request costs 200 元 (the bands above 30 are read from "以10件为一档，每增加一档，收费标准
    提高100元/件", ogi-law.md §2.2)."""
    if nth_in_month < 1:
        raise ValueError("nth_in_month starts at 1")
    if nth_in_month <= FREE_REQUESTS_PER_MONTH:
        return Decimal(0)
    if nth_in_month <= 30:
        return Decimal(100)
    return Decimal(100 * (2 + (nth_in_month - 31) // 10))


def per_request_total(first: int, count: int) -> Decimal:
    """The fee of `count` requests (件, after 一事一申请 splitting) numbered from `first` in the month."""
    return sum((per_request_fee(n) for n in range(first, first + count)), Decimal(0))


def per_page_fee(pages: int) -> Decimal:
    """The fee of one request by its pages (办法第五条): up to 30 free, pages 31–100 at 10 元, 101–200 at
    20 元, from 201 at 40 元. 250 pages: 70 × 10 + 100 × 20 + 50 × 40 = 4,700 元."""
    if pages < 0:
        raise ValueError("pages cannot be negative")
    total, floor = 0, 0
    for ceiling, rate in PAGE_BANDS:
        top = pages if ceiling is None else min(pages, ceiling)
        if top > floor:
            total += (top - floor) * rate
        if ceiling is None or pages <= ceiling:
            break
        floor = ceiling
    return Decimal(total)
