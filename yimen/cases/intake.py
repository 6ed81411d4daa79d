"""Who applies and how a case is numbered: the applicant's data checked at once, numbers never reused."""

from __future__ import annotations

import functools
from datetime import date

from django.conf import settings
from django.db import connection

from yimen.cases.models import ApplicantKind, Case, CaseCounter
from yimen.catalog.models import ItemVersion, OnlineDepth, ServiceItem
from yimen.core import identity
from yimen.core.errors import ApplicationError
from yimen.core.people import Applicant

# 网上预审 (submit online, originals checked at the window) and 全程网办 take applications online;
# 网上咨询 and 表格下载 do not.
ONLINE_DEPTHS = frozenset({OnlineDepth.PRE_REVIEW, OnlineDepth.FULL})


def accepts_online(version: ItemVersion) -> bool:
    """Whether the guide's 网办深度 (三级 网上预审 or 四级 全程网办) takes applications online."""
    return version.online_depth in ONLINE_DEPTHS


def check_online(version: ItemVersion) -> None:
    """An item whose current guide is below 三级 is applied for at a window only, whatever the door."""
    if not accepts_online(version):
        message = (
            f"事项“{version.name}”的网办深度为“{version.get_online_depth_display()}”，"
            "低于三级（网上预审）的事项不受理网上申报，请到窗口办理"
        )
        raise ApplicationError("该事项不受理网上申报", fields={"item": [message]})


def _business_type(version: ItemVersion, chosen: str) -> tuple[str, list[str]]:
    """The business type the application is for: one the guide lists; the only one when it lists one."""
    types = [str(t) for t in version.business_types or []]
    chosen = chosen.strip()
    if not chosen:
        if len(types) > 1:
            return "", [f"业务类型：请选择本次办理的业务类型（该事项有：{'、'.join(types)}）"]
        return (types[0] if types else ""), []
    if chosen not in types:
        if not types:
            return "", ["业务类型：该事项未列出业务类型，不用填写"]
        return "", [f"业务类型：“{chosen}”不是该事项的业务类型（可选：{'、'.join(types)}）"]
    return chosen, []


def checked_applicant(applicant: Applicant, version: ItemVersion | None = None) -> dict[str, str]:
    """The applicant's fields, normalised, or every problem at once in Chinese; with the item's version,
    the business type too."""
    errors: dict[str, list[str]] = {}
    values = {
        "applicant_kind": applicant.kind,
        "applicant_name": applicant.name.strip(),
        "address": applicant.address.strip(),
    }
    if applicant.kind not in ApplicantKind.values:
        errors["kind"] = ["申请人类型：只能是自然人或法人"]
    if not values["applicant_name"]:
        errors["name"] = ["申请人：必填"]
    phone = identity.normalize(applicant.phone)
    if not (len(phone) == 11 and phone.isdigit() and phone[0] == "1" and phone[1] in "3456789"):
        errors["phone"] = ["手机号码：应为11位手机号码，用于接收办理进度短信"]
    values["phone"] = phone
    try:
        if applicant.kind == ApplicantKind.PERSON:
            values["id_number"] = identity.validate_id_number(applicant.id_number)
        elif applicant.kind == ApplicantKind.LEGAL:
            values["uscc"] = identity.validate_uscc(applicant.uscc)
            values["legal_representative"] = applicant.legal_representative.strip()
            if not values["legal_representative"]:
                errors["legal_representative"] = ["法定代表人：法人申请必填"]
    except identity.IdentityError as exc:
        errors["id_number" if applicant.kind == ApplicantKind.PERSON else "uscc"] = [str(exc)]
    if version is not None:
        values["business_type"], wrong = _business_type(version, applicant.business_type)
        if wrong:
            errors["business_type"] = wrong
    if errors:
        raise ApplicationError("申请人信息有误", fields=errors)
    return values


@functools.cache
def _case_id_sequence(alias: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [Case._meta.db_table, Case._meta.pk.column])
        row = cursor.fetchone()
    assert row is not None and row[0], "cases_case.id has no sequence"
    return str(row[0])


def _next_serial(prefix: str, *, with_id: bool = False) -> tuple[int, int | None]:
    """The prefix's next serial in one statement (INSERT … ON CONFLICT … DO UPDATE … RETURNING) and, with
    `with_id` (PostgreSQL), the next case id from the same round trip. The counter row stays locked until
    the caller's transaction commits, so two cases never share a number."""
    quote = connection.ops.quote_name
    table, last = quote(CaseCounter._meta.db_table), quote("last")
    upsert = (
        f"INSERT INTO {table} ({quote('prefix')}, {last}) VALUES (%s, 1)"
        f" ON CONFLICT ({quote('prefix')}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}"
    )
    params = [prefix]
    if with_id:
        upsert = f"WITH counted AS ({upsert}) SELECT {last}, nextval(%s::regclass) FROM counted"
        params.append(_case_id_sequence(connection.alias))
    with connection.cursor() as cursor:
        cursor.execute(upsert, params)
        row = cursor.fetchone()
    assert row is not None
    return int(row[0]), (int(row[1]) if with_id else None)


def case_number(item: ServiceItem, on: date, *, with_id: bool = False) -> tuple[str, int | None]:
    """办件编号: 实施编码 + yyyyMMdd + a 4-digit serial (the layout is configurable), never reused; and,
    with `with_id` (PostgreSQL only), the new case's id, so that the case can be inserted with the
    step's other writes instead of on its own to learn its id."""
    serial, pk = _next_serial(f"{item.impl_code}:{on:%Y%m%d}", with_id=with_id)
    layout: str = settings.YIMEN["CASE_NUMBER_LAYOUT"]
    return layout.format(impl_code=item.impl_code, date=on, serial=serial), pk
