"""Disclosure requests over HTTP: /api/v1/disclosure-requests.

The public files a request online (POST, spending the portal forms' hourly submission budget) and
follows it with its number and 查询码 (GET, sharing the failed-lookup budget of 办件查询). Staff —
signed in to the office, sending the CSRF token in X-CSRFToken — list their queues, register requests
from the counter or the post, read a request with its clock explained, and take each step of the
workflow (api_steps.py). Errors are mapped in yimen/api.py: ApplicationError 422, TransitionError 409,
NotPermitted 403.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field, WithJsonSchema

from yimen.core.api_schema import CalendarDate, ErrorOut, choice_schema
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.core.identity import normalize
from yimen.core.people import Applicant
from yimen.core.throttle import SUBMISSIONS, guarded_lookup
from yimen.core.validation import label_fields
from yimen.disclosure import deadlines, queries
from yimen.disclosure.api_steps import PublicRequest, StaffRequest, request_for, staff, steps
from yimen.disclosure.models import (
    ApplicantType,
    Channel,
    DeliveryMethod,
    DisclosureRequest,
    FormWanted,
)
from yimen.disclosure.presenting import letter_problem, letter_response, public_view, staff_view
from yimen.disclosure.services import intake
from yimen.org.api_keys import key_narrowed, key_reaches, staff_auth
from yimen.org.models import ApiScope, Organisation, Staff
from yimen.org.permissions import can

router = Router(tags=["依申请公开"])
router.add_router("", steps)
PREFIX = "/api/v1/disclosure-requests"
label_fields(
    prefix=PREFIX,
    organisation="受理机关",
    applicant_type="申请人类型",
    name="申请人姓名或名称",
    id_number="公民身份号码",
    uscc="统一社会信用代码",
    legal_representative="法定代表人或负责人",
    contact_person="联系人",
    phone="联系电话",
    email="电子邮箱",
    address="通信地址",
    postcode="邮政编码",
    description="所需政府信息的描述",
    form_wanted="获取信息的形式",
    delivery_method="获取信息的方式",
    channel="申请渠道",
    submitted_on="提交或寄出日期",
    signed_on="签收日期",
    confirmed_on="确认日期",
    code="查询码",
    items="需要补正的事项",
    deadline_on="补正期限",
    content="补正内容",
    on="日期",
    party_kind="征求对象",
    party_name="对象名称",
    sent_on="发出日期",
    replied_on="收回日期",
    opinion="意见",
    workdays="延长工作日",
    reason="理由",
    due_on="延迟答复期限",
    method="计收方式",
    quantity="件次或页数",
    outcome="办理结果",
    reasons="理由",
    how_to_obtain="获取信息的方式、途径",
    publication="已主动公开信息的索引号",
    pages="提供页数",
    kind="类别",
    filed_on="申请或起诉日期",
    body="复议机关或法院",
    reference="案号",
    result="结果",
    decided_on="决定或判决日期",
)

NOT_FOUND = "申请编号或查询码不正确"
STAFF: dict[str, Any] = {"auth": staff_auth(ApiScope.DISCLOSURE)}


# --- filing and tracking ------------------------------------------------------------------------------


class ApplicantIn(Schema):
    applicant_type: ApplicantType = Field(description="natural 自然人；business 商业企业 … other 其他")
    name: str = Field(min_length=1, max_length=100, description="自然人姓名或单位名称")
    id_number: str = Field("", max_length=30, description="公民身份号码（自然人必填）")
    uscc: str = Field("", max_length=30, description="统一社会信用代码（法人或其他组织必填）")
    legal_representative: str = Field("", max_length=50)
    contact_person: str = Field("", max_length=50)
    phone: str = Field(min_length=1, max_length=20)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=200)
    postcode: str = Field("", max_length=10)


class RequestIn(ApplicantIn):
    organisation: str = Field(min_length=1, max_length=30, description="受理机关的机构代码")
    description: str = Field(
        min_length=1, max_length=5000, description="所需政府信息的名称、文号或特征性描述"
    )
    form_wanted: FormWanted = Field(description="paper 纸质 / electronic 电子 / inspection 查阅")
    delivery_method: Annotated[DeliveryMethod, WithJsonSchema(choice_schema(DeliveryMethod))]


class CounterIn(RequestIn):
    channel: Channel
    submitted_on: CalendarDate
    signed_on: CalendarDate | None = None
    confirmed_on: CalendarDate | None = None


class RequestCreated(Schema):
    number: str
    query_code: str = Field(description="6位查询码：凭申请编号和查询码查询进度")
    received_on: date
    due_on: date
    state: str


def _organisation(code: str) -> Organisation:
    found = Organisation.objects.filter(code=code.strip(), is_active=True).first()
    if found is None:
        raise ApplicationError(
            "没有该受理机关", fields={"organisation": [f"受理机关：没有代码为 {code} 的机关"]}
        )
    return found


def _register(body: RequestIn, *, by: Staff | None, **channel: Any) -> DisclosureRequest:
    fields = body.model_dump(include=set(ApplicantIn.model_fields))
    applicant = Applicant(kind=fields.pop("applicant_type"), **fields)
    return intake.register(
        organisation=_organisation(body.organisation),
        by=by,
        applicant=applicant,
        description=body.description,
        form_wanted=body.form_wanted,
        delivery_method=body.delivery_method,
        **channel,
    )


def _created(request: DisclosureRequest) -> Status[dict[str, Any]]:
    return Status(
        201,
        {
            "number": request.number,
            "query_code": request.query_code,
            "received_on": request.received_on,
            "due_on": request.due_on,
            "state": request.get_state_display(),
        },
    )


@router.post("", response={201: RequestCreated, 429: ErrorOut}, summary="网上提交政府信息公开申请")
def apply(request: HttpRequest, body: RequestIn) -> Status[dict[str, Any]]:
    """收到申请之日 is the day the portal confirms the request (条例第三十一条); on a rest day, the next
    working day. Requests filed here spend the same hourly budget per address as the portal's forms
    (429 once spent); a refused one spends nothing."""
    with SUBMISSIONS.spending(request) as ticket:
        if ticket is None:
            raise HttpError(429, SUBMISSIONS.message)
        filed = _register(body, by=None, channel=Channel.ONLINE, submitted_on=timezone.localdate())
    return _created(filed)


@router.post(
    "/counter", response={201: RequestCreated}, summary="登记当面、信函、传真、电子邮件或口头申请", **STAFF
)
def counter(request: HttpRequest, body: CounterIn) -> Status[dict[str, Any]]:
    if not key_reaches(request, _organisation(body.organisation)):
        raise NotPermitted("该接口密钥不能为这个受理机关登记申请")
    filed = _register(
        body,
        by=staff(request),
        channel=body.channel,
        submitted_on=body.submitted_on,
        signed_on=body.signed_on,
        confirmed_on=body.confirmed_on,
    )
    return _created(filed)


@router.get(
    "/{number}",
    response={200: PublicRequest, 403: ErrorOut, 429: ErrorOut},
    summary="申请进度查询（申请编号 + 查询码）",
)
def track(
    request: HttpRequest,
    number: str,
    code: str = Query(..., max_length=10, description="6位查询码"),
    tail: str | None = Query(None, max_length=4, description="手机号码后四位：该编号多次查询失败后需要"),
) -> dict[str, Any]:
    """An unknown number and a wrong code get the same 404; failures share 办件查询's budgets
    (core.throttle.guarded_lookup): 429 for an address that failed 10 times, 403 asking for `tail` on a
    number that failed 5 times."""
    return public_view(_tracked(request, number, code, tail))


def _tracked(request: HttpRequest, number: str, code: str, tail: str | None) -> DisclosureRequest:
    number = normalize(number)
    looked = guarded_lookup(request, number, tail, lambda tail: queries.lookup(number, normalize(code), tail))
    if looked.found is None:
        raise HttpError(*looked.answer(NOT_FOUND))
    return looked.found


@router.get(
    "/{number}/letter.{fmt}",
    response={200: None, 403: ErrorOut, 429: ErrorOut},
    summary="下载告知书（申请编号 + 查询码；fmt 为 pdf 或 docx）",
)
def letter(
    request: HttpRequest,
    number: str,
    fmt: str,
    code: str = Query(..., max_length=10),
    tail: str | None = Query(None, max_length=4, description="手机号码后四位：该编号多次查询失败后需要"),
) -> HttpResponse:
    return _letter(_tracked(request, number, code, tail), fmt)


def _letter(request: DisclosureRequest, fmt: str) -> HttpResponse:
    if problem := letter_problem(request, fmt):
        raise HttpError(404, problem)
    return letter_response(request, fmt)


# --- staff ---------------------------------------------------------------------------------------------


class ListQuery(Schema):
    queue: str = Field("open", description="open 办理中 / due_soon 临近到期 / overdue 已超期")
    q: str = Field("", max_length=50, description="申请编号、申请人或所需信息")


class ListItem(Schema):
    number: str
    applicant_name: str
    state: str
    state_label: str
    received_on: date
    due_on: date
    overdue: bool


@router.get("", response=list[ListItem], summary="待办申请（工作人员）", **STAFF)
def staff_list(request: HttpRequest, q: Query[ListQuery]) -> list[dict[str, Any]]:
    person, today = staff(request), timezone.localdate()
    if not can(person, "disclosure.handle"):
        raise NotPermitted("您无权办理政府信息公开申请")
    if q.q:
        found = queries.find(person, q.q)
    elif q.queue == "due_soon":
        found = queries.due_soon(person, today)
    elif q.queue == "overdue":
        found = queries.overdue(person, today)
    else:
        found = queries.open_requests(person)
    reach = key_narrowed(request, None)
    if reach is not None:
        found = found.filter(organisation_id__in=reach)
    return [
        {
            "number": r.number,
            "applicant_name": r.applicant_name,
            "state": r.state,
            "state_label": r.get_state_display(),
            "received_on": r.received_on,
            "due_on": r.due_on,
            "overdue": deadlines.is_overdue(r, today),
        }
        for r in found[:200]
    ]


@router.get("/{number}/staff", response=StaffRequest, summary="申请详情与期限计算（工作人员）", **STAFF)
def detail(request: HttpRequest, number: str) -> dict[str, Any]:
    return staff_view(request_for(request, number))


@router.get("/{number}/staff/letter.{fmt}", summary="下载告知书（工作人员）", **STAFF)
def staff_letter(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    return _letter(request_for(request, number), fmt)
