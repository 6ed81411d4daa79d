"""The named cast every test can use (STYLE.md): 李窗口 the clerk, 王审批 the reviewer, 赵公开 the officer,
孙其他 of another department, 钱监察 the supervisor, 周管理 the administrator."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache as memoise
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.dispatch import receiver
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from yimen.catalog import search as catalog_search
from yimen.core import memo, search
from yimen.org.models import (
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    Role,
    Staff,
    StaffRole,
    Window,
)
from yimen.publishing import search as publication_search

PASSWORD = "Yimen@2026-test"


@memoise
def _password_hash() -> str:
    return make_password(PASSWORD)


@pytest.fixture(scope="session", autouse=True)
def _private_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Files the tests store (forms, uploads) go to a temporary folder, never into var/; the cache is
    in memory and emptied before each test (ids repeat across tests, so cached pages would not fit)."""
    from django.conf import settings
    from django.test import override_settings

    files = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("files"))},
    }
    memory = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(STORAGES={**settings.STORAGES, "default": files}, CACHES=memory):
        yield


@pytest.fixture(scope="session", autouse=True)
def _audit_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The audit log's signing key and anchor file are never var/'s: processes the tests start get a
    temporary anchor file by their environment, and each test its own (`_audit_anchors`)."""
    folder = tmp_path_factory.mktemp("audit")
    os.environ.setdefault("YIMEN_AUDIT_KEY", "test-audit-key-" + "0" * 32)
    os.environ.setdefault("YIMEN_AUDIT_ANCHOR_FILE", str(folder / "anchors.jsonl"))
    os.environ.setdefault("YIMEN_AUDIT_ARCHIVE_DIR", str(folder / "archive"))
    yield


@pytest.fixture(autouse=True)
def _audit_anchors(tmp_path: Path, settings: Any) -> None:
    """Each test's audit chain is anchored in a file of its own: another test's anchors would not fit it."""
    settings.YIMEN = {
        **settings.YIMEN,
        "AUDIT_KEY": "test-audit-key-" + "0" * 32,
        "AUDIT_ANCHOR_FILE": str(tmp_path / "audit-anchors.jsonl"),
        "AUDIT_ARCHIVE_DIR": str(tmp_path / "audit-archive"),
    }


@pytest.fixture(autouse=True)
def _empty_search_index(request: pytest.FixtureRequest) -> None:
    """Transactional tests empty the tables between tests, but not the search indexes (not models):
    the catalogue's and the publications'."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        search.clear(catalog_search.INDEX)
        publication_search.clear()


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """What this process keeps in memory was read from the last test's database: forgotten."""
    memo.forget_all()
    cache.clear()
    yield
    memo.forget_all()


@dataclass
class Cast:
    city: Region
    government: Organisation
    centre: Organisation
    market: Organisation
    police: Organisation
    window: Window
    clerk: Staff
    reviewer: Staff
    officer: Staff
    head: Staff
    other: Staff
    supervisor: Staff
    admin: Staff


def make_staff(
    username: str, full_name: str, organisation: Organisation, *roles: tuple[str, Organisation], **extra: Any
) -> Staff:
    """A staff member who has chosen their own password (no forced change) and enrolled a TOTP device.

    The device rides on the object as `otp_device`: django-otp then records it in the session at every
    `django.contrib.auth.login`, so `client.force_login(cast.supervisor)` stands for the whole sign-in,
    password and code. Tests of the sign-in itself post to /office/login/ and /office/login/code/
    (`current_code`)."""
    staff = Staff.objects.create(
        username=username,
        full_name=full_name,
        organisation=organisation,
        password=_password_hash(),
        password_changed_at=timezone.now(),
        **extra,
    )
    for role, org in roles:
        StaffRole.objects.create(staff=staff, role=role, organisation=org)
    staff.otp_device = TOTPDevice.objects.create(user=staff, name="测试", confirmed=True)  # type: ignore[attr-defined]
    return staff


@receiver(user_logged_in)
def _second_factor_of_the_test_client(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """What django-otp does for a user carrying `otp_device`, for the test client's `force_login` and
    `login` too (their request has no `user`, which django-otp's own receiver needs)."""
    device = getattr(user, "otp_device", None)
    if device is not None and device.user_id == user.pk:
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


def sign_in(client: Any, staff: Staff) -> Any:
    """`client.force_login` for a staff member read from the database: the whole sign-in, code included."""
    staff.otp_device = TOTPDevice.objects.filter(user=staff, confirmed=True).first()  # type: ignore[attr-defined]
    client.force_login(staff)
    return client


def current_code(staff: Staff) -> str:
    """The code `staff`'s authenticator app shows now. A TOTP code is accepted once per 30-second step:
    the device forgets the step it last accepted, so a test may sign the same person in twice."""
    device = TOTPDevice.objects.get(user=staff, confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def cast(db: None) -> Cast:
    return make_cast()


def make_cast() -> Cast:
    """The cast in the current database (the `cast` fixture's; also for processes a test starts)."""
    city = Region.objects.create(code="421200", name="咸宁市", level=RegionLevel.CITY)
    government = Organisation.objects.create(
        code="GOV", name="咸宁市人民政府", kind=OrganisationKind.GOVERNMENT, region=city
    )
    centre = Organisation.objects.create(
        code="ZWFW",
        name="咸宁市政务服务中心",
        kind=OrganisationKind.CENTRE,
        region=city,
        parent=government,
        address="咸宁市咸安区金桂路 99 号",
        office_hours="周一至周五 8:30–17:30",
        contact_phone="0715-8126517",
        supervision_phone="0715-12345",
    )
    market = Organisation.objects.create(
        code="SJJ",
        name="咸宁市市场监督管理局",
        kind=OrganisationKind.DEPARTMENT,
        region=city,
        parent=government,
    )
    police = Organisation.objects.create(
        code="GAJ", name="咸宁市公安局", kind=OrganisationKind.DEPARTMENT, region=city, parent=government
    )
    window = Window.objects.create(number="B012", name="市场监管窗口", supervision_phone="0715-8212345")
    window.organisations.add(market)
    return Cast(
        city=city,
        government=government,
        centre=centre,
        market=market,
        police=police,
        window=window,
        clerk=make_staff("clerk", "李窗口", market, (Role.CLERK, market), window=window),
        reviewer=make_staff("reviewer", "王审批", market, (Role.REVIEWER, market)),
        officer=make_staff("officer", "赵公开", centre, (Role.OFFICER, centre)),
        head=make_staff("head", "何主任", centre, (Role.DISCLOSURE_HEAD, centre)),
        other=make_staff("other", "孙其他", police, (Role.CLERK, police)),
        supervisor=make_staff("supervisor", "钱监察", centre, (Role.SUPERVISOR, government)),
        admin=make_staff("admin", "周管理", centre, (Role.ADMIN, government), is_staff=True),
    )


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


# The catalogue's people and the cases' items are wanted by portal, office and browser tests too.
from tests.cases.conftest import instant, joint, licence  # noqa: E402, F401
from tests.catalog.conftest import people  # noqa: E402, F401
from tests.certificates.combined_fixtures import combined_items, meal  # noqa: E402, F401
