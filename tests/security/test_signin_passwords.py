"""GB/T 22239-2019 8.1.4.1 a: passwords of at least 12 characters, not common, of at least 3 of the 4
character classes (messages in Chinese); changed at the first sign-in and when older than 90 days, before
any other page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD
from yimen.org.models import Staff

pytestmark = pytest.mark.django_db

NEW = "Xianning#2027-spring"


def refusal(password: str) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_password(password)
    return " ".join(caught.value.messages)


def test_the_password_rules_speak_chinese() -> None:
    assert "至少需要 12 个字符" in refusal("Ab1!Ab1!Ab1")
    assert "密码过于常见" in refusal("password1234")
    assert "至少 3 类" in refusal("xianningxianning2027")  # lower case and digits: two classes
    assert "至少 3 类" in refusal("一门政务服务中心一门政务服务中心")
    validate_password(NEW)
    validate_password("xianning-2027-春天")  # lower case, digits, symbols


def sign_in(client: Client, username: str = "clerk") -> None:
    assert client.post("/office/login/", {"username": username, "password": PASSWORD}).status_code == 302


def change(client: Client, new: str = NEW):
    return client.post(
        "/office/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )


@pytest.mark.parametrize("age", [None, timedelta(days=91)], ids=["first sign-in", "older than 90 days"])
def test_a_password_that_must_change_comes_before_any_other_page(client, cast, age) -> None:
    changed = None if age is None else timezone.now() - age
    Staff.objects.filter(pk=cast.clerk.pk).update(password_changed_at=changed)
    sign_in(client)
    for path in ("/office/", "/office/cases/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/office/password/", path
    api = client.get("/api/v1/cases")
    assert api.status_code == 403 and "请先修改密码" in api.json()["message"]
    page = client.get("/office/password/").content.decode()
    assert "请先修改密码" in page
    assert change(client).status_code == 302
    assert client.get("/office/").status_code == 200
    assert Staff.objects.get(pk=cast.clerk.pk).password_changed_at is not None


def test_a_password_younger_than_ninety_days_is_kept(client, cast, settings) -> None:
    assert settings.YIMEN["PASSWORD_MAX_AGE_DAYS"] == 90
    Staff.objects.filter(pk=cast.clerk.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    sign_in(client)
    assert client.get("/office/").status_code == 200


def test_the_forced_change_must_change_the_password(client, cast) -> None:
    Staff.objects.filter(pk=cast.clerk.pk).update(password_changed_at=None)
    sign_in(client)
    same = change(client, PASSWORD)
    assert same.status_code == 200 and "新密码不能与原密码相同" in same.content.decode()
    weak = change(client, "abcdefghijkl")
    assert weak.status_code == 200 and "至少 3 类" in weak.content.decode()


def test_a_password_set_by_an_administrator_is_changed_at_the_next_sign_in(cast) -> None:
    clerk = Staff.objects.get(pk=cast.clerk.pk)
    clerk.set_password(NEW)
    clerk.save()
    assert Staff.objects.get(pk=cast.clerk.pk).password_changed_at is None
