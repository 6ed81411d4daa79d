"""Write paths for accounts: sign-in bookkeeping and lockout, passwords, second factors, role grants, and
machine clients' API keys."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp.plugins.otp_totp.models import TOTPDevice

from yimen.core import audit, batch
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.org.models import (
    SEPARATED_ROLES,
    ApiKey,
    ApiScope,
    Organisation,
    Role,
    SignInLock,
    Staff,
    StaffRole,
)
from yimen.org.permissions import can
from yimen.org.queries import lock_key

UNSIGNED = "未登录用户"


def lock_minutes(lockouts: int) -> int:
    """GB/T 22239-2019 8.1.4.1 b 限制非法登录次数: the first lock of a pair lasts LOGIN_LOCKOUT_MINUTES (30),
    each further one twice the one before, up to LOGIN_LOCKOUT_MAX_MINUTES."""
    first = int(settings.YIMEN["LOGIN_LOCKOUT_MINUTES"])
    return min(first * 2 ** max(lockouts - 1, 0), int(settings.YIMEN["LOGIN_LOCKOUT_MAX_MINUTES"]))


@batch.atomic
def record_login_failure(*, username: str, address: str, now: datetime | None = None) -> SignInLock:
    """Count a failed sign-in (wrong password, or wrong second-factor code) of `username` from `address`.

    The LOGIN_MAX_FAILURES-th failure in a row locks this pair only: the owner signing in from elsewhere is
    not affected. A name that matches no account is counted the same way, so nothing here tells a guesser
    whether an account exists. Each lock is audited; a burst of locks across the site is alerted."""
    now = now or timezone.now()
    lock, _ = SignInLock.objects.select_for_update().get_or_create(
        username=lock_key(username), address=address, defaults={"last_failure_at": now}
    )
    if lock.locked_until is not None and lock.locked_until <= now:
        lock.failures, lock.locked_until = 0, None  # the lock has run out: a new round of attempts
    if now - lock.last_failure_at > timedelta(minutes=int(settings.YIMEN["LOGIN_LOCKOUT_MAX_MINUTES"])):
        lock.lockouts = 0  # quiet for a day: the next lock is short again
    lock.failures += 1
    lock.last_failure_at = now
    audit.record(
        "auth.login_failed", lock, actor=UNSIGNED, after={"username": lock.username, "address": address}
    )
    if lock.failures >= int(settings.YIMEN["LOGIN_MAX_FAILURES"]) and lock.locked_until is None:
        lock.lockouts += 1
        lock.locked_at = now
        lock.locked_until = now + timedelta(minutes=lock_minutes(lock.lockouts))
        audit.record(
            "auth.locked",
            lock,
            actor="系统",
            after={
                "username": lock.username,
                "address": address,
                "failures": lock.failures,
                "lockouts": lock.lockouts,
                "locked_until": lock.locked_until,
            },
        )
        _alert_on_burst(now)
    lock.save()
    return lock


def _alert_on_burst(now: datetime) -> None:
    """GB/T 22239-2019 8.1.4.4 f 检测入侵并报警: LOGIN_BURST_LOCKS locks within LOGIN_BURST_MINUTES (counting
    this one) look like an attack on many accounts: one audit entry when the count reaches the threshold."""
    since = now - timedelta(minutes=int(settings.YIMEN["LOGIN_BURST_MINUTES"]))
    recent = SignInLock.objects.filter(locked_at__gt=since).count() + 1
    if recent == int(settings.YIMEN["LOGIN_BURST_LOCKS"]):
        audit.record(
            "auth.lockout_burst",
            actor="系统",
            object_type="org.signinlock",
            object_repr=f"{settings.YIMEN['LOGIN_BURST_MINUTES']} 分钟内 {recent} 次登录锁定",
            after={"locks": recent, "minutes": settings.YIMEN["LOGIN_BURST_MINUTES"]},
        )


@batch.atomic
def record_login_success(*, staff: Staff, address: str, second_factor: bool) -> None:
    """A completed sign-in forgets the failures of this account from this address."""
    SignInLock.objects.filter(username=lock_key(staff.username), address=address).delete()
    audit.record("auth.login", staff, actor=staff, after={"address": address, "second_factor": second_factor})


@batch.atomic
def record_logout(*, staff: Staff, reason: str) -> None:
    """GB/T 22239-2019 8.1.4.3 a: the end of a session is audited too — signed out, or ended by a limit."""
    audit.record("auth.logout", staff, actor=staff, after={"reason": reason})


@batch.atomic
def unlock(*, lock: SignInLock, by: Staff) -> None:
    """The security administrator lifts a lock before it runs out."""
    audit.record(
        "auth.unlocked",
        lock,
        actor=by,
        before={"username": lock.username, "address": lock.address, "locked_until": lock.locked_until},
    )
    lock.delete()


@batch.atomic
def change_password(*, staff: Staff, new_password: str) -> None:
    staff.set_password(new_password)
    staff.password_changed_at = timezone.now()
    staff.save(update_fields=["password", "password_changed_at"])
    audit.record("auth.password_changed", staff, actor=staff)


def password_must_change(staff: Staff, *, now: datetime | None = None) -> str:
    """Why `staff` must change the password before anything else, or "" (GB/T 22239-2019 8.1.4.1 a: 定期更换;
    an initial password set by someone else is changed at the first sign-in)."""
    if staff.password_changed_at is None:
        return "首次登录或密码由管理员设置，请先修改密码。"
    days = int(settings.YIMEN["PASSWORD_MAX_AGE_DAYS"])
    if (now or timezone.now()) - staff.password_changed_at > timedelta(days=days):
        return f"密码已使用超过 {days} 天，请先修改密码。"
    return ""


@batch.atomic
def enrol_second_factor(*, staff: Staff, device: TOTPDevice) -> None:
    """The staff member proved the authenticator app holds the key: the device becomes theirs."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=staff).exclude(pk=device.pk).delete()
    audit.record("auth.second_factor_enrolled", staff, actor=staff)


@batch.atomic
def reset_second_factor(*, staff: Staff, by: Staff) -> None:
    """A lost phone: the security administrator removes the device; the next sign-in enrols a new one."""
    removed = TOTPDevice.objects.filter(user=staff).delete()[0]
    audit.record("auth.second_factor_reset", staff, actor=by, before={"devices": removed})


def separation_error(roles: Iterable[str], *, superuser: bool = False) -> str:
    """三权分立 (GB/T 22239-2019 8.1.4.2 d; 8.1.5.1–8.1.5.3): the message refusing an account that would hold
    two of 系统管理员 / 安全管理员 / 审计管理员 (a superuser counts as a system administrator), or ""."""
    duties = {role for role in roles if role in SEPARATED_ROLES}
    if superuser:
        duties.add(Role.ADMIN)
    if len(duties) < 2:
        return ""
    names = "、".join(Role(role).label for role in SEPARATED_ROLES if role in duties)
    return f"三权分立：系统管理员、安全管理员、审计管理员不能由同一账号兼任（该账号将同时是{names}）。"


@batch.atomic
def grant_role(*, staff: Staff, role: str, organisation: Organisation, by: Any) -> StaffRole:
    """Give `staff` a role over `organisation` (and every organisation below it)."""
    held = list(StaffRole.objects.filter(staff=staff).values_list("role", "organisation_id"))
    if message := separation_error([*(r for r, _ in held), role], superuser=staff.is_superuser):
        raise ApplicationError(message, fields={"role": [message]})
    if role in SEPARATED_ROLES and any(r == role and o != organisation.pk for r, o in held):
        message = f"该账号已在另一机构担任{Role(role).label}，其范围已包括下级机构，不能再在别处兼任。"
        raise ApplicationError(message, fields={"organisation": [message]})
    grant, created = StaffRole.objects.get_or_create(staff=staff, role=role, organisation=organisation)
    if created:
        audit.record(
            "org.role_granted",
            grant,
            actor=by,
            organisation_id=organisation.pk,
            after={"staff": staff.username, "role": role, "organisation": organisation.code},
        )
    return grant


# --- machine clients' API keys ------------------------------------------------------------------------

KEY_PREFIX = "ym"
MAX_KEY_DAYS = 366
_KEY_SALT = "yimen.org.api-key"


def api_key_digest(plain: str, secret: str | bytes | None = None) -> str:
    """HMAC-SHA256 of the whole key under the SECRET_KEY: a key has 256 random bits, so a fast keyed hash
    is enough, and the table alone does not let anyone test guesses."""
    return salted_hmac(_KEY_SALT, plain, secret=secret, algorithm="sha256").hexdigest()


def api_key_for(plain: str) -> ApiKey | None:
    """The key whose secret this is (revoked and expired ones too, so the refusal can say why), or None;
    the digest is compared in constant time, also under SECRET_KEY_FALLBACKS while a key is rotated."""
    prefix, _, rest = plain.strip().partition("_")
    key_id, _, _secret = rest.partition("_")
    if prefix != KEY_PREFIX or not key_id or not _secret:
        return None
    key = ApiKey.objects.select_related("staff").filter(key_id=key_id).first()
    if key is None:
        return None
    secrets_ = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    if any(constant_time_compare(api_key_digest(plain.strip(), s), key.digest) for s in secrets_):
        return key
    return None


@batch.atomic
def issue_api_key(
    *,
    name: str,
    staff: Staff | None,
    organisations: list[Organisation],
    scopes: list[str],
    per_minute: int,
    expires_at: datetime,
    by: Staff,
) -> tuple[ApiKey, str]:
    """A new key for a machine client; the plain key is returned once and never stored."""
    if not can(by, "security.manage"):
        raise NotPermitted("只有安全管理员可以签发接口密钥")
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["接入系统名称：不能为空"]
    unknown = [s for s in scopes if s not in ApiScope.values]
    if not scopes or unknown:
        errors["scopes"] = ["可调用的接口：至少选择一项，且只能从列出的接口中选择"]
    staff_scopes = [s for s in scopes if s != ApiScope.SMS_STATUS]
    if staff_scopes and staff is None:
        errors["staff"] = ["代表的接口账户：办件、依申请公开和统计接口须指定账户"]
    if staff_scopes and not organisations:
        errors["organisations"] = ["可办理的单位：至少选择一个"]
    if not 1 <= per_minute <= 6000:
        errors["per_minute"] = ["每分钟调用上限：应在1至6000之间"]
    now = timezone.now()
    if not now < expires_at <= now + timedelta(days=MAX_KEY_DAYS):
        errors["expires_at"] = [f"有效期至：应晚于现在，且不超过{MAX_KEY_DAYS}天"]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    return _new_key(
        name=name,
        staff=staff,
        organisations=organisations,
        scopes=scopes,
        per_minute=per_minute,
        expires_at=expires_at,
        by=by,
    )


def _new_key(
    *,
    name: str,
    staff: Staff | None,
    organisations: list[Organisation],
    scopes: list[str],
    per_minute: int,
    expires_at: datetime,
    by: Staff,
) -> tuple[ApiKey, str]:
    """The key written and audited, once its issuer's right and its fields are checked."""
    key_id = secrets.token_hex(6)
    plain = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name.strip(),
        key_id=key_id,
        digest=api_key_digest(plain),
        staff=staff,
        scopes=sorted(set(scopes)),
        per_minute=per_minute,
        expires_at=expires_at,
        created_by=by,
    )
    key.organisations.set(organisations)
    after = {
        "name": key.name,
        "staff": staff.username if staff else "",
        "organisations": sorted(o.code for o in organisations),
        "scopes": key.scopes,
        "per_minute": per_minute,
        "expires_at": expires_at,
    }
    audit.record("apikey.issued", key, actor=by, after=after)
    return key, plain


OPEN_DATA_PER_MINUTE = 60


@batch.atomic
def issue_open_data_key(
    *, name: str, organisation: Organisation, expires_at: datetime, by: Staff
) -> tuple[ApiKey, str]:
    """The key an approved application to 有条件开放 data receives: scope `opendata.read` only, no staff
    account behind it, 60 calls a minute. It is issued by the administrator who approves the application
    (org.manage over the data provider, `organisation`), not by the security administrator: it reads
    nothing but data sets that provider already publishes, and which of them the application's approval
    says (opendata keeps that list); it is revoked on 接口密钥 like any other key."""
    if not can(by, "org.manage", organisation):
        raise NotPermitted("只有数据提供方的系统管理员可以签发数据开放接口密钥")
    now = timezone.now()
    if not now < expires_at <= now + timedelta(days=MAX_KEY_DAYS):
        message = f"有效期至：应晚于现在，且不超过{MAX_KEY_DAYS}天"
        raise ApplicationError(message, fields={"expires_at": [message]})
    if not name.strip():
        raise ApplicationError("接入系统名称：不能为空", fields={"name": ["接入系统名称：不能为空"]})
    return _new_key(
        name=name[:100],
        staff=None,
        organisations=[organisation],
        scopes=[ApiScope.OPENDATA_READ],
        per_minute=OPEN_DATA_PER_MINUTE,
        expires_at=expires_at,
        by=by,
    )


@batch.atomic
def revoke_api_key(*, key: ApiKey, by: Staff) -> None:
    if not can(by, "security.manage"):
        raise NotPermitted("只有安全管理员可以吊销接口密钥")
    if key.revoked_at is not None:
        raise ApplicationError("该接口密钥已吊销")
    key.revoked_at, key.revoked_by = timezone.now(), by
    key.save(update_fields=["revoked_at", "revoked_by"])
    audit.record("apikey.revoked", key, actor=by, after={"revoked_at": key.revoked_at})


@batch.atomic
def record_api_key_use(*, key: ApiKey, request: str, refused: str = "") -> None:
    """Every call made with a key, and every refusal of a known key, in the audit log (GB/T 22239-2019
    8.1.4.3 a: 审计覆盖到每个用户)."""
    if not refused:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    after = {"request": request[:200], **({"refused": refused} if refused else {})}
    actor = key.staff or f"接口密钥 {key.key_id}"
    audit.record("apikey.refused" if refused else "apikey.used", key, actor=actor, after=after)
