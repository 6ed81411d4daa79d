"""Supervisors and administrators read the audit log and check its integrity from the office."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import make_staff
from yimen.core import audit
from yimen.org.models import Role, StaffRole

pytestmark = pytest.mark.django_db


def test_supervisor_sees_entries_and_a_passing_check(client: Client, cast) -> None:
    audit.record("org.window_renamed", cast.window, actor=cast.admin, organisation_id=cast.market.pk)
    client.force_login(cast.supervisor)
    page = client.get("/office/audit/?verify=1").content.decode()
    assert "org.window_renamed" in page and "周管理" in page
    assert "完整性校验通过：共 1 条" in page


def test_a_tampered_log_fails_the_check_on_the_page(client: Client, cast) -> None:
    audit.record("a", cast.clerk, actor=cast.admin)
    audit.record("b", cast.clerk, actor=cast.admin)
    audit.seal()  # as the worker does every second
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'c' WHERE seq = 1")
    client.force_login(make_staff("auditor", "审计员", cast.centre, (Role.AUDIT_ADMIN, cast.government)))
    assert "审计日志第 1 条的内容已被篡改" in client.get("/office/audit/?verify=1").content.decode()


def test_entries_of_other_organisations_are_not_listed(client: Client, cast) -> None:
    """An audit administrator of the market bureau alone sees the market bureau's entries only."""
    StaffRole.objects.create(staff=cast.reviewer, role=Role.AUDIT_ADMIN, organisation=cast.market)
    audit.record("market.thing", cast.clerk, actor=cast.admin)
    audit.record("police.thing", cast.other, actor=cast.admin)
    client.force_login(cast.reviewer)
    page = client.get("/office/audit/").content.decode()
    assert "market.thing" in page and "police.thing" not in page


def test_a_clerk_may_not_read_the_audit_log(client: Client, cast) -> None:
    client.force_login(cast.clerk)
    response = client.get("/office/audit/")
    assert response.status_code == 403 and "无权访问" in response.content.decode()
