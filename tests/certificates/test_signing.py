"""系统数字签名 (certificates/signing.py): SM3 and SM2 against the standards' worked examples, the nonce's
source, tampering, keys outside the ring, out-of-range signatures, the key files and their rotation."""

from __future__ import annotations

import random
import stat
from datetime import UTC, date, datetime, timedelta, timezone
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from yimen.certificates import signing
from yimen.certificates.signing import N, Signature, SigningKey
from yimen.core.audit import AuditEntry

# GM/T 0003.5-2012 附录 A.2 (= GB/T 32918.5-2017), the example on the recommended curve: the standard's text
# was not at hand. These values are as several independent open test suites reproduce them and agree:
# a GmSSL-derived crypto/sm2/sm2test.c (Z_A, e, r, s), a Go SM2 test citing "GM/T 0003.5-2012 A.2"
# (d, e, r, s), CnPack's SM2 test citing 《SM2椭圆曲线公钥密码算法 第5部分 参数定义》 (d, P_A, k, r ‖ s), and an
# OpenSSL-style vector table (curve, ID "1234567812345678", d, r, s). The ID is GM/T 0009's default, not
# "ALICE123@YAHOO.COM", which belongs to GB/T 32918.2's Annex A example over a test curve.
EXAMPLE_PRIVATE = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
EXAMPLE_PUBLIC = (
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
EXAMPLE_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
EXAMPLE_MESSAGE = b"message digest"
EXAMPLE_Z = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
EXAMPLE_E = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
EXAMPLE_R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
EXAMPLE_S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"

CONTENT = {
    "identifier": "1.2.156.3005.2.11100000000013338W001.0001.001.U",
    "holder": "张三",
    "issued_on": date(2026, 12, 7),
    "number": 42,
    "note": None,
}


@pytest.fixture
def key_file(tmp_path: Path, settings: Any) -> Path:
    """A named key file, made the way an operator makes it (never var/'s)."""
    path = tmp_path / "keys" / "signing.key"
    settings.YIMEN = {**settings.YIMEN, "SIGNING_KEY_FILE": str(path)}
    assert signing.new_key_file(path) is not None
    return path


def example_key() -> SigningKey:
    return SigningKey.of(EXAMPLE_PRIVATE, datetime(2026, 1, 1, tzinfo=UTC))


def forged(signature: Signature, **changes: str) -> Signature:
    fields = {**signature.__dict__, **changes}
    return Signature(**fields)


# --- The standards' vectors ----------------------------------------------------------------------


def test_sm3_of_abc_is_the_gbt_32905_example() -> None:
    assert signing.digest(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_the_standards_example_gives_its_public_key_z_digest_and_signature() -> None:
    key = example_key()
    assert key.point.hex() == EXAMPLE_PUBLIC.lower()
    assert signing.z_value(key.point).hex() == EXAMPLE_Z.lower()
    assert signing.digest(signing.z_value(key.point) + EXAMPLE_MESSAGE) == EXAMPLE_E.lower()
    assert signing.sign_with(key, EXAMPLE_MESSAGE, nonce=EXAMPLE_K) == (EXAMPLE_R + EXAMPLE_S).lower()


def test_the_standards_signature_verifies_for_its_message_only() -> None:
    point = bytes.fromhex(EXAMPLE_PUBLIC)
    assert signing.verify_with(point, EXAMPLE_MESSAGE, EXAMPLE_R + EXAMPLE_S)
    assert not signing.verify_with(point, b"message digesT", EXAMPLE_R + EXAMPLE_S)
    assert not signing.verify_with(point, EXAMPLE_MESSAGE, EXAMPLE_R + EXAMPLE_S[:-1] + "B")


def test_the_signature_is_bound_to_the_default_user_id() -> None:
    """Z_A carries ID_A: the example's r is not what another ID gives (e changes with Z_A)."""
    key = example_key()
    other = signing.sm3(signing.z_value(key.point, b"ALICE123@YAHOO.COM") + EXAMPLE_MESSAGE).hex()
    assert other != EXAMPLE_E.lower()


def test_a_signature_made_here_verifies_in_gmssl_and_the_other_way() -> None:
    """Interoperability with an independent implementation (gmssl; not a dependency of Yimen)."""
    gmssl_sm2 = pytest.importorskip("gmssl.sm2", reason="gmssl is not installed: the cross-check needs it")
    key = SigningKey.generate()
    data = signing.canonical(CONTENT)
    other = gmssl_sm2.CryptSM2(private_key=f"{key.private:064x}", public_key=key.point.hex())
    assert other.verify_with_sm3(signing.sign_with(key, data), data)
    theirs = other.sign_with_sm3(data, f"{random.SystemRandom().randrange(1, N):064x}")
    assert signing.verify_with(key.point, data, theirs)


# --- Signing and verifying -----------------------------------------------------------------------


def test_signing_never_draws_from_the_random_module(key_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The nonce k comes from `secrets` (security goal 24): a Mersenne Twister k would give the key away."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("random 模块不得用于签名")

    for name in ("choice", "randint", "getrandbits", "random", "randrange", "randbytes"):
        monkeypatch.setattr(random, name, refuse)
    monkeypatch.setattr(random.Random, "random", refuse)
    monkeypatch.setattr(random.Random, "getrandbits", refuse)
    data = signing.canonical(CONTENT)
    first, second = signing.sign(data), signing.sign(data)
    assert signing.verify(data, first) and signing.verify(data, second)
    assert first.value != second.value  # a fresh k each time


def test_a_signature_names_its_algorithm_key_and_time(key_file: Path) -> None:
    signature = signing.sign(signing.canonical(CONTENT))
    assert signature.algorithm == "SM2-with-SM3"
    assert signature.key_id == signing.keys().current.fingerprint
    assert len(signature.key_id) == 16 and len(signature.value) == 128
    assert datetime.now(UTC) - signature.signed_at < timedelta(minutes=1)
    r, s = decode_dss_signature(signature.der())
    assert f"{r:064x}{s:064x}" == signature.value


def test_tampered_content_fails(key_file: Path) -> None:
    signature = signing.sign(signing.canonical(CONTENT))
    assert signing.verify(signing.canonical(CONTENT), signature)
    assert not signing.verify(signing.canonical({**CONTENT, "holder": "李四"}), signature)
    assert not signing.verify(signing.canonical({**CONTENT, "number": 43}), signature)
    assert not signing.verify(signing.canonical(CONTENT) + b" ", signature)


def test_a_retired_key_still_verifies_after_rotation(key_file: Path) -> None:
    data = signing.canonical(CONTENT)
    before = signing.sign(data)
    old, new = signing.rotate()
    after = signing.sign(data)
    assert before.key_id == old.fingerprint and after.key_id == new.fingerprint != old.fingerprint
    assert signing.verify(data, before) and signing.verify(data, after)
    assert not signing.verify(data, forged(before, key_id=new.fingerprint))
    listed = signing.public_keys()
    assert [(e.fingerprint, e.retired_at is None) for e in listed] == [
        (new.fingerprint, True),
        (old.fingerprint, False),
    ]
    assert listed[1].public_key == "04" + old.point.hex() and listed[1].valid_from == old.created


def test_a_key_not_in_the_ring_fails(key_file: Path) -> None:
    data = signing.canonical(CONTENT)
    stranger = SigningKey.generate()
    value = signing.sign_with(stranger, data)
    assert signing.verify_with(stranger.point, data, value)  # a good signature, by a key Yimen never had
    assert not signing.verify(
        data, Signature(signing.ALGORITHM, stranger.fingerprint, value, datetime.now(UTC))
    )
    current = signing.keys().current.fingerprint
    assert not signing.verify(data, Signature(signing.ALGORITHM, current, value, datetime.now(UTC)))


@pytest.mark.parametrize(
    ("r", "s"),
    [(0, 1), (1, 0), (N, 1), (1, N), (N + 1, 5), (5, N + 1), (2**256 - 1, 7), (7, N - 7)],
    ids=["r=0", "s=0", "r=n", "s=n", "r>n", "s>n", "r=max", "r+s=n"],
)
def test_r_and_s_outside_the_range_are_refused_before_the_curve(
    key_file: Path, monkeypatch: pytest.MonkeyPatch, r: int, s: int
) -> None:
    """GB/T 32918.2 B1, B2, B5 are checked here, not left to the library: with a library that accepts
    everything, an out-of-range r or s is still refused."""
    monkeypatch.setattr(signing, "Verify", lambda *args, **kwargs: True)
    key = signing.keys().current
    value = f"{r:064x}{s:064x}"
    assert not signing.verify(
        b"data", Signature(signing.ALGORITHM, key.fingerprint, value, datetime.now(UTC))
    )
    assert signing.verify(
        b"data", Signature(signing.ALGORITHM, key.fingerprint, f"{1:064x}{2:064x}", datetime.now(UTC))
    )


@pytest.mark.parametrize(
    "garbage",
    [
        {"value": "zz" * 64},
        {"value": "ab" * 63},
        {"value": "ab" * 65},
        {"value": ""},
        {"value": None},
        {"value": 12345},
        {"algorithm": "SM2"},
        {"algorithm": None},
        {"key_id": "0000000000000000"},
        {"key_id": None},
        {"key_id": ["list"]},
    ],
    ids=lambda change: f"{next(iter(change))}={next(iter(change.values()))!r}"[:30],
)
def test_garbage_is_false_never_an_exception(key_file: Path, garbage: dict[str, Any]) -> None:
    data = signing.canonical(CONTENT)
    good = signing.sign(data)
    assert not signing.verify(data, forged(good, **garbage))


def test_garbage_arguments_are_false_never_an_exception(key_file: Path) -> None:
    data = signing.canonical(CONTENT)
    good = signing.sign(data)
    assert not signing.verify("not bytes", good)  # type: ignore[arg-type]
    assert not signing.verify(data, object())  # type: ignore[arg-type]
    assert not signing.verify(data, None)  # type: ignore[arg-type]
    assert not signing.verify_with(b"\x00" * 64, data, good.value)  # not a point of the curve
    assert not signing.verify_with(b"short", data, good.value)


def test_the_point_at_infinity_is_no_signature(key_file: Path) -> None:
    """With P_A = G, [s]G + [t]P_A is the point at infinity when t = n − s (r = n − 2s): the library
    fails on it, and verify answers False."""
    g = bytes.fromhex(signing._G_HEX)
    s = 5
    r = (N - s - s) % N  # t = r + s = n − s
    assert not signing.verify_with(g, b"data", f"{r:064x}{s:064x}")


# --- What is signed ------------------------------------------------------------------------------


def test_canonical_bytes_are_fixed() -> None:
    """The contract verifiers rely on: this byte string may never change for this content."""
    content = {
        **CONTENT,
        "quote": '他说"可以"\\n',
        "line": "第一行\n第二行",
        "valid_until": datetime(2031, 12, 6, 23, 59, tzinfo=timezone(timedelta(hours=8))),
        "B": "upper case sorts first",
    }
    assert (
        signing.canonical(content)
        == (
            '{"B":"upper case sorts first","holder":"张三",'
            '"identifier":"1.2.156.3005.2.11100000000013338W001.0001.001.U","issued_on":"2026-12-07",'
            '"line":"第一行\\n第二行","note":null,"number":42,"quote":"他说\\"可以\\"\\\\n",'
            '"valid_until":"2031-12-06T23:59:00+08:00"}'
        ).encode()
    )
    assert signing.canonical(dict(reversed(list(content.items())))) == signing.canonical(content)
    assert signing.digest(signing.canonical(CONTENT)) == signing.digest(
        '{"holder":"张三","identifier":"1.2.156.3005.2.11100000000013338W001.0001.001.U",'
        '"issued_on":"2026-12-07","note":null,"number":42}'.encode()
    )


@pytest.mark.parametrize(
    "value", [True, 1.5, datetime(2026, 12, 7, 8, 0), ["a"], {"a": 1}, b"bytes"], ids=repr
)
def test_canonical_refuses_values_with_more_than_one_spelling(value: object) -> None:
    with pytest.raises(TypeError):
        signing.canonical({"field": value})  # type: ignore[dict-item]


# --- Key files -----------------------------------------------------------------------------------


def test_development_makes_its_key_on_first_use_readable_by_the_owner_only(
    tmp_path: Path, settings: Any
) -> None:
    settings.VAR_DIR = tmp_path
    settings.YIMEN = {**settings.YIMEN, "SIGNING_KEY_FILE": ""}
    signature = signing.sign(b"demo")
    path = tmp_path / "signing.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing.parse_key_file(path.read_text(), str(path)).fingerprint == signature.key_id


def test_a_named_key_file_that_is_missing_stops_signing(tmp_path: Path, settings: Any) -> None:
    path = tmp_path / "etc" / "signing.key"
    settings.YIMEN = {**settings.YIMEN, "SIGNING_KEY_FILE": str(path)}
    with pytest.raises(ImproperlyConfigured, match=r"签名密钥文件 .* 不存在"):
        signing.sign(b"data")
    assert not path.exists()


def test_a_key_file_others_may_read_is_refused(key_file: Path) -> None:
    key_file.chmod(0o640)
    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        signing.sign(b"data")


def test_a_ring_line_whose_key_does_not_fit_its_fingerprint_is_refused(key_file: Path) -> None:
    """Someone who can write the ring must not slip in a key of their own under a listed fingerprint."""
    old, _ = signing.rotate()
    ring = signing.ring_file()
    intruder = SigningKey.generate()
    ring.write_text(ring.read_text().replace(old.point.hex(), intruder.point.hex()))
    with pytest.raises(ImproperlyConfigured, match=r"公钥环 .* 第 1 行"):
        signing.keys()


@pytest.mark.django_db
def test_signkey_new_refuses_to_overwrite(tmp_path: Path, settings: Any) -> None:
    path = tmp_path / "signing.key"
    settings.YIMEN = {**settings.YIMEN, "SIGNING_KEY_FILE": str(path)}
    out = StringIO()
    call_command("signkey", "new", stdout=out)
    first = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing.keys().current.fingerprint in out.getvalue()
    with pytest.raises(CommandError, match="已存在，未作改动"):
        call_command("signkey", "new")
    assert path.read_text() == first
    assert AuditEntry.objects.filter(action="signkey.created").count() == 1


@pytest.mark.django_db
def test_signkey_rotate_and_show(key_file: Path) -> None:
    data = signing.canonical(CONTENT)
    before = signing.sign(data)
    call_command("signkey", "rotate", stdout=StringIO())
    out = StringIO()
    call_command("signkey", "show", stdout=out)
    current = signing.keys().current
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"{current.fingerprint}  ") and "当前签名密钥" in lines[0]
    assert lines[1].strip() == "04" + current.point.hex()
    assert lines[2].startswith(f"{before.key_id}  ") and "停用" in lines[2]
    assert signing.verify(data, before)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert AuditEntry.objects.filter(action="signkey.rotated", object_id=current.fingerprint).count() == 1


def test_signkey_show_without_the_named_file_says_what_to_do(tmp_path: Path, settings: Any) -> None:
    settings.YIMEN = {**settings.YIMEN, "SIGNING_KEY_FILE": str(tmp_path / "missing.key")}
    with pytest.raises(CommandError, match="yimen signkey new"):
        call_command("signkey", "show")
