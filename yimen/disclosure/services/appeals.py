"""行政复议 and 行政诉讼 about a request's handling (table 四 of the annual report): filed, then decided
with one result (结果维持 / 结果纠正 / 其他结果); pending (尚未审结) until then."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from yimen.core import audit, batch, events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.disclosure.events import APPEAL_DECIDED, APPEAL_FILED, AppealStep
from yimen.disclosure.models import (
    Appeal,
    AppealKind,
    AppealResult,
    DisclosureRequest,
    EventKind,
    RequestEvent,
)
from yimen.org.models import Staff
from yimen.org.permissions import can


def _emit(appeal: Appeal, event: events.Event[AppealStep], by: Staff) -> None:
    audit.record(
        event.name,
        appeal,
        actor=by,
        after={"request": appeal.request_id, "kind": appeal.kind, "result": appeal.result},
    )
    events.emit(
        event,
        AppealStep(appeal=appeal.pk, request=appeal.request_id, kind=appeal.kind, result=appeal.result),
        key=f"{event.name}:{appeal.pk}",
    )


@batch.atomic
def file_appeal(
    *, request: DisclosureRequest, by: Staff, kind: str, filed_on: date, body: str, reference: str = ""
) -> Appeal:
    """The applicant applied for 行政复议 or sued (directly, or after 复议) about this request."""
    errors: dict[str, list[str]] = {}
    if kind not in AppealKind.values:
        errors["kind"] = ["类别：只能是行政复议、未经复议直接起诉或复议后起诉"]
    if not body.strip():
        errors["body"] = ["复议机关或法院：必填"]
    request = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
    if not can(by, "disclosure.handle", request):
        raise NotPermitted("您无权登记该申请的复议、诉讼")
    if filed_on < request.received_on or filed_on > timezone.localdate():
        errors["filed_on"] = [f"申请或起诉日期：应在收到申请之日（{request.received_on:%Y-%m-%d}）至今天之间"]
    if (
        kind == AppealKind.LITIGATION_AFTER
        and not request.appeals.filter(kind=AppealKind.RECONSIDERATION, filed_on__lte=filed_on).exists()
    ):
        errors["kind"] = ["类别：复议后起诉须先登记该申请的行政复议"]
    if errors:
        raise ApplicationError("复议、诉讼信息有误", fields=errors)
    appeal = Appeal.objects.create(
        request=request,
        organisation_id=request.organisation_id,
        kind=kind,
        filed_on=filed_on,
        body=body.strip()[:100],
        reference=reference.strip()[:60],
    )
    RequestEvent.objects.create(
        request=request, kind=EventKind.APPEALED, on=filed_on, note=appeal.get_kind_display(), by=by
    )
    _emit(appeal, APPEAL_FILED, by)
    return appeal


@batch.atomic
def decide_appeal(*, appeal: Appeal, by: Staff, result: str, decided_on: date) -> Appeal:
    """The 复议决定 or judgment; an appeal is decided once (a second decision is refused with 409)."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if not can(by, "disclosure.handle", appeal):
        raise NotPermitted("您无权登记该复议、诉讼的结果")
    if appeal.result:
        raise TransitionError(
            f"已于{appeal.decided_on:%Y-%m-%d}登记结果（{appeal.get_result_display()}），不能重复登记"
        )
    errors: dict[str, list[str]] = {}
    if result not in AppealResult.values:
        errors["result"] = ["结果：只能是结果维持、结果纠正或其他结果"]
    if decided_on < appeal.filed_on or decided_on > timezone.localdate():
        errors["decided_on"] = [f"决定或判决日期：应在申请或起诉日期（{appeal.filed_on:%Y-%m-%d}）至今天之间"]
    if errors:
        raise ApplicationError("复议、诉讼结果有误", fields=errors)
    appeal.result, appeal.decided_on = result, decided_on
    appeal.save(update_fields=["result", "decided_on"])
    RequestEvent.objects.create(
        request_id=appeal.request_id,
        kind=EventKind.APPEAL_DECIDED,
        on=decided_on,
        note=f"{appeal.get_kind_display()}：{appeal.get_result_display()}",
        by=by,
    )
    _emit(appeal, APPEAL_DECIDED, by)
    return appeal
