"""Administrators keep organisations, windows and staff in the admin; every change is audited."""

from __future__ import annotations

import pytest
from django.test import Client

from yimen.core.models import AuditEntry
from yimen.org.models import Organisation, OrganisationKind

pytestmark = pytest.mark.django_db


def _add(client: Client, cast, uscc: str):
    return client.post(
        "/admin/org/organisation/add/",
        {
            "code": "RSJ",
            "name": "咸宁市人力资源和社会保障局",
            "kind": OrganisationKind.DEPARTMENT,
            "region": cast.city.pk,
            "parent": cast.government.pk,
            "uscc": uscc,
            "is_active": "on",
        },
    )


def test_a_bad_credit_code_is_refused_naming_the_rule(client: Client, cast) -> None:
    client.force_login(cast.admin)
    cast.admin.is_superuser = True
    cast.admin.save()
    response = _add(client, cast, "91350100M000100Y44")
    assert response.status_code == 200
    assert "统一社会信用代码第18位校验码错误：应为 3" in response.content.decode()
    assert not Organisation.objects.filter(code="RSJ").exists()
    assert not AuditEntry.objects.filter(action="org.organisation.created").exists()


def test_a_good_credit_code_is_stored_normalised_and_the_change_audited(client: Client, cast) -> None:
    cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    response = _add(client, cast, " 91350100m000100y43 ")
    assert response.status_code == 302
    assert Organisation.objects.get(code="RSJ").uscc == "91350100M000100Y43"
    entry = AuditEntry.objects.get(action="org.organisation.created")
    assert entry.actor_label == "周管理" and entry.summary["after"]["name"] == "咸宁市人力资源和社会保障局"


def test_two_organisations_without_a_credit_code_can_coexist(client: Client, cast) -> None:
    cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    assert _add(client, cast, "").status_code == 302
    assert Organisation.objects.get(code="RSJ").uscc is None
