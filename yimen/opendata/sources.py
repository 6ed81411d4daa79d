"""The generators that build a data set's rows, each from Yimen's own aggregate records and never from
personal data: the published service items, the hall's windows, monthly case statistics and 好差评 figures
per organisation, and the public publications' metadata.

Each generator reads the data of the data provider and the organisations below it, and yields one dict
per row whose keys are the source's Chinese column headers in their fixed order; cells are text, whole
numbers, decimals as floats, or None, so the CSV, JSON and XLSX writers (formats.py) need no conversions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q

from yimen.cases.queries import evaluations, stats
from yimen.catalog import queries as catalog_queries
from yimen.catalog.limits import format_limit
from yimen.opendata.models import SourceCode
from yimen.org.models import Organisation, OrganisationKind, Window
from yimen.org.permissions import subtree
from yimen.publishing import queries as publishing_queries

Row = dict[str, Any]
# Monthly figures cover this many months, the current one (counted up to today) included.
MONTHS = 24


@dataclass(frozen=True)
class Source:
    code: str
    columns: tuple[str, ...]
    rows: Callable[[Organisation, date], Iterator[Row]]
    note: str  # what the rows are, for the office's form and the data set's page

    @property
    def label(self) -> str:
        return SourceCode(self.code).label


def _reach(publisher: Organisation) -> set[int]:
    return subtree(publisher.pk)


def _yes(value: bool) -> str:
    return "是" if value else "否"


# --- 政务服务事项目录 ------------------------------------------------------------------------------------

ITEM_COLUMNS = (
    "实施编码",
    "基本编码",
    "事项名称",
    "事项类型",
    "实施主体",
    "行使层级",
    "法定时限",
    "承诺时限",
    "是否收费",
    "收费项目",
    "网上办理深度",
    "到现场次数",
    "通办范围",
)


def item_rows(publisher: Organisation, today: date) -> Iterator[Row]:
    """The published, not retired items, as the portal's guides state them."""
    items = (
        catalog_queries.published()
        .filter(organisation_id__in=_reach(publisher))
        .prefetch_related("current__fees")
    )
    for item in items.iterator(chunk_size=500):
        version = item.current
        assert version is not None
        yield dict(
            zip(
                ITEM_COLUMNS,
                (
                    item.impl_code,
                    item.basic_code,
                    version.name,
                    version.get_item_type_display(),
                    item.organisation.name,
                    version.get_level_display(),
                    format_limit(version.legal_limit, version.legal_unit),
                    format_limit(version.promised_limit, version.promised_unit),
                    _yes(not version.is_free),
                    "；".join(f"{fee.name}（{fee.standard}）" for fee in version.fees.all()),
                    version.get_online_depth_display(),
                    version.visits,
                    version.get_scope_display(),
                ),
                strict=True,
            )
        )


# --- 服务窗口 -----------------------------------------------------------------------------------------

WINDOW_COLUMNS = ("窗口号", "窗口名称", "服务单位", "综合窗口", "位置", "监督电话")


def window_rows(publisher: Organisation, today: date) -> Iterator[Row]:
    """The hall's windows in use that serve the provider's organisations; the 综合窗口, which take any item,
    when the provider's reach holds the service centre."""
    reach = _reach(publisher)
    serving = Q(organisations__in=reach)
    if Organisation.objects.filter(pk__in=reach, kind=OrganisationKind.CENTRE).exists():
        serving |= Q(is_comprehensive=True)
    windows = (
        Window.objects.filter(serving, is_active=True)
        .distinct()
        .order_by("number")
        .prefetch_related("organisations")
    )
    for window in windows:
        served = "、".join(o.name for o in sorted(window.organisations.all(), key=lambda o: o.code))
        yield dict(
            zip(
                WINDOW_COLUMNS,
                (
                    window.number,
                    window.name,
                    served,
                    _yes(window.is_comprehensive),
                    window.location,
                    window.supervision_phone,
                ),
                strict=True,
            )
        )


# --- monthly figures ------------------------------------------------------------------------------------


def months(today: date, count: int = MONTHS) -> list[tuple[date, date]]:
    """The last `count` months as (first day, last day counted), oldest first; the current month ends today."""
    found: list[tuple[date, date]] = []
    first = today.replace(day=1)
    for _ in range(count):
        following = (first + timedelta(days=32)).replace(day=1)
        found.append((first, min(following - timedelta(days=1), today)))
        first = (first - timedelta(days=1)).replace(day=1)
    return found[::-1]


def _codes(ids: set[int]) -> dict[int, str]:
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "code"))


CASE_COLUMNS = (
    "统计月份",
    "统计截止日期",
    "单位代码",
    "单位",
    "受理量",
    "办结量",
    "即办件数",
    "按时办结数",
    "按时办结率（%）",
    "提前办结率（%）",
    "超期件数",
    "平均办结用时（工作日）",
)


def case_stat_rows(publisher: Organisation, today: date) -> Iterator[Row]:
    """办件统计 per organisation and month, by the definitions the statistics page states
    (cases.queries.stats.DEFINITIONS); a month in which an organisation had no case has no row."""
    reach = _reach(publisher)
    codes = _codes(reach)
    for first, last in months(today):
        rows, _ = stats.case_stats(
            stats.StatsFilter(start=first, end=last, by=stats.By.ORGANISATION, organisations=reach)
        )
        for row in rows:
            yield dict(
                zip(
                    CASE_COLUMNS,
                    (
                        f"{first:%Y-%m}",
                        last.isoformat(),
                        codes.get(int(row.key), "") if row.key.isdigit() else "",
                        row.label,
                        row.accepted,
                        row.concluded,
                        row.immediate,
                        row.on_time,
                        row.on_time_rate,
                        row.early_rate,
                        row.overdue,
                        row.average_workdays,
                    ),
                    strict=True,
                )
            )


EVALUATION_COLUMNS = (
    "统计月份",
    "统计截止日期",
    "单位代码",
    "单位",
    "评价总数",
    "非常满意",
    "满意",
    "基本满意",
    "不满意",
    "非常不满意",
    "满意率（%）",
    "差评数",
    "应整改差评数",
    "按时整改数",
    "差评整改率（%）",
)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def evaluation_rows(publisher: Organisation, today: date) -> Iterator[Row]:
    """好差评 per organisation and month, as the public statistics page counts them
    (cases.queries.evaluations: 满意率, 差评整改率); the comments are never part of it."""
    reach = _reach(publisher)
    for first, last in months(today):
        period = evaluations.Period(first, last)
        for row in evaluations.satisfaction_by_organisation(period, organisations=reach):
            yield dict(
                zip(
                    EVALUATION_COLUMNS,
                    (
                        f"{first:%Y-%m}",
                        last.isoformat(),
                        row.code,
                        row.name,
                        row.total,
                        *row.levels,
                        _float(row.satisfaction_rate),
                        row.bad,
                        row.due,
                        row.on_time,
                        _float(row.rectification_rate),
                    ),
                    strict=True,
                )
            )


# --- 主动公开信息目录 -------------------------------------------------------------------------------------

PUBLICATION_COLUMNS = (
    "标题",
    "索引号",
    "文号",
    "发布机构",
    "发布日期",
    "成文日期",
    "主题分类",
    "公开目录",
    "类别",
    "有效性",
)


def publication_rows(publisher: Organisation, today: date) -> Iterator[Row]:
    """The published items' metadata, newest first (never a draft's or a withdrawn item's)."""
    found = (
        publishing_queries.public_publications()
        .filter(organisation_id__in=_reach(publisher))
        .select_related("organisation", "node")
        .order_by("-published_at", "-pk")
    )
    for publication in found.iterator(chunk_size=1000):
        published = publication.published_at
        yield dict(
            zip(
                PUBLICATION_COLUMNS,
                (
                    publication.title,
                    publication.index_number or "",
                    publication.document_number,
                    publication.organisation.name,
                    published.date().isoformat() if published else "",
                    publication.written_on.isoformat(),
                    publication.topic,
                    publication.node.name,
                    publication.get_kind_display(),
                    publication.get_validity_display(),
                ),
                strict=True,
            )
        )


SOURCES: dict[str, Source] = {
    source.code: source
    for source in (
        Source(
            SourceCode.ITEMS,
            ITEM_COLUMNS,
            item_rows,
            "现行政务服务事项的编码、名称、类型、实施主体、时限和收费",
        ),
        Source(SourceCode.WINDOWS, WINDOW_COLUMNS, window_rows, "政务服务大厅在用窗口及其服务单位"),
        Source(
            SourceCode.CASE_STATS,
            CASE_COLUMNS,
            case_stat_rows,
            f"近{MONTHS}个月各单位每月的受理量、办结量、按时办结率等办件统计",
        ),
        Source(
            SourceCode.EVALUATIONS,
            EVALUATION_COLUMNS,
            evaluation_rows,
            f"近{MONTHS}个月各单位每月的好差评评价数、满意率和差评整改率",
        ),
        Source(
            SourceCode.PUBLICATIONS,
            PUBLICATION_COLUMNS,
            publication_rows,
            "已主动公开信息的标题、索引号、文号、发布机构和发布日期",
        ),
    )
}


def source_of(code: str) -> Source:
    return SOURCES[code]
