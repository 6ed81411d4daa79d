"""`yimen loaddemo`: the demo city modelled on the seed's centre."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django_otp.oath import totp

from yimen.core import audit
from yimen.core.identity import is_valid_uscc
from yimen.demo import org as org_demo
from yimen.demo.org import DEMO_PASSWORD
from yimen.org.models import (
    SEPARATED_ROLES,
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    Role,
    Staff,
    StaffRole,
    Window,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> str:
    """The organisations only: the catalogue's demo has its own tests (tests/demo/test_catalog.py)."""
    return org_demo.load(scale="small")


def test_the_demo_city_has_the_seeds_shape(demo: str) -> None:
    assert Region.objects.filter(level=RegionLevel.COUNTY, parent__code="421200").count() == 6
    assert (
        Region.objects.filter(level=RegionLevel.TOWNSHIP).exists()
        and Region.objects.filter(level=RegionLevel.VILLAGE).exists()
    )
    # 66 window units: the departments seated in the hall plus the centre's own 综合窗口.
    assert Organisation.objects.filter(windows__isnull=False).distinct().count() == 66
    assert StaffRole.objects.filter(role=Role.CLERK, staff__username__startswith="w").count() == 220
    assert Window.objects.filter(is_comprehensive=True).count() == 6
    assert not Window.objects.filter(supervision_phone="").exists()
    assert "66 个窗口单位" in demo and "220 名窗口人员" in demo


def test_every_organisation_has_a_valid_credit_code(demo: str) -> None:
    codes = list(Organisation.objects.values_list("uscc", flat=True))
    assert codes and all(is_valid_uscc(code) for code in codes)


def test_loading_twice_changes_nothing(demo: str) -> None:
    count = Staff.objects.count()
    assert "已存在" in org_demo.load(scale="small") and Staff.objects.count() == count


def test_demo_logins_work_and_land_in_the_right_place(demo: str, client: Client) -> None:
    response = client.post("/office/login/", {"username": "clerk", "password": DEMO_PASSWORD}, follow=True)
    page = response.content.decode()
    assert "李窗口" in page and "咸宁市市场监督管理局" in page
    centre = Organisation.objects.get(kind=OrganisationKind.CENTRE)
    assert centre.name == "咸宁市政务服务中心"
    assert audit.verify()[1] is None


def test_the_catalogue_reviewers_have_demo_logins(demo: str, client: Client) -> None:
    client.post("/office/login/", {"username": "legal", "password": DEMO_PASSWORD})
    assert client.get("/office/")["Location"] == "/office/password/"  # the shared password is changed first
    new = "Legal-review-2027"
    client.post(
        "/office/password/", {"old_password": DEMO_PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert "法制审核" in client.get("/office/").content.decode()


def test_the_demo_has_separate_security_and_audit_administrators_with_a_known_code(
    demo: str, client: Client
) -> None:
    """三权分立 in the demo: three accounts, and the TOTP key `yimen demo` prints opens their code step."""
    duties = dict(StaffRole.objects.filter(role__in=SEPARATED_ROLES).values_list("staff__username", "role"))
    assert duties == {"admin": Role.ADMIN, "security": Role.SECURITY_ADMIN, "auditor": Role.AUDIT_ADMIN}
    client.post("/office/login/", {"username": "auditor", "password": DEMO_PASSWORD})
    code = f"{totp(base64.b32decode(org_demo.DEMO_TOTP_SECRET)):06d}"
    assert client.post("/office/login/code/", {"token": code})["Location"] == "/office/"
    assert client.get("/office/")["Location"] == "/office/password/"
