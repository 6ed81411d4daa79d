"""张三's ID number, phone and address are sealed in the database (GB/T 22239-2019 8.1.4.8): neither the
columns nor the SQLite file hold them; one changed byte fails loudly (8.1.4.7); the counter still finds
the case by the whole ID number or phone through the blind index; a new key is rolled over every row."""

from __future__ import annotations

import base64
import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from tests.cases import conftest as cases
from tests.cases.conftest import APPLICANT, file
from yimen.cases.models import Case
from yimen.certificates.models import Certificate
from yimen.core import crypto, fields
from yimen.core.audit import AuditEntry
from yimen.core.models import SmsMessage
from yimen.core.people import Applicant
from yimen.disclosure.models import DisclosureRequest
from yimen.exchange.models import Revision, Target
from yimen.opendata.models import AccessApplication
from yimen.privacy.models import RightsRequest

pytestmark = pytest.mark.django_db

licence = cases.licence

OTHER = Applicant(kind="person", name="王五", phone="13987654321", id_number="420102199003077773")
KEY_1 = "1:" + "11" * 32
KEY_2 = "2:" + "22" * 32


def _stored(case: Case, column: str) -> str:
    table, name = connection.ops.quote_name(Case._meta.db_table), connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {name} FROM {table} WHERE id = %s", [case.pk])
        return str(cursor.fetchone()[0])


def _store(case: Case, column: str, value: str) -> None:
    table, name = connection.ops.quote_name(Case._meta.db_table), connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {name} = %s WHERE id = %s", [value, case.pk])


def test_the_columns_hold_no_plain_id_number_phone_or_address(licence, cast) -> None:
    case = file(licence, cast)
    rows = [_stored(case, c) for c in ("id_number", "phone", "address")]
    assert all(r.startswith("sm4:") for r in rows)
    for secret in (APPLICANT.id_number, APPLICANT.phone, APPLICANT.address, "0519491231"):
        assert not any(secret in r for r in rows)
    # The staff who handle it read it as it was filed.
    case = Case.objects.get(pk=case.pk)
    assert (case.id_number, case.phone, case.address) == (
        APPLICANT.id_number,
        APPLICANT.phone,
        APPLICANT.address,
    )


def _holding(copy: Path, text: str) -> set[tuple[str, str]]:
    """The (table, column) pairs of the database file where `text` appears in a value."""
    found = set()
    with sqlite3.connect(copy) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for column in [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]:
                where = f'CAST("{column}" AS TEXT) LIKE ?'
                if db.execute(f'SELECT 1 FROM "{table}" WHERE {where}', [f"%{text}%"]).fetchone():
                    found.add((table, column))
    return found


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the database file of SQLite")
@pytest.mark.django_db(transaction=True)
def test_the_sqlite_database_file_does_not_contain_them(licence, cast, tmp_path: Path) -> None:
    file(licence, cast)
    copy = tmp_path / "copy.sqlite3"
    with connection.cursor() as cursor:  # the test database (in memory), committed, as a file
        cursor.execute("VACUUM INTO %s", [str(copy)])
    data = copy.read_bytes()
    assert "张三".encode() in data  # the file is the real one: the name is not sealed
    for secret in (APPLICANT.id_number, APPLICANT.address):
        assert secret.encode() not in data and secret.encode("utf-16-le") not in data
    assert _holding(copy, "张三") >= {("cases_case", "applicant_name")}
    # Nor does the SMS the case's steps send, in the outbox or the SMS log (core/notify.py).
    assert _holding(copy, APPLICANT.phone) == set()
    with sqlite3.connect(copy) as db:
        (count,) = db.execute("SELECT count(*) FROM cases_case WHERE id_number LIKE 'sm4:%'").fetchone()
    assert count == 1


def test_one_flipped_byte_makes_reading_the_case_fail_loudly(licence, cast) -> None:
    case = file(licence, cast)
    stored = _stored(case, "phone")
    prefix, body = stored.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[14] ^= 0x80
    _store(case, "phone", f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}")
    with pytest.raises(crypto.DecryptionError, match=r"cases\.case\.phone.*InvalidTag"):
        Case.objects.get(pk=case.pk)


def test_a_value_copied_from_another_column_does_not_read(licence, cast) -> None:
    case = file(licence, cast)
    _store(case, "address", _stored(case, "phone"))
    with pytest.raises(crypto.DecryptionError, match="InvalidTag"):
        Case.objects.get(pk=case.pk)


def test_the_blind_index_finds_exactly_the_row(licence, cast) -> None:
    mine, other = file(licence, cast), file(licence, cast, OTHER)
    assert list(Case.objects.filter(fields.matching(Case, "id_number", "11010519491231002x"))) == [mine]
    assert list(Case.objects.filter(fields.matching(Case, "phone", " 139 8765 4321 "))) == [other]
    assert not Case.objects.filter(fields.matching(Case, "id_number", "110105194912310021")).exists()
    assert not Case.objects.filter(fields.matching(Case, "id_number", " ")).exists()
    assert _stored(other, "phone_index") == fields.index_of(Case, "phone", OTHER.phone)
    assert _stored(mine, "id_number_index") not in (APPLICANT.id_number, "")


def test_comparing_a_sealed_column_by_value_is_refused_not_silently_empty(licence, cast) -> None:
    file(licence, cast)
    with pytest.raises(FieldError, match="加密字段，不能按值查找"):
        Case.objects.filter(id_number=APPLICANT.id_number).exists()
    with pytest.raises(FieldError):
        Case.objects.filter(phone__startswith="138").exists()
    assert Case.objects.exclude(address="").count() == 1  # "is empty" still works


def test_the_counter_finds_a_case_by_the_whole_id_number_or_phone(client: Client, licence, cast) -> None:
    mine, other = file(licence, cast), file(licence, cast, OTHER)
    client.force_login(cast.clerk)
    url = reverse("office_cases:list")
    by_id = client.get(url, {"q": APPLICANT.id_number.lower()}).content.decode()
    assert mine.number in by_id and other.number not in by_id
    by_phone = client.get(url, {"q": OTHER.phone}).content.decode()
    assert other.number in by_phone and mine.number not in by_phone


def _with_keys(text: str) -> override_settings:
    from django.conf import settings

    return override_settings(YIMEN={**settings.YIMEN, "DATA_KEY": text, "DATA_KEY_FILE": ""})


def _rotate(**options: Any) -> str:
    out = io.StringIO()
    call_command("datakey", "rotate", stdout=out, **options)
    return out.getvalue()


def test_rotation_reseals_every_row_under_the_new_key_and_is_idempotent(licence, cast) -> None:
    with _with_keys(KEY_1):
        cases_ = [file(licence, cast), file(licence, cast, OTHER), file(licence, cast, cases.COMPANY)]
        old_index = _stored(cases_[0], "id_number_index")
    with _with_keys(f"{KEY_1},{KEY_2}"):
        # Before the rotation the old rows are still read and found.
        assert Case.objects.filter(fields.matching(Case, "id_number", APPLICANT.id_number)).count() == 1
        report = _rotate(batch=2)
        assert "cases.case：3 行，重新加密 3 行" in report
        for case in cases_:
            assert all(_stored(case, c).startswith("sm4:2:") for c in ("phone",))
        assert _stored(cases_[0], "id_number").startswith("sm4:2:") and _stored(cases_[2], "id_number") == ""
        assert _stored(cases_[0], "id_number_index") != old_index
        assert "cases.case：3 行，重新加密 0 行" in _rotate()  # nothing left to do
        # One entry per sealed model and one for the phones of the SMS waiting in the outbox, each run.
        assert AuditEntry.objects.filter(action="datakey.rotated").count() == 2 * (
            len(fields.sealed_models()) + 1
        )
    with _with_keys(KEY_2):  # the old key can be retired: every row reads and is found without it
        found = Case.objects.get(fields.matching(Case, "id_number", APPLICANT.id_number))
        assert (found.pk, found.phone, found.address) == (cases_[0].pk, APPLICANT.phone, APPLICANT.address)
        out = io.StringIO()
        call_command("datakey", "check", stdout=out)
        assert "cases.case：2 号密钥 6 个值" in out.getvalue() and "全部密文校验通过" in out.getvalue()


def test_an_interrupted_rotation_carries_on_where_it_stopped(licence, cast, monkeypatch) -> None:
    with _with_keys(KEY_1):
        for _ in range(5):
            file(licence, cast)
    with _with_keys(f"{KEY_1},{KEY_2}"):
        opened = 0
        real = crypto.decrypt

        def crash_after_three_rows(stored: str, context: str) -> str:
            nonlocal opened
            opened += 1
            if opened > 3 * 3:  # three rows of three sealed values each
                raise KeyboardInterrupt
            return real(stored, context)

        monkeypatch.setattr(crypto, "decrypt", crash_after_three_rows)
        with pytest.raises(KeyboardInterrupt):
            fields.reseal(Case, batch_size=2)
        monkeypatch.setattr(crypto, "decrypt", real)
        keys = [crypto.key_id_of(s) for s in Case.objects.values_list(_raw_phone(), flat=True)]
        assert sorted(keys) == [1, 1, 1, 2, 2]  # the first batch of two was committed
        assert "cases.case：5 行，重新加密 3 行" in _rotate()
        assert [crypto.key_id_of(s) for s in Case.objects.values_list(_raw_phone(), flat=True)] == [2] * 5


def _raw_phone() -> Any:
    from django.db.models import TextField
    from django.db.models.functions import Cast

    return Cast("phone", TextField())


def test_the_migration_seals_plain_rows_and_its_reverse_writes_them_out(licence, cast) -> None:
    case = file(licence, cast)
    assert fields.unseal(Case) == 1
    assert _stored(case, "id_number") == APPLICANT.id_number and _stored(case, "id_number_index") == ""
    done = fields.reseal(Case)
    assert (done.rows, done.sealed) == (1, 1)
    assert _stored(case, "id_number").startswith("sm4:")
    assert Case.objects.get(fields.matching(Case, "id_number", APPLICANT.id_number)).pk == case.pk


def test_a_new_key_is_added_to_the_key_file(tmp_path: Path) -> None:
    from django.conf import settings

    keys = tmp_path / "keys"
    keys.write_text(f"{KEY_1}\n")
    with override_settings(YIMEN={**settings.YIMEN, "DATA_KEY": "", "DATA_KEY_FILE": str(keys)}):
        out = io.StringIO()
        call_command("datakey", "new", stdout=out)
        assert "新增 2 号数据密钥" in out.getvalue()
        assert crypto.keyring().current.id == 2
    assert keys.read_text().startswith(f"{KEY_1}\n2:")


def test_disclosure_requests_are_sealed_too() -> None:
    sealed = {
        f.name for f in DisclosureRequest._meta.concrete_fields if isinstance(f, fields.SealedCharField)
    }
    assert sealed == {"id_number", "phone", "address"}
    assert fields.sealed_models() == [
        SmsMessage,
        Case,
        Certificate,
        DisclosureRequest,
        RightsRequest,
        Target,  # its secret
        Revision,  # the exchanged rows: applicants' ID numbers and phones
        AccessApplication,  # an open-data applicant's phone
    ]
