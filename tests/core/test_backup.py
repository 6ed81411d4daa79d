"""`yimen backup` and `yimen restore` (GB/T 22239-2019 8.1.4.9 a; security goal 29): a backup restored
into an empty database reproduces every table's rows, every stored file's SHA-256 and a verified audit
chain; the keys stay out of it unless asked for; whatever differs is named and the exit is non-zero.

The restores run as real `yimen` processes against a database made for the test (a new SQLite file, or
a PostgreSQL database created and dropped here), as an operator would run them."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests import samples
from tests.cases.conftest import file
from tests.catalog.conftest import people, published  # noqa: F401 -- fixtures
from yimen.cases import uploads
from yimen.cases.models import Case
from yimen.catalog.models import ServiceItem
from yimen.certificates import signing
from yimen.core import audit
from yimen.core import backup as backups

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]


def site(database_url: str, var: Path, **env: str) -> dict[str, str]:
    """The environment of a `yimen` process on another database and files directory (its own anchor
    file in it), with this site's keys unless told otherwise."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "yimen.settings",
        "DATABASE_URL": database_url,
        "YIMEN_VAR": str(var),
        "YIMEN_AUDIT_ANCHOR_FILE": str(var / "audit-anchors.jsonl"),
        "YIMEN_AUDIT_KEY": settings.YIMEN["AUDIT_KEY"],
        "SECRET_KEY": settings.SECRET_KEY,
        "YIMEN_DATA_KEY": data_keys(),
        "YIMEN_SIGNING_KEY_FILE": str(signing.key_file()) if signing.key_file().exists() else "",
        **env,
    }


def data_keys() -> str:
    """This site's data keys as YIMEN_DATA_KEY carries them: `1:hex,2:hex`."""
    return ",".join(f"{name.rpartition(':')[2]}:{value}" for name, value in backups._data_keys().items())


def yimen(*args: str, database_url: str, var: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yimen.cli", *args],
        capture_output=True,
        text=True,
        env=site(database_url, var, **env),
        timeout=300,
    )


def script(code: str, *args: str, database_url: str, var: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=site(database_url, var),
        timeout=300,
    )


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        autocommit=True,
    )


def _pg_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of the vendor under test (created here and dropped after)."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"yimen_restore_{os.getpid()}"
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rows(database_url: str, sql: str) -> list[tuple]:
    """Read the restored database directly, not through the code under test."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as db:
        return db.execute(sql).fetchall()


@pytest.fixture
def filed(people):  # type: ignore[no-untyped-def]  # noqa: F811
    """Three cases filed at the window, each with a scanned 申请书 stored as a file; the audit sealed."""
    licence = published(people, name="食品经营许可证核发")
    item = ServiceItem.objects.select_related("current").get(pk=licence.item_id)
    cases = []
    for n in range(3):
        case = file(item, people.base)
        uploads.store_material(
            case=case,
            material="食品经营许可申请书",
            upload=SimpleUploadedFile(f"申请书{n}.pdf", samples.pdf(pages=n + 1)),
            by=people.base.clerk,
        )
        cases.append(case)
    audit.seal()
    return cases


def _backup(dest: Path, *args: str) -> dict:
    call_command("backup", str(dest), *args, stdout=StringIO(), stderr=StringIO())
    return json.loads((dest / backups.MANIFEST).read_text())


def test_a_backup_restored_into_an_empty_database_has_every_row_file_and_audit_entry(
    filed, tmp_path: Path, empty_database: str
) -> None:
    manifest = _backup(tmp_path / "backup")
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"]["cases_case"] == Case.objects.count() == 3
    assert manifest["audit_head"]["seq"] == audit.verify()[0] > 0
    stored = {
        f.file.name: hashlib.sha256(f.file.open("rb").read()).hexdigest()
        for c in filed
        for f in c.files.all()
    }
    assert {name: manifest["files"][name]["sha256"] for name in stored} == stored

    var = tmp_path / "var"
    done = yimen("restore", str(tmp_path / "backup"), database_url=empty_database, var=var)
    assert done.returncode == 0, done.stderr
    assert "恢复并核对完成" in done.stdout and "审计日志完整" in done.stdout

    # Read back without the code under test: the cases, their numbers, the files, the chain.
    numbers = sorted(n for (n,) in _rows(empty_database, "SELECT number FROM cases_case"))
    assert numbers == sorted(c.number for c in filed)
    for name, digest in stored.items():
        assert hashlib.sha256((var / "files" / name).read_bytes()).hexdigest() == digest
    verified = yimen("audit", "verify", database_url=empty_database, var=var)
    assert verified.returncode == 0 and f"{manifest['audit_head']['seq']} 条" in verified.stdout


def test_the_keys_stay_out_of_the_backup_unless_asked_and_then_in_a_file_of_their_own(
    filed, tmp_path: Path
) -> None:
    secret = settings.SECRET_KEY.encode()
    signing.keys()  # the certificates' signing key exists (made on first use in development)
    manifest = _backup(tmp_path / "plain")
    everything = b"".join(p.read_bytes() for p in (tmp_path / "plain").rglob("*") if p.is_file())
    for key in backups.configured_keys().values():
        assert key not in everything
    assert manifest["key_fingerprints"]["SECRET_KEY"] == backups.fingerprint(secret)
    assert manifest["keys_included"] is False
    assert manifest["key_fingerprints"]["YIMEN_SIGNING_KEY_FILE"] == backups.fingerprint(
        signing.key_file().read_bytes()
    )

    keys = tmp_path / "elsewhere" / "yimen-keys.json"
    keys.parent.mkdir()
    err = StringIO()
    call_command(
        "backup", str(tmp_path / "with-keys"), "--include-keys", "--keys-file", str(keys),
        stdout=StringIO(), stderr=err,
    )  # fmt: skip
    kept = json.loads(keys.read_text())
    assert kept["SECRET_KEY"] == settings.SECRET_KEY
    assert kept["YIMEN_AUDIT_KEY"] == settings.YIMEN["AUDIT_KEY"]
    assert kept["YIMEN_SIGNING_KEY_FILE"] == signing.key_file().read_text()
    assert (
        ",".join(f"{n.rpartition(':')[2]}:{v}" for n, v in kept.items() if n.startswith("YIMEN_DATA_KEY"))
        == data_keys()
    )
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert "警告" in err.getvalue() and "分开存放" in err.getvalue()
    assert secret not in b"".join(p.read_bytes() for p in (tmp_path / "with-keys").rglob("*") if p.is_file())


def test_a_backup_is_never_written_over_another(filed, tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    with pytest.raises(CommandError, match="已存在且不为空"):
        call_command("backup", str(tmp_path / "old"))
    assert (tmp_path / "old" / "manifest.json").read_text() == "{}"


def test_restore_refuses_a_database_that_is_not_empty_in_chinese_and_changes_nothing(
    filed,
    people,  # noqa: F811
    tmp_path: Path,
) -> None:
    _backup(tmp_path / "backup")
    since = ServiceItem.objects.select_related("current").get(pk=filed[0].item_id)
    file(since, people.base)
    before = backups.live_counts()
    with pytest.raises(CommandError, match=r"目标数据库不是空的.*--force"):
        call_command("restore", str(tmp_path / "backup"))
    assert backups.live_counts() == before and before["cases_case"] == 4


@pytest.mark.parametrize(
    ("variable", "other", "named"),
    [
        ("SECRET_KEY", "another-site-key-" + "x" * 40, "SECRET_KEY"),
        ("YIMEN_AUDIT_KEY", "another-audit-key-" + "a" * 40, "YIMEN_AUDIT_KEY"),
        ("YIMEN_DATA_KEY", "1:" + "ab" * 32, "YIMEN_DATA_KEY:1"),
    ],
)
def test_restore_with_other_keys_refuses_before_writing_anything(
    filed, tmp_path: Path, empty_database: str, variable: str, other: str, named: str
) -> None:
    manifest = _backup(tmp_path / "backup")
    assert set(manifest["key_fingerprints"]) >= {"SECRET_KEY", "YIMEN_AUDIT_KEY", "YIMEN_DATA_KEY:1"}
    done = yimen(
        "restore", str(tmp_path / "backup"), database_url=empty_database, var=tmp_path / "var",
        **{variable: other},
    )  # fmt: skip
    assert done.returncode != 0
    assert f"密钥 {named} 与备份时不同" in done.stderr and "未做任何恢复" in done.stderr
    tables = (
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if empty_database.startswith("sqlite")
        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    )
    assert _rows(empty_database, tables) == []


def test_a_stored_file_changed_in_the_backup_is_named_and_the_exit_is_not_zero(
    filed, tmp_path: Path, empty_database: str
) -> None:
    manifest = _backup(tmp_path / "backup")
    name = next(n for n in manifest["files"] if n.endswith(".pdf"))
    (tmp_path / "backup" / "files" / name).write_bytes(b"%PDF-1.4 altered")
    done = yimen("restore", str(tmp_path / "backup"), database_url=empty_database, var=tmp_path / "var")
    assert done.returncode != 0
    assert f"文件 {name} 的 SHA-256 与备份清单不符" in done.stderr


def test_a_backup_database_altered_after_the_backup_is_refused(
    filed, tmp_path: Path, empty_database: str
) -> None:
    manifest = _backup(tmp_path / "backup")
    with (tmp_path / "backup" / manifest["database"]["file"]).open("ab") as db:
        db.write(b"\0")
    done = yimen("restore", str(tmp_path / "backup"), database_url=empty_database, var=tmp_path / "var")
    assert done.returncode != 0 and "SHA-256 与备份清单不符" in done.stderr and "未做任何恢复" in done.stderr


def test_restoring_a_backup_behind_the_sites_anchors_names_the_commits_lost_since(
    filed,
    people,  # noqa: F811
    tmp_path: Path,
    empty_database: str,
) -> None:
    """The site's anchor file outlives its database: a restore that lacks what was signed after the
    backup (the last commits) is reported, and the anchor file is not written over."""
    manifest = _backup(tmp_path / "backup")
    item = ServiceItem.objects.select_related("current").get(pk=filed[0].item_id)
    file(item, people.base)
    file(item, people.base)
    sealed_to = manifest["audit_head"]["seq"] + audit.seal()
    anchors = Path(settings.YIMEN["AUDIT_ANCHOR_FILE"])
    signed = anchors.read_text()
    done = yimen(
        "restore", str(tmp_path / "backup"), database_url=empty_database, var=tmp_path / "var",
        YIMEN_AUDIT_ANCHOR_FILE=str(anchors),
    )  # fmt: skip
    assert done.returncode != 0
    head = manifest["audit_head"]["seq"]
    assert f"已记到审计日志第 {sealed_to} 条，而恢复的链尾只到第 {head} 条" in done.stderr
    assert f"第 {head + 1}–{sealed_to} 条审计记录及其所记的变更不在此备份中" in done.stderr
    assert anchors.read_text() == signed


def test_a_new_machine_takes_the_backups_anchors_and_its_chain_checks_out(
    filed, tmp_path: Path, empty_database: str
) -> None:
    site_anchors = Path(settings.YIMEN["AUDIT_ANCHOR_FILE"])
    signed = site_anchors.read_text()
    manifest = _backup(tmp_path / "backup")
    assert site_anchors.read_text() == signed  # the site's anchor file is only ever appended to by seals
    copied = (tmp_path / "backup" / backups.ANCHORS_FILE).read_text().splitlines()
    assert manifest["audit_anchors"]["lines"] == len(copied) >= 2  # the seal's, and the backup's mark
    assert json.loads(copied[-1])["seq"] == manifest["audit_head"]["seq"]
    var = tmp_path / "var"
    done = yimen("restore", str(tmp_path / "backup"), database_url=empty_database, var=var)
    assert done.returncode == 0, done.stderr
    assert "已从备份放回" in done.stdout
    assert (var / "audit-anchors.jsonl").read_text().splitlines() == copied
    verified = yimen("audit", "verify", database_url=empty_database, var=var)
    assert verified.returncode == 0 and "与签名锚点相符" in verified.stdout


# --- The live SQLite file: a copy loses the last commits, the backup API does not -----------------

LIVE_SITE = textwrap.dedent(
    """
    import shutil, sys
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from yimen.catalog.models import ServiceItem
    from yimen.cases.services import intake
    from yimen.core import audit
    from yimen.core.people import Applicant
    from yimen.org.models import Staff, Window

    live, copy, backup = sys.argv[1:4]
    connection.ensure_connection()
    # As on a busy site: the last commits are in the write-ahead log, not yet in the database file.
    connection.cursor().execute("PRAGMA wal_autocheckpoint=0")
    item, clerk, window = ServiceItem.objects.get(), Staff.objects.get(username="clerk"), Window.objects.get()
    for n in range(15):
        applicant = Applicant(kind="person", name="张三", phone="13812345678", id_number="11010519491231002X")
        intake.submit(item=item, applicant=applicant, channel="window", by=clerk, window=window)
    audit.seal()
    shutil.copyfile(live, copy)  # what an operator's cp does while the site runs
    call_command("backup", backup)
    """
)


def test_a_backup_of_a_live_sqlite_file_keeps_the_last_commits_a_copy_loses_and_restore_names_the_loss(
    filed, tmp_path: Path
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the write-ahead log of a live SQLite file")
    # The live site: this test's database as a file on disk, filing 15 more cases in another process.
    seed = _backup(tmp_path / "seed")
    var = tmp_path / "var"
    live = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    assert yimen("restore", str(tmp_path / "seed"), database_url=live, var=var).returncode == 0
    paths = (str(tmp_path / name) for name in ("live.sqlite3", "cp.sqlite3", "backup"))
    done = script(LIVE_SITE, *paths, database_url=live, var=var)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "backup" / backups.MANIFEST).read_text())
    assert manifest["tables"]["cases_case"] == seed["tables"]["cases_case"] + 15 == 18

    # The copy of the file lost them (the defect this command replaces) ...
    copied = f"sqlite:///{tmp_path / 'cp.sqlite3'}"
    assert _rows(copied, "SELECT COUNT(*) FROM cases_case") == [(3,)]
    # ... and the backup restores them all.
    restored = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    done = yimen("restore", str(tmp_path / "backup"), database_url=restored, var=tmp_path / "var2")
    assert done.returncode == 0, done.stderr
    assert _rows(restored, "SELECT COUNT(*) FROM cases_case") == [(18,)]

    # A site put back from the copy: its own anchors (outside the database) name the lost tail, where the
    # chain alone checked out; and checked against the backup, the lost rows are counted.
    head, seed_head = manifest["audit_head"]["seq"], seed["audit_head"]["seq"]
    verified = yimen("audit", "verify", database_url=copied, var=var)
    assert verified.returncode != 0
    assert (
        f"链尾只到第 {seed_head} 条，而签名锚点" in verified.stderr
        and f"已记到第 {head} 条" in verified.stderr
    )
    done = yimen("restore", "--verify-only", str(tmp_path / "backup"), database_url=copied, var=var)
    assert done.returncode != 0
    assert "表 cases_case 有 3 行，备份清单记录 18 行（少 15 行）" in done.stderr
    assert (
        f"审计链尾在第 {seed_head} 条，备份时在第 {head} 条" in done.stderr
        and "yimen audit verify 未通过" in done.stderr
    )


# --- PostgreSQL from a SQLite run: pg_dump -Fc / pg_restore between databases made here -----------

POSTGRES_SEED = textwrap.dedent(
    """
    import django
    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from yimen.core import audit, batch

    @batch.atomic
    def notes():
        for n in range(5):
            audit.record("backup.check", object_type="backup", object_id=str(n), object_repr="备份演练")

    notes()
    audit.seal()
    default_storage.save("check/申请书.pdf", ContentFile(b"%PDF-1.4 check"))
    """
)


def test_a_postgresql_site_round_trips_through_pg_dump_and_pg_restore(tmp_path: Path) -> None:
    """Run on SQLite test runs against the local server (on PostgreSQL runs the tests above cover it)."""
    if connection.vendor != "sqlite":
        pytest.skip("the tests above ran on PostgreSQL")
    import psycopg

    server = os.environ.get("YIMEN_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        admin = psycopg.connect(
            server.replace("postgres://", "postgresql://"), autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError:
        pytest.skip(f"PostgreSQL not reachable at {server}")
    base = server.rsplit("/", 1)[0]
    source, target = (f"yimen_backup_{role}_{os.getpid()}" for role in ("source", "target"))
    with admin:
        for name in (source, target):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            source_site = {"database_url": f"{base}/{source}", "var": tmp_path / "site"}
            assert yimen("migrate", "-v0", **source_site).returncode == 0
            seeded = script(POSTGRES_SEED, **source_site)
            assert seeded.returncode == 0, seeded.stderr
            made = yimen("backup", str(tmp_path / "backup"), **source_site)
            assert made.returncode == 0, made.stderr
            manifest = json.loads((tmp_path / "backup" / backups.MANIFEST).read_text())
            assert (
                manifest["database"]["vendor"] == "postgresql"
                and manifest["database"]["file"] == "database.dump"
            )
            assert (tmp_path / "backup" / "database.dump").read_bytes()[:5] == b"PGDMP"  # the custom format
            assert manifest["audit_head"]["seq"] == 5 and manifest["tables"]["core_calendarday"] > 8000

            restored = {"database_url": f"{base}/{target}", "var": tmp_path / "restored"}
            done = yimen("restore", str(tmp_path / "backup"), **restored)
            assert done.returncode == 0, done.stderr
            assert _rows(restored["database_url"], "SELECT COUNT(*) FROM core_auditentry") == [(5,)]
            assert (
                tmp_path / "restored" / "files" / "check" / "申请书.pdf"
            ).read_bytes() == b"%PDF-1.4 check"

            again = yimen("restore", str(tmp_path / "backup"), **restored)
            assert again.returncode != 0 and "目标数据库不是空的" in again.stderr
        finally:
            for name in (source, target):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
