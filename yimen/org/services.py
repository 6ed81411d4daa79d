"""Write paths for accounts: sign-in bookkeeping, lockout and password changes."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from yimen.core import audit, batch
from yimen.org.models import Staff


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
