"""`yimen demo`: migrate, load the demo city once, serve; here without serving (--no-serve)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from yimen.demo import org as org_demo
from yimen.org.models import Staff

pytestmark = pytest.mark.django_db


def test_yimen_demo_keeps_a_city_already_loaded() -> None:
    org_demo.load(scale="small")
    staff = Staff.objects.count()
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    assert "正在载入演示城市" not in out.getvalue()
    assert Staff.objects.count() == staff
