"""Settings come from the environment through small typed helpers."""

from __future__ import annotations

import pytest

from yimen.settings import database_from_url


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
