"""No default account in a deployment (GB/T 22239-2019 8.1.4.2 b; security.md goal 10)."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from yimen.org.models import Staff


def _errors() -> list[str]:
    return [e.id for e in run_checks(include_deployment_checks=True, databases=["default"]) if e.id]


@pytest.mark.django_db
def test_migrate_alone_creates_no_account_and_the_check_is_quiet() -> None:
    assert not Staff.objects.exists()
    assert "yimen.E101" not in _errors()


@pytest.mark.django_db
def test_an_account_named_admin_fails_the_deploy_check_until_it_is_disabled() -> None:
    admin = Staff.objects.create_user("admin", password="x-Long-Enough-2026")
    assert "yimen.E101" in _errors()
    admin.is_active = False
    admin.save()
    assert "yimen.E101" not in _errors()
