"""Reads about organisations that pages, notices and messages share: the centre, units and windows."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from yimen.org.models import Organisation, OrganisationKind, SignInLock, Window


def centre() -> Organisation | None:
    """The service centre whose address, hours and phones head and foot every page."""
    return (
        Organisation.objects.filter(kind=OrganisationKind.CENTRE, is_active=True)
        .select_related("region")
        .order_by("region__code", "id")
        .first()
    )


def units_with_windows() -> QuerySet[Organisation]:
    """Organisations seated in the hall, each with its active windows (one query each, not per row)."""
    windows = Window.objects.filter(is_active=True).order_by("number")
    return (
        Organisation.objects.filter(is_active=True)
        .annotate(window_count=Count("windows", filter=Q(windows__is_active=True)))
        .filter(window_count__gt=0)
        .prefetch_related(Prefetch("windows", queryset=windows, to_attr="active_windows"))
        .order_by("code")
    )


def review_body(organisation: Organisation) -> str:
    """Who reviews this organisation's acts (行政复议法 第二十四条): a department's act is reviewed by the
    government it belongs to; otherwise the letter names 有管辖权的行政复议机关."""
    parent = organisation.parent
    if parent is not None and parent.kind == OrganisationKind.GOVERNMENT:
        return parent.name
    return "有管辖权的行政复议机关"


def lock_key(username: str) -> str:
    """The account name as the lockout counts it: `Clerk` and ` clerk` are one name."""
    return username.strip().lower()[:150]


def sign_in_locked(username: str, address: str, *, now: datetime | None = None) -> bool:
    """Is this account name locked for sign-ins from this client address (org.services.record_login_failure)?"""
    return SignInLock.objects.filter(
        username=lock_key(username), address=address, locked_until__gt=now or timezone.now()
    ).exists()


def current_lockouts(*, now: datetime | None = None) -> QuerySet[SignInLock]:
    """The pairs of account name and address locked now, the latest first: the security administrator's list."""
    return SignInLock.objects.filter(locked_until__gt=now or timezone.now()).order_by("-locked_at")


def lockout_burst(*, now: datetime | None = None) -> int:
    """The number of locks in the last LOGIN_BURST_MINUTES when it reaches LOGIN_BURST_LOCKS, else 0."""
    since = (now or timezone.now()) - timedelta(minutes=int(settings.YIMEN["LOGIN_BURST_MINUTES"]))
    count = SignInLock.objects.filter(locked_at__gt=since).count()
    return count if count >= int(settings.YIMEN["LOGIN_BURST_LOCKS"]) else 0
