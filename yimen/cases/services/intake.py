"""Filing a case: who applies (the applicant's data checked at once), how the case is numbered (numbers
never reused), and the submission itself, online or at a window, once per idempotency key."""

from __future__ import annotations

import functools
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from yimen.cases.events import SUBMITTED
from yimen.cases.models import ApplicantKind, Case, CaseCounter, Channel
from yimen.cases.transitions import emit, event, sms
from yimen.catalog.models import ItemVersion, OnlineDepth, ServiceItem
from yimen.core import audit, batch, identity
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.core.people import Applicant
from yimen.org.models import Staff, Window
from yimen.org.permissions import can

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
        f"INSERT INTO {table} ({quote('prefix')}, {last}) VALUES (%s, 1)"  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        f" ON CONFLICT ({quote('prefix')}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}"
    )
    params = [prefix]
    if with_id:
        upsert = f"WITH counted AS ({upsert}) SELECT {last}, nextval(%s::regclass) FROM counted"  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
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


@dataclass(frozen=True)
class Submitted:
    """What a submission filed: its case, or (`repeated`) the case an earlier one with the key filed."""

    case: Case
    repeated: bool = False


def submit(
    *,
    item: ServiceItem,
    applicant: Applicant,
    channel: str,
    by: Staff | None = None,
    window: Window | None = None,
    idempotency_key: str | None = None,
) -> Case:
    """A new application against the item's current guide: online by the applicant, or at a window.
    Either way the applicant is texted the 办件编号 and the 查询码 at once (case.submitted). A second
    submission with the same `idempotency_key` files nothing and returns the first one's case."""
    return submit_once(
        item=item, applicant=applicant, channel=channel, by=by, window=window, idempotency_key=idempotency_key
    ).case


def _filed_with(idempotency_key: str) -> Case | None:
    return Case.objects.select_related("version").filter(idempotency_key=idempotency_key).first()


@batch.atomic
def submit_once(
    *,
    item: ServiceItem,
    applicant: Applicant,
    channel: str,
    by: Staff | None = None,
    window: Window | None = None,
    idempotency_key: str | None = None,
) -> Submitted:
    """`submit`, saying whether this call filed the case or an earlier one with the same key had. Two
    racing calls with one key: the unique key makes the second wait for the first to commit, then
    take its case (its own insert is undone in a savepoint)."""
    if idempotency_key:
        earlier = _filed_with(idempotency_key)
        if earlier is not None:
            return Submitted(earlier, repeated=True)
    if not item.is_public:
        raise ApplicationError("该事项已停止办理", fields={"item": ["事项：已废止或尚未发布，不能申报"]})
    if channel == Channel.WINDOW:
        if by is None or window is None:
            raise ApplicationError("窗口受理需要经办人和窗口", fields={"window": ["窗口：必填"]})
        if not (window.is_comprehensive or can(by, "case.intake", item)):
            raise NotPermitted("本窗口不能受理该事项（非综合窗口，且不属于本单位）")
    assert item.current is not None
    if channel == Channel.ONLINE:
        check_online(item.current)
    values = checked_applicant(applicant, item.current)
    now = timezone.now()
    # On PostgreSQL the case's id comes with its number, and the case is written with the step's other
    # writes; a submission with a key is inserted at once, in a savepoint, to catch a racing twin.
    early_id = connection.vendor == "postgresql" and not idempotency_key
    try:
        with transaction.atomic() if idempotency_key else nullcontext():
            number, pk = case_number(item, timezone.localdate(now), with_id=early_id)
            case = Case(
                pk=pk,
                number=number,
                query_code=f"{secrets.randbelow(10**6):06d}",
                item=item,
                version=item.current,
                organisation_id=item.organisation_id,
                window=window,
                channel=channel,
                submitted_at=now,
                idempotency_key=idempotency_key or None,
                **values,
            )
            if pk is None:
                batch.insert_now(case)
            else:
                batch.insert(case, keep_pk=True)
    except IntegrityError:
        earlier = _filed_with(idempotency_key) if idempotency_key else None
        if earlier is None:
            raise
        return Submitted(earlier, repeated=True)
    event(case, "submit", by, note=Channel(channel).label)
    audit.record(
        "cases.submitted",
        case,
        actor=by or "申请人",
        after={"item": item.impl_code, "channel": channel, "business_type": case.business_type},
    )
    emit(case, SUBMITTED)
    sms(case, "case.submitted", code=case.query_code)
    return Submitted(case)
