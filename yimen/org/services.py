"""Write paths for accounts: sign-in bookkeeping, lockout and password changes."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from yimen.core import audit, batch
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.org.models import ApiKey, ApiScope, Organisation, Staff
from yimen.org.permissions import can


def is_locked(staff: Staff, *, now: datetime | None = None) -> bool:
    return staff.locked_until is not None and staff.locked_until > (now or timezone.now())


@batch.atomic
def record_login_failure(*, username: str, now: datetime | None = None) -> Staff | None:
    """Count a failed sign-in; the N-th failure in a row locks the account for the configured minutes."""
    now = now or timezone.now()
    staff = Staff.objects.select_for_update().filter(username=username).first()
    if staff is None:
        return None
    Staff.objects.filter(pk=staff.pk).update(failed_logins=F("failed_logins") + 1)
    staff.refresh_from_db(fields=["failed_logins", "locked_until"])
    if staff.failed_logins >= settings.YIMEN["LOGIN_MAX_FAILURES"] and not is_locked(staff, now=now):
        staff.locked_until = now + timedelta(minutes=settings.YIMEN["LOGIN_LOCKOUT_MINUTES"])
        staff.save(update_fields=["locked_until"])
        audit.record(
            "auth.locked",
            staff,
            actor="系统",
            after={"failed_logins": staff.failed_logins, "locked_until": staff.locked_until},
        )
    return staff


@batch.atomic
def record_login_success(*, staff: Staff) -> None:
    if staff.failed_logins or staff.locked_until:
        Staff.objects.filter(pk=staff.pk).update(failed_logins=0, locked_until=None)
        staff.failed_logins, staff.locked_until = 0, None
    audit.record("auth.login", staff, actor=staff)


@batch.atomic
def change_password(*, staff: Staff, new_password: str) -> None:
    staff.set_password(new_password)
    staff.save(update_fields=["password"])
    audit.record("auth.password_changed", staff, actor=staff)


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
