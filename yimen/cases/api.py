"""Cases over HTTP: /api/v1/cases (网上申报, public status, staff transitions) and /api/v1/stats/cases.

Handlers parse, call one service or query, and shape the answer; errors are mapped in yimen/api.py
(ApplicationError 422, TransitionError 409, NotPermitted 403). A step first asks
`cases.queries.visibility` whether the person may see the case (else 404, as for an unknown number) and
take the step (else 403), and only then does the service look at its state and version. Staff endpoints
authenticate by the office session (a browser sends the CSRF token in X-CSRFToken) and name the
lock_version they saw, so a stale screen gets 409 instead of overwriting someone else's step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Header, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field, WithJsonSchema

from yimen.cases.models import ApplicantKind, Case, Channel, DeliveryMethod, Result
from yimen.cases.queries import public, stats, visibility
from yimen.cases.services import intake, steps
from yimen.cases.services.intake import checked_applicant
from yimen.catalog.models import ServiceItem
from yimen.catalog.queries import item_by_code
from yimen.core.api_schema import ErrorOut, choice_schema
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.core.identity import normalize
from yimen.core.people import Applicant
from yimen.core.throttle import SUBMISSIONS, guarded_lookup
from yimen.core.validation import label_fields
from yimen.org.api_keys import acting_staff, key_narrowed, key_reaches, staff_auth
from yimen.org.models import ApiScope, Organisation, Staff, Window
from yimen.org.permissions import organisations_for

router = Router(tags=["办件"])
stats_router = Router(tags=["办件统计"], auth=staff_auth(ApiScope.CASE_STATS))
label_fields(
    item="事项",
    kind="申请人类型",
    name="申请人",
    phone="手机号码",
    id_number="公民身份号码",
    uscc="统一社会信用代码",
    legal_representative="法定代表人",
    address="联系地址",
    business_type="业务类型",
    idempotency_key="Idempotency-Key",
    code="查询码",
    expected_version="办件版本号（lock_version）",
    reason="理由",
    materials="补正材料",
    opinion="意见",
    result="办结结果",
    certificate_no="证照编号",
    method="送达方式",
    tracking_no="快递单号",
    by="统计维度",
)

NOT_FOUND = "办件编号或查询码不正确"
KEY_PREFIX = "api:"  # a client's Idempotency-Key, apart from the portal forms' nonces
MAX_STATS_DAYS = 3 * 366


# --- 网上申报 and public status ---------------------------------------------------------------------


class Application(Schema):
    item: str = Field(min_length=1, max_length=50, description="事项实施编码")
    kind: ApplicantKind = Field(ApplicantKind.PERSON, description="person 自然人；legal 法人或其他组织")
    name: str = Field(min_length=1, max_length=100, description="申请人姓名或单位名称")
    phone: str = Field(min_length=1, max_length=20, description="手机号码，接收办理进度短信")
    id_number: str = Field("", max_length=30, description="公民身份号码（自然人）")
    uscc: str = Field("", max_length=30, description="统一社会信用代码（法人）")
    legal_representative: str = Field("", max_length=50, description="法定代表人（法人）")
    address: str = Field("", max_length=200)
    business_type: str = Field(
        "", max_length=50, description="业务类型：事项办事指南列出多种时必填，取其中之一"
    )


class CaseCreated(Schema):
    number: str = Field(description="办件编号")
    query_code: str = Field(description="6位查询码：凭办件编号和查询码查询进度")
    state: str


IDEMPOTENCY = Header(
    None,
    alias="Idempotency-Key",
    min_length=1,
    max_length=64,
    pattern=r"^[!-~]+$",
    description="幂等键（可选，1至64个可见 ASCII 字符，如 UUID）：同一份申请因超时重试时带同一个键，"
    "只立一件，返回第一次的办件编号和查询码",
)


def _same_application(case: Case, item: ServiceItem, applicant: Applicant) -> None:
    """A key already used by another application would hand that case's 查询码 to whoever sent it."""
    values = checked_applicant(applicant)
    identity = ("applicant_kind", "id_number", "uscc", "phone")
    if case.item_id != item.pk or any(getattr(case, f) != values.get(f, "") for f in identity):
        message = "Idempotency-Key：已用于另一份申请，新的申请请使用新的键"
        raise ApplicationError(message, fields={"idempotency_key": [message]})


@router.post("", response={201: CaseCreated, 429: ErrorOut}, summary="网上申报：按事项的现行办事指南提交申请")
def apply(
    request: HttpRequest, body: Application, idempotency_key: str | None = IDEMPOTENCY
) -> Status[dict[str, str]]:
    """Applications filed here spend the portal form's hourly budget per address (core.throttle
    .SUBMISSIONS; 429 once spent); a refused one, or a repeat with the same Idempotency-Key, spends
    nothing. The repeat answers as the first did."""
    with SUBMISSIONS.spending(request) as ticket:
        if ticket is None:
            raise HttpError(429, SUBMISSIONS.message)
        item = item_by_code(body.item.strip())
        if item is None:
            raise ApplicationError(
                "没有该事项", fields={"item": [f"事项：没有实施编码为 {body.item} 的事项"]}
            )
        applicant = Applicant(**body.model_dump(exclude={"item"}))
        submitted = intake.submit_once(
            item=item,
            applicant=applicant,
            channel=Channel.ONLINE,
            idempotency_key=f"{KEY_PREFIX}{idempotency_key}" if idempotency_key else None,
        )
        case = submitted.case
        if submitted.repeated:
            ticket.give_back()
            _same_application(case, item, applicant)
    return Status(
        201, {"number": case.number, "query_code": case.query_code, "state": case.get_state_display()}
    )


@router.get(
    "/{number}",
    response={200: public.PublicCase, 403: ErrorOut, 429: ErrorOut},
    summary="办件进度查询（办件编号 + 查询码）",
)
def status(
    request: HttpRequest,
    number: str,
    code: str = Query(..., max_length=10, description="6位查询码"),
    tail: str | None = Query(None, max_length=4, description="手机号码后四位：该编号多次查询失败后需要"),
) -> Any:
    """An unknown number and a wrong code get the same 404; after 10 failures from one address every
    lookup from it is refused with 429, the right code too (else 429 would be a hint); a number that has
    failed 5 times asks for `tail` as well (403 until given), so its owner is never locked out
    (core.throttle.guarded_lookup)."""
    number = normalize(number)
    looked = guarded_lookup(
        request, number, tail, lambda tail: public.lookup(number=number, code=normalize(code), tail=tail)
    )
    if looked.found is None:
        raise HttpError(*looked.answer(NOT_FOUND))
    return looked.found


# --- Staff transitions ------------------------------------------------------------------------------


class Expected(Schema):
    expected_version: int = Field(ge=0, description="您看到的办件版本号 lock_version；已被他人更新时返回 409")


class Reasoned(Expected):
    reason: str = Field(max_length=300)


class Supplement(Expected):
    materials: list[str] = Field(description="需要补齐补正的全部材料（一次性告知）")
    note: str = Field("", max_length=500)


class Advance(Expected):
    opinion: str = Field("", max_length=500)


class Conclusion(Expected):
    result: Result
    reason: str = Field("", max_length=300)
    certificate_no: str = Field("", max_length=60)


class Delivery(Expected):
    method: Annotated[DeliveryMethod, WithJsonSchema(choice_schema(DeliveryMethod))]
    tracking_no: str = Field("", max_length=40)


class CaseOut(Schema):
    number: str
    state: str
    state_label: str
    step: str
    lock_version: int
    promised_due: datetime | None
    concluded_at: datetime | None
    result: str


def _staff(request: HttpRequest) -> Staff:
    return acting_staff(request)


def _case(request: HttpRequest, number: str, step: str) -> Case:
    """The case for a step, asked before anything about its state or version: one the person may not see
    answers exactly as an unknown number (404), one they see but may not take the step on 403."""
    try:
        case = visibility.case_for(_staff(request), number, step=step)
    except Http404:
        raise HttpError(404, visibility.NOT_FOUND) from None
    if not key_reaches(request, case):
        raise HttpError(404, visibility.NOT_FOUND)
    return case


def _out(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "state": case.state,
        "state_label": case.get_state_display(),
        "step": case.step,
        "lock_version": case.lock_version,
        "promised_due": case.promised_due,
        "concluded_at": case.concluded_at,
        "result": case.result,
    }


STAFF: dict[str, Any] = {"auth": staff_auth(ApiScope.CASE_STEPS), "response": {200: CaseOut, 409: ErrorOut}}


def _act(
    request: HttpRequest, number: str, step: str, service: Callable[..., Case], body: Expected
) -> dict[str, Any]:
    """Run one transition service; the body's fields are named as the service's keywords."""
    case = service(case=_case(request, number, step), by=_staff(request), **body.model_dump(mode="json"))
    return _out(case)


@router.post("/{number}/accept", summary="受理", **STAFF)
def accept(request: HttpRequest, number: str, body: Expected) -> dict[str, Any]:
    return _act(request, number, "accept", steps.accept, body)


@router.post("/{number}/refuse", summary="不予受理（须写明理由）", **STAFF)
def refuse(request: HttpRequest, number: str, body: Reasoned) -> dict[str, Any]:
    return _act(request, number, "refuse", steps.refuse, body)


@router.post("/{number}/supplement", summary="一次性告知补齐补正", **STAFF)
def supplement(request: HttpRequest, number: str, body: Supplement) -> dict[str, Any]:
    return _act(request, number, "request_supplement", steps.request_supplement, body)


@router.post("/{number}/supplement/received", summary="补齐补正材料已收到", **STAFF)
def supplement_received(request: HttpRequest, number: str, body: Expected) -> dict[str, Any]:
    return _act(request, number, "supplement_received", steps.supplement_received, body)


@router.post("/{number}/advance", summary="当前环节办理完毕，进入下一环节", **STAFF)
def advance(request: HttpRequest, number: str, body: Advance) -> dict[str, Any]:
    return _act(request, number, "advance", steps.advance, body)


@router.post("/{number}/conclude", summary="办结（出证办结须填证照编号，其他结果须写明理由）", **STAFF)
def conclude(request: HttpRequest, number: str, body: Conclusion) -> dict[str, Any]:
    return _act(request, number, "conclude", steps.conclude, body)


@router.post("/{number}/deliver", summary="送达（邮寄须填快递单号）", **STAFF)
def deliver(request: HttpRequest, number: str, body: Delivery) -> dict[str, Any]:
    return _act(request, number, "deliver", steps.deliver, body)


@router.post("/{number}/withdraw", summary="登记申请人撤件", **STAFF)
def withdraw(request: HttpRequest, number: str, body: Reasoned) -> dict[str, Any]:
    """The applicant's own act, recorded by the window that takes the case's applications (受理)."""
    return _act(request, number, "withdraw", steps.withdraw, body)


# --- Statistics -------------------------------------------------------------------------------------


class StatsQuery(Schema):
    start: date = Field(description="统计期开始日期（含）")
    end: date = Field(description="统计期结束日期（含）")
    by: stats.By = Field(stats.By.ORGANISATION, description="organisation / window / item / month")
    organisation: str = Field("", max_length=30, description="只统计该单位（机构代码）")
    window: str = Field("", max_length=20, description="只统计该窗口（窗口号）")
    item: str = Field("", max_length=50, description="只统计该事项（实施编码）")


class StatsRow(Schema):
    key: str
    label: str
    accepted: int = Field(description="受理量")
    concluded: int = Field(description="办结量")
    immediate: int
    immediate_rate: float | None = Field(description="即办件率（%）")
    on_time: int
    on_time_rate: float | None = Field(description="按时办结率（%）")
    early: int
    early_rate: float | None = Field(description="提前办结率（%）")
    overdue: int = Field(description="超期件数")
    overdue_concluded: int
    overdue_open: int
    average_workdays: float | None = Field(description="承诺件平均办结用时（工作日）")


class Definition(Schema):
    term: str
    definition: str


class StatsOut(Schema):
    start: date
    end: date
    by: str
    definitions: list[Definition]
    rows: list[StatsRow]
    total: StatsRow


def _narrowed(q: StatsQuery) -> dict[str, int | None]:
    """The organisation, window and item named by their codes, or a field error naming the unknown one."""
    found: dict[str, int | None] = {"organisation_id": None, "window_id": None, "item_id": None}
    lookups: list[tuple[str, str, Any, str]] = [
        ("organisation", q.organisation, Organisation.objects.filter(code=q.organisation), "单位"),
        ("window", q.window, Window.objects.filter(number=q.window), "窗口"),
        ("item", q.item, ServiceItem.objects.filter(impl_code=q.item), "事项"),
    ]
    for name, code, rows, label in lookups:
        if code:
            pk = rows.values_list("pk", flat=True).first()
            if pk is None:
                raise ApplicationError(
                    f"没有该{label}", fields={name: [f"{label}：没有代码为 {code} 的{label}"]}
                )
            found[f"{name}_id"] = pk
    return found


@stats_router.get("/cases", response=StatsOut, summary="办件统计：受理量、办结量、即办件率、按时办结率等")
def case_stats(request: HttpRequest, q: Query[StatsQuery]) -> dict[str, Any]:
    visible = key_narrowed(request, organisations_for(_staff(request), "stats.view"))
    if visible is not None and not visible:
        raise NotPermitted("您无权查看办件统计")
    if q.end < q.start:
        raise ApplicationError("统计期有误", fields={"end": ["结束日期：不能早于开始日期"]})
    if (q.end - q.start).days >= MAX_STATS_DAYS:
        raise ApplicationError("统计期过长", fields={"end": ["结束日期：统计期不能超过3年"]})
    narrowed = _narrowed(q)
    org = narrowed["organisation_id"]
    if org is not None and visible is not None and org not in visible:
        raise NotPermitted("您无权查看该单位的办件统计")
    f = stats.StatsFilter(start=q.start, end=q.end, by=q.by, organisations=visible, **narrowed)
    rows, total = stats.case_stats(f)
    return {
        "start": q.start,
        "end": q.end,
        "by": q.by,
        "definitions": [{"term": t, "definition": d} for t, d in stats.DEFINITIONS],
        "rows": [r.as_dict() for r in rows],
        "total": total.as_dict(),
    }
