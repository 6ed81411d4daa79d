"""Registering a request (条例第二十九条): who asks (the applicant checked at once), how the request is
numbered (numbers never reused), and the registration itself, online or at the counter."""

from __future__ import annotations

import re
import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F

from yimen.core import batch, identity
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.core.people import Applicant
from yimen.disclosure import clock, deadlines
from yimen.disclosure.events import REGISTERED
from yimen.disclosure.models import (
    ApplicantType,
    Channel,
    DeliveryMethod,
    DisclosureRequest,
    EventKind,
    FormWanted,
    RequestCounter,
)
from yimen.disclosure.workflow import event, record, today
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can

# A mobile number or a landline with its area code (0715-8126517), digits and one optional dash.
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
_POSTCODE = re.compile(r"^\d{6}$")


def checked_applicant(applicant: Applicant, *, delivery_method: str = "") -> dict[str, str]:
    """The applicant's columns, normalised, or every problem at once in Chinese (keys are the
    Applicant's field names, except that its `kind` is the request's `applicant_type`)."""
    errors: dict[str, list[str]] = {}
    natural = applicant.kind == ApplicantType.NATURAL
    values = {
        "applicant_type": applicant.kind,
        "applicant_name": applicant.name.strip(),
        "id_number": "",
        "uscc": "",
        "legal_representative": "",
        "contact_person": applicant.contact_person.strip(),
        "email": applicant.email.strip(),
        "address": applicant.address.strip(),
        "postcode": identity.normalize(applicant.postcode),
    }
    if applicant.kind not in ApplicantType.values:
        errors["applicant_type"] = [
            "申请人类型：只能是自然人，或商业企业、科研机构、社会公益组织、法律服务机构、其他"
        ]
    if not values["applicant_name"]:
        errors["name"] = ["申请人姓名或名称：必填"]
    try:
        if natural:
            values["id_number"] = identity.validate_id_number(applicant.id_number)
        elif applicant.kind in ApplicantType.values:
            values["uscc"] = identity.validate_uscc(applicant.uscc)
    except identity.IdentityError as exc:
        errors["id_number" if natural else "uscc"] = [str(exc)]
    if not natural and applicant.kind in ApplicantType.values:
        values["legal_representative"] = applicant.legal_representative.strip()
        if not values["legal_representative"]:
            errors["legal_representative"] = ["法定代表人或负责人：法人或其他组织申请必填"]
    phone = identity.normalize(applicant.phone)
    if not _PHONE.match(phone):
        errors["phone"] = ["联系电话：应为11位手机号码，或带区号的固定电话（如 0715-8126517）"]
    values["phone"] = phone
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = ["电子邮箱：格式不正确"]
    elif delivery_method == DeliveryMethod.EMAIL:
        errors["email"] = ["电子邮箱：选择以电子邮件获取信息时必填"]
    if delivery_method == DeliveryMethod.POST and not values["address"]:
        errors["address"] = ["通信地址：选择邮寄时必填"]
    if values["postcode"] and not _POSTCODE.match(values["postcode"]):
        errors["postcode"] = ["邮政编码：应为6位数字"]
    if errors:
        raise ApplicationError("申请人信息有误", fields=errors)
    return values


_NUMBER_UNSAFE = re.compile(r"[/\\?#%]")


def number_taken(number: str) -> str:
    return f"申请编号：“{number}”已被使用，申请编号不能重复"


def checked_number(number: str) -> dict[str, list[str]]:
    """An office's own 申请编号 (already normalised as the tracking page reads it): at most 40 characters,
    none that a web address cannot carry, and not used before. The problems, keyed "number"."""
    limit = DisclosureRequest._meta.get_field("number").max_length or 40
    if len(number) > limit:
        return {"number": [f"申请编号：不能超过{limit}个字符"]}
    if _NUMBER_UNSAFE.search(number):
        return {"number": ["申请编号：不能含有 / \\ ? # % 字符"]}
    if DisclosureRequest.objects.filter(number=number).exists():
        return {"number": [number_taken(number)]}
    return {}


def request_numbers(organisation: Organisation, year: int, count: int) -> list[str]:
    """`count` new 申请编号 of the organisation and receipt year, in order: the organisation's code, the
    year and a serial of that organisation and year (no national layout is known:
    settings.YIMEN["DISCLOSURE_NUMBER_LAYOUT"]). The serials are reserved in one counter update, so
    numbers never repeat; a number already taken — an office's own number kept by the import — is
    skipped, never reused."""
    prefix = f"disclosure:{organisation.code}:{year}"
    layout: str = settings.YIMEN["DISCLOSURE_NUMBER_LAYOUT"]
    RequestCounter.objects.get_or_create(prefix=prefix)
    found: list[str] = []
    while len(found) < count:
        wanted = count - len(found)
        RequestCounter.objects.filter(prefix=prefix).update(last=F("last") + wanted)
        last = RequestCounter.objects.get(prefix=prefix).last
        numbers = [
            layout.format(code=organisation.code, year=year, serial=serial)
            for serial in range(last - wanted + 1, last + 1)
        ]
        taken = set(DisclosureRequest.objects.filter(number__in=numbers).values_list("number", flat=True))
        found += [number for number in numbers if number not in taken]
    return found


def request_number(organisation: Organisation, received_on: date) -> str:
    """申请编号 of a new request (see request_numbers)."""
    return request_numbers(organisation, received_on.year, 1)[0]


def query_code() -> str:
    """查询码: six digits the applicant uses with the number to track the request."""
    return f"{secrets.randbelow(10**6):06d}"


@batch.atomic
def register(
    *,
    organisation: Organisation,
    by: Staff | None,
    channel: str,
    applicant: Applicant,
    description: str,
    form_wanted: str,
    delivery_method: str,
    submitted_on: date,
    signed_on: date | None = None,
    confirmed_on: date | None = None,
    number: str | None = None,
) -> DisclosureRequest:
    """A new request (条例第二十九条): online by the applicant (`by` None), or written down by the officer
    at the counter; its receipt date follows its channel (第三十一条) and its deadline is set. An office
    moving to Yimen keeps its own 申请编号 (`number`: unique, stored as the tracking page reads it — no
    spaces, half-width, upper case); otherwise one is given. Either way the request gets a new 查询码."""
    if by is not None and not can(by, "disclosure.handle", organisation):
        raise NotPermitted("您无权登记该机关的政府信息公开申请")
    if by is None and channel != Channel.ONLINE:
        raise ApplicationError(
            "网上申请的渠道只能是网上申请", fields={"channel": ["申请渠道：网上提交只能为网上申请"]}
        )
    errors: dict[str, list[str]] = {}
    try:
        values = checked_applicant(applicant, delivery_method=delivery_method)
    except ApplicationError as exc:
        errors.update(exc.fields)
        values = {}
    if not description.strip():
        errors["description"] = ["所需政府信息的名称、文号或特征性描述：必填（条例第二十九条第（二）项）"]
    if form_wanted not in FormWanted.values:
        errors["form_wanted"] = ["获取信息的形式：只能是纸质文本、电子文件或当场查阅、抄录"]
    if delivery_method not in DeliveryMethod.values:
        errors["delivery_method"] = ["获取信息的方式：只能是邮寄、电子邮件、当面领取或网上获取"]
    try:
        received_on = deadlines.receipt_date(
            channel=channel, submitted_on=submitted_on, signed_on=signed_on, confirmed_on=confirmed_on
        )
    except ApplicationError as exc:
        errors.update(exc.fields)
        received_on = submitted_on
    if received_on > today() and "submitted_on" not in errors:
        errors["signed_on" if channel == Channel.REGISTERED_MAIL else "confirmed_on"] = [
            "收到申请之日：不能晚于今天"
        ]
    if submitted_on > today():
        errors["submitted_on"] = ["提交或寄出日期：不能晚于今天"]
    kept = identity.normalize(number or "")
    if kept and by is None:
        errors["number"] = ["申请编号：由受理机关编号，网上申请不能自定"]
    elif kept:
        errors.update(checked_number(kept))
    if errors:
        raise ApplicationError("申请信息有误", fields=errors)
    request = DisclosureRequest(
        number=kept or request_number(organisation, received_on),
        query_code=query_code(),
        organisation=organisation,
        channel=channel,
        submitted_on=submitted_on,
        received_on=received_on,
        clock_start_on=received_on,
        due_on=received_on,
        description=description.strip(),
        form_wanted=form_wanted,
        delivery_method=delivery_method,
        created_by=by,
        **values,
    )
    deadlines.apply(request)
    try:
        with transaction.atomic():  # a savepoint: the same kept number filed at this moment elsewhere
            request.save()
    except IntegrityError as exc:
        raise ApplicationError("申请编号重复", fields={"number": [number_taken(request.number)]}) from exc
    rules = clock.RULES[request.rules]
    event(
        request,
        EventKind.RECEIVED,
        by,
        received_on,
        note=deadlines.RECEIPT_RULES[channel],
        workdays=rules.reply_workdays,
    )
    record(request, REGISTERED, by, channel=channel, received_on=received_on, due_on=request.due_on)
    return request
