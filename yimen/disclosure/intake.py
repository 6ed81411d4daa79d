"""Who asks and how a request is numbered (条例第二十九条): the applicant checked at once, numbers never reused."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F

from yimen.core import identity
from yimen.core.errors import ApplicationError
from yimen.disclosure.models import ApplicantType, DeliveryMethod, RequestCounter
from yimen.org.models import Organisation

# A mobile number or a landline with its area code (0715-8126517), digits and one optional dash.
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
_POSTCODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Applicant:
    """条例第二十九条第（一）项: the applicant's name, identity and how to reach them."""

    applicant_type: str
    name: str
    phone: str
    id_number: str = ""
    uscc: str = ""
    legal_representative: str = ""
    contact_person: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""


def checked_applicant(applicant: Applicant, *, delivery_method: str = "") -> dict[str, str]:
    """The applicant's columns, normalised, or every problem at once in Chinese (keys are the
    Applicant's field names)."""
    errors: dict[str, list[str]] = {}
    natural = applicant.applicant_type == ApplicantType.NATURAL
    values = {
        "applicant_type": applicant.applicant_type,
        "applicant_name": applicant.name.strip(),
        "id_number": "",
        "uscc": "",
        "legal_representative": "",
        "contact_person": applicant.contact_person.strip(),
        "email": applicant.email.strip(),
        "address": applicant.address.strip(),
        "postcode": identity.normalize(applicant.postcode),
    }
    if applicant.applicant_type not in ApplicantType.values:
        errors["applicant_type"] = [
            "申请人类型：只能是自然人，或商业企业、科研机构、社会公益组织、法律服务机构、其他"
        ]
    if not values["applicant_name"]:
        errors["name"] = ["申请人姓名或名称：必填"]
    try:
        if natural:
            values["id_number"] = identity.validate_id_number(applicant.id_number)
        elif applicant.applicant_type in ApplicantType.values:
            values["uscc"] = identity.validate_uscc(applicant.uscc)
    except identity.IdentityError as exc:
        errors["id_number" if natural else "uscc"] = [str(exc)]
    if not natural and applicant.applicant_type in ApplicantType.values:
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


def request_number(organisation: Organisation, received_on: date) -> str:
    """申请编号: the organisation's code, the receipt year and a serial of that organisation and year
    (no national layout is known: settings.YIMEN["DISCLOSURE_NUMBER_LAYOUT"]), never reused."""
    prefix = f"disclosure:{organisation.code}:{received_on.year}"
    RequestCounter.objects.get_or_create(prefix=prefix)
    RequestCounter.objects.filter(prefix=prefix).update(last=F("last") + 1)
    serial = RequestCounter.objects.get(prefix=prefix).last
    layout: str = settings.YIMEN.get("DISCLOSURE_NUMBER_LAYOUT", "{code}-YSQ-{year}-{serial:05d}")
    return layout.format(code=organisation.code, year=received_on.year, serial=serial)


def query_code() -> str:
    """查询码: six digits the applicant uses with the number to track the request."""
    return f"{secrets.randbelow(10**6):06d}"
