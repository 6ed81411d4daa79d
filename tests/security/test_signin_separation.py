"""三权分立 (GB/T 22239-2019 8.1.4.2 d; 8.1.5.1–8.1.5.3): system, security and audit administrator are held
by different accounts — refused by the service that grants roles, by the admin's staff form and by the
database; the system administrator does not read the audit log; the audit administrator reads it and
changes nothing else."""

from __future__ import annotations

import itertools

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from tests.conftest import make_staff
from yimen.core.errors import ApplicationError
from yimen.core.models import AuditEntry
from yimen.org import services
from yimen.org.models import SEPARATED_ROLES, Role, StaffRole
from yimen.org.permissions import ROLE_ACTIONS, VIEW

pytestmark = pytest.mark.django_db


def test_the_three_administrators_share_no_permission() -> None:
    for one, other in itertools.combinations(SEPARATED_ROLES, 2):
        assert (ROLE_ACTIONS[one] & ROLE_ACTIONS[other]) == {VIEW}, (one, other)


@pytest.mark.parametrize("second", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_the_service_refuses_a_second_duty(cast, second) -> None:
    with pytest.raises(ApplicationError) as refused:
        services.grant_role(staff=cast.admin, role=second, organisation=cast.government, by=cast.admin)
    assert "三权分立" in refused.value.message and "系统管理员" in refused.value.message
    assert not StaffRole.objects.filter(staff=cast.admin, role=second).exists()


def test_the_service_grants_and_audits_an_allowed_role(cast) -> None:
    services.grant_role(staff=cast.clerk, role=Role.AUDIT_ADMIN, organisation=cast.government, by=cast.admin)
    assert StaffRole.objects.filter(staff=cast.clerk, role=Role.AUDIT_ADMIN).exists()
    assert AuditEntry.objects.filter(action="org.role_granted").exists()
    with pytest.raises(ApplicationError):
        services.grant_role(staff=cast.clerk, role=Role.ADMIN, organisation=cast.market, by=cast.admin)


def test_a_superuser_counts_as_the_system_administrator(cast) -> None:
    cast.clerk.is_superuser = True
    cast.clerk.save()
    with pytest.raises(ApplicationError):
        services.grant_role(
            staff=cast.clerk, role=Role.AUDIT_ADMIN, organisation=cast.government, by=cast.admin
        )


def test_the_database_refuses_a_second_duty_written_past_the_service(cast) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffRole.objects.create(staff=cast.admin, role=Role.AUDIT_ADMIN, organisation=cast.government)


def test_the_admins_staff_form_refuses_two_duties_added_at_once(client: Client, cast) -> None:
    cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    clerk = cast.clerk
    existing = StaffRole.objects.get(staff=clerk)
    data = {
        "username": clerk.username,
        "full_name": clerk.full_name,
        "phone": "",
        "organisation": cast.market.pk,
        "window": cast.window.pk,
        "is_active": "on",
        "roles-TOTAL_FORMS": "3",
        "roles-INITIAL_FORMS": "1",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-id": existing.pk,
        "roles-0-staff": clerk.pk,
        "roles-0-role": Role.CLERK,
        "roles-0-organisation": cast.market.pk,
        "roles-1-staff": clerk.pk,
        "roles-1-role": Role.SECURITY_ADMIN,
        "roles-1-organisation": cast.government.pk,
        "roles-2-staff": clerk.pk,
        "roles-2-role": Role.AUDIT_ADMIN,
        "roles-2-organisation": cast.government.pk,
    }
    response = client.post(f"/admin/org/staff/{clerk.pk}/change/", data)
    assert response.status_code == 200
    assert "三权分立" in response.content.decode() and "安全管理员、审计管理员" in response.content.decode()
    assert list(StaffRole.objects.filter(staff=clerk).values_list("role", flat=True)) == [Role.CLERK]
    del data["roles-2-role"], data["roles-2-organisation"], data["roles-2-staff"]
    assert client.post(f"/admin/org/staff/{clerk.pk}/change/", data).status_code == 302
    assert StaffRole.objects.filter(staff=clerk, role=Role.SECURITY_ADMIN).exists()


def test_the_system_administrator_gets_403_on_the_audit_log(client: Client, cast) -> None:
    client.force_login(cast.admin)
    assert client.get("/office/audit/").status_code == 403
    assert "审计日志" not in client.get("/office/").content.decode()


def test_the_audit_administrator_reads_the_log_and_changes_nothing_else(client: Client, cast) -> None:
    auditor = make_staff("auditor", "审计员", cast.centre, (Role.AUDIT_ADMIN, cast.government))
    client.force_login(auditor)
    assert client.get("/office/audit/").status_code == 200
    for path in ("/office/calendar/", "/office/security/", "/office/catalog/import/"):
        assert client.get(path).status_code == 403, path
    refused = client.post("/office/calendar/day/", {"day": "2026-12-12", "is_workday": "1", "note": "x"})
    assert refused.status_code == 403
    assert client.get("/admin/").status_code == 302  # no admin site: not is_staff
    actions = set().union(*(ROLE_ACTIONS[g.role] for g in StaffRole.objects.filter(staff=auditor)))
    assert actions == {VIEW, "audit.view", "audit.export"}
