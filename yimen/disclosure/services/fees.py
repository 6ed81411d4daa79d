"""信息处理费 steps (条例第四十二条, 国办函〔2020〕109号): the notice, the payment, and closing unpaid."""

from __future__ import annotations

from datetime import date

from yimen.core import batch, calendar
from yimen.core.errors import TransitionError
from yimen.disclosure import clock
from yimen.disclosure.events import CLOSED, FEE_NOTICE, FEE_PAID
from yimen.disclosure.fees import per_page_fee, per_request_total
from yimen.disclosure.models import (
    DisclosureRequest,
    EventKind,
    FeeMethod,
    FeeNotice,
    Outcome,
)
from yimen.disclosure.replies import nth_in_month
from yimen.disclosure.workflow import close_with, event, locked, not_before, record, refused, save
from yimen.org.models import Staff

# --- 信息处理费 (条例第四十二条, 国办函〔2020〕109号) -------------------------------------------------------

FEES_FROM = date(2021, 1, 1)


@batch.atomic
def issue_fee_notice(
    *,
    request: DisclosureRequest,
    by: Staff | None,
    method: str,
    quantity: int,
    on: date,
    expected_version: int | None = None,
) -> FeeNotice:
    """收费通知, within the answer period: 按件 (quantity = the 件 this request counts for after 一事一
    申请 splitting, priced after the applicant's earlier requests that month) or 按量 (quantity = pages),
    one method per request; payment within 20 working days."""
    if method not in FeeMethod.values:
        raise refused("method", "计收方式不正确", "计收方式：只能是按件计收或按量计收")
    if quantity < 1:
        raise refused("quantity", "数量不正确", "件次或页数：至少为1")
    request, target = locked(request, "issue_fee_notice", by, expected_version)
    if hasattr(request, "fee_notice"):
        raise TransitionError("本申请已发出过收费通知，不能重复收费或按两种标准计收")
    if on < FEES_FROM:
        raise refused("on", "信息处理费自2021年1月1日起收取", "通知日期：不早于2021年1月1日")
    not_before(on, request.received_on, "on", "通知日期", "收到申请之日")
    if on > request.due_on:
        raise refused(
            "on", "收费通知应在答复期限内发出", f"通知日期：不晚于答复期限{request.due_on:%Y-%m-%d}"
        )
    if method == FeeMethod.PER_REQUEST:
        amount = per_request_total(nth_in_month(request), quantity)
    else:
        amount = per_page_fee(quantity)
    if amount <= 0:
        raise refused(
            "quantity", "未超过免费标准，不收取信息处理费", "件次或页数：按件每月10件以内、按量30页以内不收费"
        )
    notice = FeeNotice.objects.create(
        request=request,
        method=method,
        quantity=quantity,
        amount=amount,
        issued_on=on,
        pay_by=calendar.add_workdays(on, clock.FEE_PAYMENT_WORKDAYS).date,
    )
    request.fee_notice = notice
    save(request, target, clock=True)
    event(request, EventKind.FEE_NOTICE, by, on, note=f"{FeeMethod(method).label}，{quantity}，{amount}元")
    record(request, FEE_NOTICE, by, method=method, quantity=quantity, amount=amount)
    return notice


@batch.atomic
def record_payment(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """The fee is paid within its 20 working days: handling continues."""
    request, target = locked(request, "record_payment", by, expected_version)
    notice = FeeNotice.objects.select_for_update().get(request=request)
    not_before(on, notice.issued_on, "on", "缴费日期", "通知日期")
    if on > notice.pay_by:
        raise TransitionError(f"缴费期限已于{notice.pay_by:%Y-%m-%d}届满，视为放弃申请")
    notice.paid_on = on
    notice.save(update_fields=["paid_on"])
    request.fee_notice = notice
    save(request, target, clock=True)
    event(request, EventKind.FEE_PAID, by, on, note=f"{notice.amount}元")
    record(request, FEE_PAID, by, amount=notice.amount)
    return request


@batch.atomic
def expire_fee(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """Not paid within 20 working days: 视为放弃申请, counted as 其他处理-2."""
    request, target = locked(request, "expire_fee", by, expected_version)
    notice = FeeNotice.objects.get(request=request)
    if on <= notice.pay_by:
        raise refused("on", "缴费期限尚未届满", f"办结日期：缴费期限{notice.pay_by:%Y-%m-%d}届满后才能办结")
    not_before(on, notice.issued_on, "on", "办结日期", "通知日期")
    close_with(request, target, Outcome.FEE_UNPAID, by, on, EventKind.NOTE)
    record(request, CLOSED, by, outcome=request.outcome)
    return request
