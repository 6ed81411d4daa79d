"""Defect 10, HTTPS settings: `yimen check --deploy --fail-level WARNING` with the production environment
exactly as docs/deployment.md writes it reports nothing, and that environment makes the cookies Secure with
the __Host- prefix (OWASP ASVS 3.4.1–3.4.4; GB/T 22239-2019 8.1.4.1 c)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def production_environment(var: Path) -> dict[str, str]:
    """The first sh block of docs/deployment.md (the content of /etc/yimen.env), placeholders filled."""
    text = (ROOT / "docs" / "deployment.md").read_text()
    block = re.search(r"Create `/etc/yimen.env`.*?```sh\n(.*?)```", text, re.S)
    assert block, "docs/deployment.md lost its /etc/yimen.env block"
    env = {}
    for line in block.group(1).splitlines():
        name, _, value = line.partition("=")
        env[name.strip()] = value.strip()
    env["SECRET_KEY"] = secrets.token_urlsafe(50)  # <50 random characters>
    env["YIMEN_VAR"] = str(var)  # not /var/lib/yimen on the test machine
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, *args],
        env={**base, **env, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "yimen.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_the_documented_production_environment_passes_the_deploy_check(tmp_path: Path) -> None:
    env = production_environment(tmp_path)
    assert {"SECURE_PROXY_SSL", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"} <= env.keys()
    result = run(env, "-m", "yimen.cli", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_it_the_check_fails(tmp_path: Path) -> None:
    """The check is not vacuous: the development defaults fail it."""
    result = run(
        {"YIMEN_VAR": str(tmp_path)}, "-m", "yimen.cli", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode != 0 and "security.W004" in result.stderr + result.stdout


def test_production_cookies_are_secure_and_host_prefixed(tmp_path: Path) -> None:
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
        "s.SESSION_COOKIE_DOMAIN, s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_NAME, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
    )
    result = run(production_environment(tmp_path), "-c", probe)
    assert result.stdout.split() == [
        "__Host-sessionid",
        "True",
        "True",
        "Lax",
        "None",
        "/",
        "__Host-csrftoken",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "True",
        "31536000",
        "True",
        "True",
    ], result.stderr


@pytest.mark.django_db
@override_settings(
    SESSION_COOKIE_NAME="__Host-sessionid",
    SESSION_COOKIE_SECURE=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_the_host_prefixed_cookie_is_sent_as_browsers_require(cast) -> None:
    response = Client().post(
        "/office/login/", {"username": "clerk", "password": PASSWORD}, HTTP_X_FORWARDED_PROTO="https"
    )
    header = response.cookies["__Host-sessionid"].output()
    assert "Secure" in header and "Path=/" in header and "Domain" not in header and "HttpOnly" in header
