"""Write paths of a disclosure request (依申请公开), one keyword-only service per step.

Here: taking the request up, the reply, its delivery and closing. Registration is in intake, the steps
that move the clock in clock, the fee's in fees, appeals in appeals.
Every service runs in one transaction through `workflow` (row lock, transition table, role, timeline
event, audit entry, outbox event), and the deadline is recomputed from the request's facts whenever
the clock moves.
"""

from __future__ import annotations

from datetime import date

from yimen.core import batch
from yimen.core.errors import ApplicationError
from yimen.disclosure.events import CLOSED, DELIVERED, REPLIED, STARTED
from yimen.disclosure.models import (
    DisclosureRequest,
    EventKind,
    Outcome,
    Reply,
)
from yimen.disclosure.replies import reply_text
from yimen.disclosure.workflow import BY_EXPIRY, event, locked, not_before, record, save, today
from yimen.org.models import Staff
from yimen.publishing.models import Publication


@batch.atomic
def start(
    *,
    request: DisclosureRequest,
    by: Staff | None,
    on: date | None = None,
    expected_version: int | None = None,
) -> DisclosureRequest:
    """The officer takes the request up (登记 → 办理中)."""
    request, target = locked(request, "start", by, expected_version)
    on = on or today()
    not_before(on, request.received_on, "on", "开始办理日期", "收到申请之日")
    save(request, target)
    event(request, EventKind.STARTED, by, on)
    record(request, STARTED, by)
    return request


# --- 答复, 送达, 办结 ---------------------------------------------------------------------------------------


def _checked_reply(
    request: DisclosureRequest,
    outcome: str,
    reasons: str,
    how_to_obtain: str,
    publication: Publication | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if outcome in BY_EXPIRY:
        errors["outcome"] = ["办理结果：逾期未补正、逾期未缴费由“按逾期办结”处理，不能直接答复"]
    elif outcome not in Outcome.values:
        errors["outcome"] = ["办理结果：应为年度报告表三中的一项"]
    needs_reasons = outcome not in (Outcome.DISCLOSED, Outcome.PUBLICATION)
    if needs_reasons and not reasons.strip():
        errors["reasons"] = [
            "理由：除予以公开外必须说明理由（部分公开须说明不予公开部分的理由，条例第三十七条）"
        ]
    obtainable = outcome in (Outcome.DISCLOSED, Outcome.PARTIAL, Outcome.PUBLICATION)
    if obtainable and not how_to_obtain.strip() and publication is None:
        errors["how_to_obtain"] = ["获取方式：予以公开、部分公开须告知获取信息的方式、途径（条例第三十六条）"]
    if publication is not None:
        if outcome not in (Outcome.DISCLOSED, Outcome.PARTIAL):
            errors["publication"] = ["已主动公开的信息：只适用于予以公开或部分公开"]
        elif not publication.is_public:
            errors["publication"] = ["已主动公开的信息：该信息尚未发布"]
    if (
        outcome == Outcome.STILL_UNCLEAR
        and not request.clarifications.filter(received_on__isnull=False).exists()
    ):
        errors["outcome"] = ["办理结果：“补正后申请内容仍不明确”须先告知补正并收到补正"]
    if errors:
        raise ApplicationError("答复内容有误", fields=errors)


@batch.atomic
def reply(
    *,
    request: DisclosureRequest,
    by: Staff | None,
    outcome: str,
    reasons: str,
    how_to_obtain: str = "",
    publication: Publication | None = None,
    pages: int = 0,
    on: date,
    expected_version: int | None = None,
) -> DisclosureRequest:
    """答复 (条例第三十六条): exactly one outcome of table 三, with its letter (告知书) from the outcome's
    template; information already published proactively links to its publication (第三十六条第（一）项)."""
    if pages < 0:
        raise ApplicationError("页数不正确", fields={"pages": ["提供页数：不能为负数"]})
    request, target = locked(request, "reply", by, expected_version)
    _checked_reply(request, outcome, reasons, how_to_obtain, publication)
    not_before(on, request.clock_start_on, "on", "答复日期", "答复期限起算日")
    request.outcome, request.replied_on, request.closed_on = outcome, on, on
    request.publication = publication
    save(request, target, "outcome", "replied_on", "closed_on", "publication")
    Reply.objects.create(
        request=request,
        outcome=outcome,
        issued_on=on,
        reasons=reasons.strip(),
        how_to_obtain=how_to_obtain.strip(),
        pages=pages,
        body=reply_text(
            request, outcome, reasons=reasons.strip(), how_to_obtain=how_to_obtain.strip(), pages=pages
        ),
        by=by,
    )
    late = "（超过答复期限）" if on > request.due_on else ""
    event(request, EventKind.REPLIED, by, on, note=Outcome(outcome).label + late)
    record(request, REPLIED, by, outcome=outcome, late=bool(late))
    return request


@batch.atomic
def deliver(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """送达 the reply by the way the applicant asked for."""
    request, target = locked(request, "deliver", by, expected_version)
    assert request.replied_on is not None
    not_before(on, request.replied_on, "on", "送达日期", "答复日期")
    request.delivered_on = on
    save(request, target, "delivered_on")
    event(request, EventKind.DELIVERED, by, on, note=request.get_delivery_method_display())
    record(request, DELIVERED, by, delivered_on=on)
    return request


@batch.atomic
def close(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """办结归档 after delivery; the annual report counts the request in the year of its decision."""
    request, target = locked(request, "close", by, expected_version)
    assert request.delivered_on is not None
    not_before(on, request.delivered_on, "on", "办结日期", "送达日期")
    save(request, target)
    event(request, EventKind.CLOSED, by, on)
    record(request, CLOSED, by, outcome=request.outcome)
    return request
