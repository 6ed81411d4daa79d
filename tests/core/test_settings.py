"""Settings come from the environment through small typed helpers."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from yimen.settings import database_from_url, env_bool, env_int, env_int_list, env_str


def test_sqlite_url_uses_wal_and_immediate_transactions() -> None:
    db = database_from_url("sqlite:////tmp/y.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3" and db["NAME"] == "/tmp/y.sqlite3"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_default_sqlite_lives_in_var() -> None:
    assert str(database_from_url("sqlite:///")["NAME"]).endswith("yimen.sqlite3")


def test_postgres_url() -> None:
    db = database_from_url("postgres://yimen:p%40ss@db.local:5433/yimen?sslmode=require")
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "yimen",
        "yimen",
        "p@ss",
        "db.local",
        "5433",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_unknown_scheme_is_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="不受支持"):
        database_from_url("mysql://x/y")


def test_the_project_speaks_chinese_in_shanghai_time(settings) -> None:
    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


# --- Environment variables ------------------------------------------------------------------------

YIMEN_DIR = Path(__file__).resolve().parents[2] / "yimen"


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings module in a fresh interpreter with these variables, printing a few values."""
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_COOKIES"}}
    environ |= {"YIMEN_VAR": str(tmp_path), "SECRET_KEY": "x" * 50, **env}
    show = "import json, yimen.settings as s; print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.YIMEN]))"
    return subprocess.run(
        [sys.executable, "-c", show], env=environ, capture_output=True, text=True, timeout=60
    )


def test_a_mistyped_yes_no_variable_stops_the_start(tmp_path: Path) -> None:
    started = _start(tmp_path, DEBUG="ture")
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert "DEBUG='ture'" in started.stderr and "true/false" in started.stderr


@pytest.mark.parametrize(
    ("word", "meaning"),
    [
        ("1", True),
        ("TRUE", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("False", False),
        ("NO", False),
        ("off", False),
        ("", False),
    ],
)
def test_yes_no_words_in_any_case(monkeypatch: pytest.MonkeyPatch, word: str, meaning: bool) -> None:
    monkeypatch.setenv("YIMEN_TEST_FLAG", word)
    assert env_bool("YIMEN_TEST_FLAG") is meaning


def test_an_empty_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIMEN_TEST_FLAG", " ")
    monkeypatch.setenv("YIMEN_TEST_NUMBER", "")
    monkeypatch.setenv("YIMEN_TEST_WORD", "")
    assert env_bool("YIMEN_TEST_FLAG", True) is True
    assert env_int("YIMEN_TEST_NUMBER", 7) == 7
    assert env_str("YIMEN_TEST_WORD", "console") == "console"


@pytest.mark.parametrize(
    ("helper", "value", "message"),
    [
        (lambda: env_bool("YIMEN_TEST_VALUE"), "y", "yes/no"),
        (lambda: env_int("YIMEN_TEST_VALUE", 5), "五", "不是整数"),
        (lambda: env_int_list("YIMEN_TEST_VALUE", "30,7,0"), "30,七", "逗号分隔的整数"),
    ],
)
def test_a_value_of_the_wrong_kind_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, helper: Callable[[], object], value: str, message: str
) -> None:
    monkeypatch.setenv("YIMEN_TEST_VALUE", value)
    with pytest.raises(ImproperlyConfigured, match="YIMEN_TEST_VALUE") as refused:
        helper()
    assert message in str(refused.value)


def test_variables_reach_the_settings(tmp_path: Path) -> None:
    started = _start(tmp_path, DEBUG="", SECURE_COOKIES="On", YIMEN_REPORT_REMINDER_DAYS="14, 3")
    assert started.returncode == 0, started.stderr
    debug, secure, yimen = json.loads(started.stdout)
    assert (debug, secure, yimen["REPORT_REMINDER_DAYS"]) == (False, True, [14, 3])


def test_the_disclosure_yellow_card_follows_the_cases_unless_set(tmp_path: Path) -> None:
    started = _start(tmp_path, YIMEN_YELLOW_DAYS_LEFT="3")
    assert json.loads(started.stdout)[2]["DISCLOSURE_YELLOW_DAYS_LEFT"] == 3
    started = _start(tmp_path, YIMEN_YELLOW_DAYS_LEFT="3", YIMEN_DISCLOSURE_YELLOW_DAYS_LEFT="2")
    assert json.loads(started.stdout)[2]["DISCLOSURE_YELLOW_DAYS_LEFT"] == 2


# --- One place for the defaults -------------------------------------------------------------------


def _yimen_reads() -> list[tuple[str, ast.AST, str]]:
    """Every settings.YIMEN["KEY"] (or an alias `conf = settings.YIMEN`, then conf["KEY"]) and every
    method called on it, as (file, node, key-or-method)."""
    found: list[tuple[str, ast.AST, str]] = []
    for path in sorted(YIMEN_DIR.rglob("*.py")):
        if path.name == "settings.py" and path.parent == YIMEN_DIR:
            continue
        tree = ast.parse(path.read_text(), str(path))
        aliases = {
            target.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and _is_yimen(node.value, set())
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            name = str(path.relative_to(YIMEN_DIR.parent))
            if isinstance(node, ast.Subscript) and _is_yimen(node.value, aliases):
                key = node.slice.value if isinstance(node.slice, ast.Constant) else "<computed>"
                found.append((name, node, str(key)))
            elif isinstance(node, ast.Attribute) and _is_yimen(node.value, aliases):
                found.append((name, node, f".{node.attr}"))
            elif (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "getattr"
                and "YIMEN" in ast.unparse(node)
            ):
                found.append((name, node, "getattr"))
    return found


def _is_yimen(node: ast.AST, aliases: set[str]) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "YIMEN") or (
        isinstance(node, ast.Name) and node.id in aliases
    )


def test_every_setting_the_code_reads_is_defined(settings) -> None:
    keys = {key for _, _, key in _yimen_reads() if not key.startswith(".") and key != "getattr"}
    assert {"SMS_MONTHLY_QUOTA", "CALENDAR_FIRST_YEAR", "DISCLOSURE_FEE_PAUSES_CLOCK"} <= keys
    assert keys - set(settings.YIMEN) == set()


def test_every_setting_is_read_somewhere(settings) -> None:
    keys = {key for _, _, key in _yimen_reads()}
    assert set(settings.YIMEN) - keys == set()


def test_settings_are_read_without_fallbacks() -> None:
    fallbacks = [
        f"{name}:{node.lineno} {key}"
        for name, node, key in _yimen_reads()
        if key.startswith(".") or key in {"getattr", "<computed>"}
    ]
    assert fallbacks == []
