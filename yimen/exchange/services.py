"""Data exchange's use cases for staff, the one write path: the administrator keeps the targets (created,
changed, enabled, disabled); a rejected or dead row is re-queued under its own `row_guid`.

Re-queueing writes a new revision of the record (version + 1, the same content, an update) and owes it
to that one target only: the rejected delivery stays as it was, so the figures keep the rejection, and
the new delivery is marked a correction, so they count it too (stats.py). Each service is one
transaction with its audit entry; bad input raises `ApplicationError` naming the field and the rule,
and changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from django.db.models import F
from django.utils import timezone

from yimen.core import audit, batch
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.identity import mask_phone
from yimen.core.notify import validate_phone
from yimen.exchange.models import (
    Delivery,
    Kind,
    Operation,
    Record,
    Revision,
    Role,
    Signature,
    Status,
    Target,
    Transport,
)
from yimen.exchange.queries import MANAGE, REQUEUE, open_dead
from yimen.exchange.sync import fan_out, takes
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can

LIMIT_MINUTES = (1, 10080)  # 1 minute to 7 days
BATCH_SIZE = (1, 5000)
INTERVAL_SECONDS = (0, 86400)
ACK_MINUTES = (1, 10080)
SECRET_MIN = 16  # a signing or file key shorter than this is guessable
REASON_LIMIT = 300
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
# Table and column names a 前置库 target writes into: plain SQL identifiers, never anything to quote.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAPPING_KEYS = {"table", "fields", "omit", "constants", "values"}

FIELDS = (
    "code",
    "name",
    "role",
    "transport",
    "endpoint",
    "secret",
    "signature",
    "kinds",
    "mapping",
    "limit_minutes",
    "limits",
    "batch_size",
    "interval_seconds",
    "ack_minutes",
    "data_source",
    "organisation",
    "alert_phone",
)
REQUIRED = {
    "code": "代码：必填",
    "name": "名称：必填",
    "role": "类别：必填",
    "transport": "传输方式：必填",
    "endpoint": "地址：必填",
    "kinds": "接收的数据类别：至少选择一类",
}
# What the audit log keeps of a target: its settings, never its key, and the alert phone masked.
AUDITED = tuple(name for name in FIELDS if name != "secret")
KEY_CHANGED = "已设置新密钥"  # all the log says of a new key


# --- checks -----------------------------------------------------------------------------------------


def _in_range(value: Any, label: str, bounds: tuple[int, int]) -> tuple[int | None, str]:
    low, high = bounds
    try:
        number = int(value)
        if isinstance(value, bool) or str(value).strip() != str(number):
            raise ValueError
    except (TypeError, ValueError):
        return None, f"{label}：应为{low}至{high}之间的整数"
    if not low <= number <= high:
        return None, f"{label}：应为{low}至{high}之间的整数"
    return number, ""


def _endpoint_error(transport: str, endpoint: str) -> str:
    """The address a transport needs: a 前置库's mysql:// URL (its password in the key, never here), an
    http(s) URL, or an absolute directory for the batch files."""
    if not endpoint:
        return "地址：必填"
    if transport == Transport.FRONT_DB:
        parts = urlsplit(endpoint)
        if parts.scheme != "mysql" or not parts.hostname or not parts.path.strip("/"):
            return "地址：前置库应为 mysql://用户@主机:端口/库名"
        if parts.password:
            return "地址：数据库口令请填在“密钥”中，不要写在地址里"
        try:
            parts.port  # noqa: B018  (a port that is not a number raises)
        except ValueError:
            return "地址：端口应为数字"
    elif transport == Transport.HTTP:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "地址：HTTP 推送应为 http:// 或 https:// 开头的网址"
        if parts.username or parts.password:
            return "地址：网址中不能含用户名或口令，签名密钥请填在“密钥”中"
    elif transport == Transport.FILES:
        path = PurePosixPath(endpoint)
        if not path.is_absolute() or ".." in path.parts:
            return "地址：批量文件应为投放目录的绝对路径（以 / 开头，不含 ..）"
    return ""


def _kinds(value: Any) -> tuple[list[str], str]:
    if isinstance(value, str):
        value = [part for part in re.split(r"[\s,，、]+", value) if part]
    if not isinstance(value, list | tuple) or not value:
        return [], "接收的数据类别：至少选择一类"
    unknown = [str(kind) for kind in value if kind not in Kind.values]
    if unknown:
        return [], f"接收的数据类别：没有“{'、'.join(unknown)}”这一类"
    return list(dict.fromkeys(str(kind) for kind in value)), ""


def _json(value: Any, label: str) -> tuple[Any, str]:
    """A JSON value typed into a form, or one given as is."""
    if not isinstance(value, str):
        return value, ""
    if not value.strip():
        return {}, ""
    try:
        return json.loads(value), ""
    except json.JSONDecodeError as exc:
        return None, f"{label}：不是有效的 JSON（第{exc.lineno}行第{exc.colno}列）"


def _is_names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


def _mapping_errors(mapping: Any) -> list[str]:
    """The documented shape (models.Target): {kind: {"table": name, "fields": {ours: theirs}, "omit":
    [ours], "constants": {theirs: value}, "values": {ours: {our code: their code}}}}; the names a target
    writes (table, renamed and constant columns) are plain identifiers."""
    label = "字段映射"
    if not isinstance(mapping, dict):
        return [f"{label}：应为以数据类别为键的 JSON 对象"]
    errors = []
    for kind, rules in mapping.items():
        if kind not in Kind.values:
            errors.append(f"{label}：没有“{kind}”这一数据类别（键应为 up_pro_accept 等表名）")
            continue
        if not isinstance(rules, dict):
            errors.append(f"{label}：{kind} 的规则应为 JSON 对象")
            continue
        if extra := sorted(set(rules) - MAPPING_KEYS):
            errors.append(
                f"{label}：{kind} 不认识的规则“{'、'.join(extra)}”（可用 {'、'.join(sorted(MAPPING_KEYS))}）"
            )
        table = rules.get("table", kind)
        if not isinstance(table, str) or not IDENTIFIER.match(table):
            errors.append(f"{label}：{kind} 的 table 应为字母、数字和下划线组成的表名")
        fields = rules.get("fields", {})
        if not isinstance(fields, dict) or not all(
            isinstance(v, str) and IDENTIFIER.match(v) for v in fields.values()
        ):
            errors.append(f"{label}：{kind} 的 fields 应为“本系统字段: 对方字段”的对象，对方字段为合法列名")
        if not _is_names(rules.get("omit", [])):
            errors.append(f"{label}：{kind} 的 omit 应为字段名的列表")
        constants = rules.get("constants", {})
        if not isinstance(constants, dict) or not all(
            IDENTIFIER.match(k) and (v is None or isinstance(v, str | int | float | bool))
            for k, v in constants.items()
        ):
            errors.append(f"{label}：{kind} 的 constants 应为“列名: 文字或数字”的对象")
        values = rules.get("values", {})
        if not isinstance(values, dict) or not all(
            isinstance(codes, dict) and all(isinstance(v, str | int) for v in codes.values())
            for codes in values.values()
        ):
            errors.append(f"{label}：{kind} 的 values 应为“字段: {{本系统代码: 对方代码}}”的对象")
    return errors


def _limits(value: Any) -> tuple[dict[str, int], list[str]]:
    label = "分类时限（分钟）"
    if not isinstance(value, dict):
        return {}, [f"{label}：应为“数据类别: 分钟数”的 JSON 对象"]
    limits, errors = {}, []
    for kind, minutes in value.items():
        if kind not in Kind.values:
            errors.append(f"{label}：没有“{kind}”这一数据类别")
            continue
        number, error = _in_range(minutes, f"{label} {kind}", LIMIT_MINUTES)
        if error:
            errors.append(error)
        elif number is not None:
            limits[kind] = number
    return limits, errors


def _cleaned(target: Target | None, fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The new settings of a target, or the errors per field."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    clean: dict[str, Any] = {}
    for name, message in REQUIRED.items():
        if target is None and fields.get(name) in (None, "", [], ()):
            fail(name, message)
    if "code" in fields and "code" not in errors:
        code = str(fields["code"] or "").strip().lower()
        taken = Target.objects.filter(code=code)
        if target is not None:
            taken = taken.exclude(pk=target.pk)
        if not CODE.match(code):
            fail("code", "代码：2至40位小写字母、数字、连字符或下划线，以字母或数字开头")
        elif taken.exists():
            fail("code", f"代码：{code} 已被其他交换目标使用")
        clean["code"] = code
    if "name" in fields and "name" not in errors:
        name = str(fields["name"] or "").strip()
        if not name or len(name) > 100:
            fail("name", "名称：必填，不超过100字")
        clean["name"] = name
    for name, choices, label in (
        ("role", Role, "类别"),
        ("transport", Transport, "传输方式"),
        ("signature", Signature, "签名算法"),
    ):
        if name in fields and name not in errors:
            if fields[name] not in choices.values:
                fail(name, f"{label}：应为{'、'.join(str(c.label) for c in choices)}之一")
            clean[name] = fields[name]
    transport = clean.get("transport", target.transport if target else "")
    if "endpoint" in fields or "transport" in clean:
        endpoint = str(fields.get("endpoint", target.endpoint if target else "") or "").strip()
        error = "" if "endpoint" in errors or "transport" in errors else _endpoint_error(transport, endpoint)
        if error:
            fail("endpoint", error)
        clean["endpoint"] = endpoint
    secret = str(fields.get("secret") or "").strip()
    if secret:
        if len(secret) < SECRET_MIN and transport != Transport.FRONT_DB:
            fail("secret", f"密钥：至少{SECRET_MIN}个字符")
        clean["secret"] = secret
    elif transport in (Transport.HTTP, Transport.FILES) and not (target and target.secret):
        fail("secret", "密钥：HTTP 推送和加密批量文件须填写签名或加密密钥")
    if "kinds" in fields and "kinds" not in errors:
        kinds, error = _kinds(fields["kinds"])
        if error:
            fail("kinds", error)
        clean["kinds"] = kinds
    if "mapping" in fields:
        mapping, error = _json(fields["mapping"], "字段映射")
        for message in [error] if error else _mapping_errors(mapping):
            fail("mapping", message)
        clean["mapping"] = mapping
    if "limits" in fields:
        limits, error = _json(fields["limits"], "分类时限（分钟）")
        limits, messages = _limits(limits) if not error else ({}, [error])
        for message in messages:
            fail("limits", message)
        clean["limits"] = limits
    for name, label, bounds in (
        ("limit_minutes", "及时性时限（分钟）", LIMIT_MINUTES),
        ("batch_size", "每批条数", BATCH_SIZE),
        ("interval_seconds", "推送间隔（秒）", INTERVAL_SECONDS),
        ("ack_minutes", "前置库确认等待（分钟）", ACK_MINUTES),
    ):
        if name in fields and fields[name] not in (None, ""):
            number, error = _in_range(fields[name], label, bounds)
            if error:
                fail(name, error)
            clean[name] = number
    if "data_source" in fields:
        source = str(fields["data_source"] or "").strip()
        if not re.fullmatch(r"[0-9A-Za-z]{1,10}", source):
            fail("data_source", "数据来源代码：1至10位字母或数字")
        clean["data_source"] = source
    if "organisation" in fields:
        organisation = fields["organisation"]
        if organisation is not None and not isinstance(organisation, Organisation):
            fail("organisation", "限于单位：没有该单位")
        clean["organisation"] = organisation
    if "alert_phone" in fields:
        phone = str(fields["alert_phone"] or "").strip()
        if phone:
            try:
                phone = validate_phone(phone)
            except ApplicationError:
                fail("alert_phone", "告警手机：应为11位中国大陆手机号码（以1开头，第二位为3至9）")
        clean["alert_phone"] = phone
    return clean, errors


def _audited(target: Target) -> dict[str, Any]:
    shown: dict[str, Any] = {name: getattr(target, name) for name in AUDITED if name != "organisation"}
    shown["organisation"] = target.organisation_id
    shown["alert_phone"] = mask_phone(target.alert_phone) if target.alert_phone else ""
    return shown


# --- targets ----------------------------------------------------------------------------------------


def _require_admin(by: Staff) -> None:
    if not can(by, MANAGE):
        raise NotPermitted("只有系统管理员可以维护交换目标")


@batch.atomic
def save_target(*, by: Staff, target: Target | None = None, **fields: Any) -> Target:
    """A new target, or an existing one changed (only the fields given). The key is kept when left blank
    and never shown back or written to the audit log; a new one is recorded as changed, nothing more."""
    _require_admin(by)
    if unknown := sorted(set(fields) - set(FIELDS)):
        raise TypeError(f"save_target() got unknown fields: {', '.join(unknown)}")
    clean, errors = _cleaned(target, fields)
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    before = _audited(target) if target is not None else None
    saved = target or Target()
    for name, value in clean.items():
        setattr(saved, name, value)
    saved.save()
    after = _audited(saved)
    changed = {name: value for name, value in after.items() if before is None or before[name] != value}
    if "secret" in clean:
        changed["secret"] = KEY_CHANGED
    audit.record(
        "exchange.target_saved",
        saved,
        actor=by,
        before={name: before[name] for name in changed if name in before} if before else None,
        after=changed,
    )
    return saved


@batch.atomic
def enable_target(*, target: Target, by: Staff) -> Target:
    """启用: pushing resumes with what it owes (rows owed while it was off wait as pending)."""
    _require_admin(by)
    if target.active:
        raise TransitionError(f"交换目标“{target.name}”已在启用状态")
    reason = target.disabled_reason
    target.active, target.disabled_at, target.disabled_reason = True, None, ""
    target.save(update_fields=["active", "disabled_at", "disabled_reason"])
    audit.record("exchange.target_enabled", target, actor=by, before={"reason": reason})
    return target


@batch.atomic
def disable_target(*, target: Target, by: Staff, reason: str) -> Target:
    """停用, with the reason the list shows: nothing is pushed to it; what it is owed is kept."""
    _require_admin(by)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_LIMIT:
        message = f"停用原因：必填，不超过{REASON_LIMIT}字"
        raise ApplicationError(message, fields={"reason": [message]})
    if not target.active:
        raise TransitionError(f"交换目标“{target.name}”已停用")
    target.active, target.disabled_at, target.disabled_reason = False, timezone.now(), reason
    target.save(update_fields=["active", "disabled_at", "disabled_reason"])
    audit.record("exchange.target_disabled", target, actor=by, after={"reason": reason})
    return target


# --- re-queueing ------------------------------------------------------------------------------------


def _requeue(deliveries: Iterable[Delivery], target: Target, *, now: datetime) -> list[Delivery]:
    """A new revision of each row (the same content, version + 1, an update) owed to `target` only."""
    record_ids = [delivery.record_id for delivery in deliveries]
    records = list(Record.objects.select_for_update().filter(pk__in=record_ids).order_by("pk"))
    latest = {
        revision.record_id: revision
        for revision in Revision.objects.filter(record__in=records, version=F("record__version"))
    }
    revisions = []
    for record in records:
        current = latest[record.pk]
        record.version += 1
        record.changed_at = now  # the re-sent row's clock starts now
        revisions.append(
            Revision(
                record=record,
                version=record.version,
                operation=Operation.DELETE if current.operation == Operation.DELETE else Operation.UPDATE,
                payload=current.payload,
                changed_at=now,
                created_at=now,
            )
        )
    Record.objects.bulk_update(records, ["version", "changed_at"])
    Revision.objects.bulk_create(revisions)
    return fan_out(revisions, [target], now=now)


def _refusal(delivery: Delivery) -> str:
    if delivery.status not in (Status.REJECTED, Status.DEAD):
        return f"该记录当前为“{Status(delivery.status).label}”，只有被退回或推送失败的记录可以重新推送"
    later = Delivery.objects.filter(
        target_id=delivery.target_id, record_id=delivery.record_id, pk__gt=delivery.pk
    )
    if later.exists():
        return "该记录已重新推送或已有更新的版本待推送，无需再次推送"
    record = delivery.record
    if not takes(delivery.target, record.kind, record.organisation_id):
        return f"交换目标“{delivery.target.name}”已不再接收该类数据，无法重新推送"
    return ""


@batch.atomic
def requeue(*, delivery: Delivery, by: Staff) -> Delivery:
    """重新推送 one rejected or dead row under the same `row_guid`, once its record is right."""
    if not can(by, REQUEUE, delivery.record):
        raise NotPermitted("您无权重新推送该单位的记录")
    delivery = (
        Delivery.objects.select_related("record", "target")
        .select_for_update(of=("self",))
        .get(pk=delivery.pk)
    )
    if refusal := _refusal(delivery):
        raise TransitionError(refusal)
    (owed,) = _requeue([delivery], delivery.target, now=timezone.now())
    made = Delivery.objects.select_related("record", "revision").get(
        target_id=delivery.target_id, revision=owed.revision
    )
    audit.record(
        "exchange.requeued",
        delivery.record,
        actor=by,
        before={
            "status": delivery.status,
            "err_type": delivery.err_type,
            "version": made.revision.version - 1,
        },
        after={
            "target": delivery.target.code,
            "row_guid": delivery.record.row_guid,
            "version": made.revision.version,
        },
    )
    return made


@batch.atomic
def requeue_dead(*, target: Target, by: Staff) -> int:
    """全部重新推送: every dead letter of the target not sent again yet (the administrator, after the
    target is back); how many were owed again."""
    _require_admin(by)
    dead = list(open_dead(Delivery.objects.filter(target=target)).select_related("record").order_by("pk"))
    dead = [
        delivery for delivery in dead if takes(target, delivery.record.kind, delivery.record.organisation_id)
    ]
    if not dead:
        raise TransitionError(f"交换目标“{target.name}”没有待重新推送的失败记录")
    made = _requeue(dead, target, now=timezone.now())
    audit.record(
        "exchange.dead_requeued",
        target,
        actor=by,
        after={"count": len(made), "row_guids": [d.record.row_guid for d in dead[:100]]},
    )
    return len(made)
