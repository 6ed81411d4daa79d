"""The 商用密码 under personal data at rest (core/crypto.py): the SM3 and SM4 standard vectors, SM4-GCM
sealing that fails loudly on a changed byte, another column or another key, the blind index, and where
the keys come from (GB/T 22239-2019 8.1.4.7, 8.1.4.8; GB/T 32905-2016, GB/T 32907-2016)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from yimen.core import crypto

KEY_1 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
KEY_2 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
ID_NUMBER = "11010519491231002X"


def keys(text: str = "", file: str = "", var: Path | None = None) -> override_settings:
    from django.conf import settings

    yimen = {**settings.YIMEN, "DATA_KEY": text, "DATA_KEY_FILE": file}
    return override_settings(YIMEN=yimen, **({"VAR_DIR": var} if var else {}))


@pytest.fixture(autouse=True)
def _one_key() -> Iterator[None]:
    with keys(f"1:{KEY_1}"):
        yield


# --- the standard vectors ----------------------------------------------------------------------------


def test_sm3_of_abc_is_the_gbt_32905_example() -> None:
    assert crypto.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm3_of_the_64_byte_example_is_the_gbt_32905_example() -> None:
    assert (
        crypto.sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_sm4_encrypts_the_gbt_32907_example() -> None:
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_hmac_sm3_agrees_with_an_independent_implementation() -> None:
    """OpenSSL's SM3 through hashlib and the standard library's HMAC, against cryptography's HMAC-SM3."""
    expected = hmac.new(b"key", b"The quick brown fox", lambda: hashlib.new("sm3")).digest()
    assert crypto.sm3_hmac(b"key", b"The quick brown fox") == expected


# --- sealing -----------------------------------------------------------------------------------------


def test_a_sealed_value_names_its_key_and_opens_to_the_text() -> None:
    sealed = crypto.encrypt(ID_NUMBER, "cases.case.id_number")
    assert sealed.startswith("sm4:1:") and ID_NUMBER not in sealed
    assert crypto.decrypt(sealed, "cases.case.id_number") == ID_NUMBER


def test_each_sealing_uses_a_fresh_nonce() -> None:
    assert crypto.encrypt(ID_NUMBER, "c") != crypto.encrypt(ID_NUMBER, "c")


def _flip(sealed: str, at: int) -> str:
    prefix, body = sealed.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[at] ^= 0x01
    return f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


@pytest.mark.parametrize("at", [0, 12, 20, -1], ids=["nonce", "first byte", "middle", "tag"])
def test_one_flipped_byte_fails_the_tag(at: int) -> None:
    sealed = crypto.encrypt(ID_NUMBER, "cases.case.id_number")
    with pytest.raises(crypto.DecryptionError, match="InvalidTag"):
        crypto.decrypt(_flip(sealed, at), "cases.case.id_number")


def test_a_value_moved_to_another_column_does_not_open() -> None:
    sealed = crypto.encrypt(ID_NUMBER, "cases.case.id_number")
    with pytest.raises(crypto.DecryptionError, match=r"cases\.case\.phone.*InvalidTag"):
        crypto.decrypt(sealed, "cases.case.phone")


def test_a_wrong_key_is_refused() -> None:
    sealed = crypto.encrypt(ID_NUMBER, "c")
    with keys(f"1:{KEY_2}"), pytest.raises(crypto.DecryptionError, match=r"InvalidTag.*1 号密钥不对"):
        crypto.decrypt(sealed, "c")


def test_a_value_sealed_under_a_key_not_held_names_it() -> None:
    with keys(f"1:{KEY_1},2:{KEY_2}"):
        sealed = crypto.encrypt(ID_NUMBER, "c")
    assert sealed.startswith("sm4:2:")
    with pytest.raises(crypto.DecryptionError, match=r"2 号数据密钥加密.*没有这把密钥"):
        crypto.decrypt(sealed, "c")


def test_a_relabelled_key_id_does_not_open() -> None:
    """The key id is in the associated data: a value cannot be passed off as sealed under another key."""
    with keys(f"1:{KEY_1},2:{KEY_1}"):
        sealed = crypto.encrypt(ID_NUMBER, "c")
        with pytest.raises(crypto.DecryptionError, match="InvalidTag"):
            crypto.decrypt(sealed.replace("sm4:2:", "sm4:1:"), "c")


def test_plain_text_in_a_sealed_column_is_an_error_not_data() -> None:
    with pytest.raises(crypto.DecryptionError, match="不是 SM4 密文"):
        crypto.decrypt(ID_NUMBER, "cases.case.id_number")


# --- the blind index ---------------------------------------------------------------------------------


def test_the_blind_index_is_keyed_and_separates_purposes() -> None:
    index = crypto.blind_index(ID_NUMBER, "id_number")
    assert len(index) == 32 and index == crypto.blind_index(ID_NUMBER, "id_number")
    assert index != crypto.blind_index(ID_NUMBER, "phone")
    assert index != crypto.sm3(ID_NUMBER.encode()).hex()[:32]  # not an unkeyed hash anyone can compute
    with keys(f"1:{KEY_2}"):
        assert crypto.blind_index(ID_NUMBER, "id_number") != index


def test_lookups_compare_the_index_under_every_key_of_the_ring() -> None:
    old = crypto.blind_index(ID_NUMBER, "id_number")
    with keys(f"1:{KEY_1},2:{KEY_2}"):
        assert old in crypto.blind_indexes(ID_NUMBER, "id_number")
        assert crypto.blind_index(ID_NUMBER, "id_number") in crypto.blind_indexes(ID_NUMBER, "id_number")
        assert crypto.blind_index(ID_NUMBER, "id_number") != old


# --- where the keys come from -----------------------------------------------------------------------


def test_keys_may_be_hex_or_base64_and_the_highest_number_seals() -> None:
    b64 = base64.b64encode(bytes.fromhex(KEY_2)).decode()
    with keys(f"# comment\n3:{b64}\n1:{KEY_1}"):
        ring = crypto.keyring()
        assert sorted(ring.keys) == [1, 3] and ring.current.id == 3
    with keys(KEY_1[:32]):  # one bare 128-bit key is key 1
        assert crypto.keyring().current.id == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1:abcd", "格式不对"),
        ("x:" + KEY_1, "不是正整数"),
        (f"1:{KEY_1},1:{KEY_2}", "无效或重复"),
        (f"0:{KEY_1}", "无效或重复"),
    ],
)
def test_a_malformed_key_stops_the_start_with_a_clear_message(text: str, message: str) -> None:
    with keys(text), pytest.raises(ImproperlyConfigured, match=message):
        crypto.keyring()


def test_development_creates_its_key_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    with keys(var=tmp_path):
        sealed = crypto.encrypt(ID_NUMBER, "c")
        file = tmp_path / "data_keys"
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        first = file.read_text()
        crypto.forget_keys()
        assert crypto.decrypt(sealed, "c") == ID_NUMBER  # the same key is read back
        assert file.read_text() == first


def test_a_named_key_file_that_is_missing_is_refused(tmp_path: Path) -> None:
    with keys(file=str(tmp_path / "gone")), pytest.raises(ImproperlyConfigured, match="不存在"):
        crypto.keyring()
    assert not (tmp_path / "gone").exists()


def test_a_named_key_file_is_read(tmp_path: Path) -> None:
    file = tmp_path / "keys"
    file.write_text(f"1:{KEY_1}\n2:{KEY_2}\n")
    with keys(file=str(file)):
        assert crypto.keyring().current.id == 2


def test_a_second_process_creating_the_key_file_keeps_the_first_key(tmp_path: Path) -> None:
    file = tmp_path / "data_keys"
    crypto._create_key_file(file)
    first = file.read_text()
    crypto._create_key_file(file)  # lost the race: no error, no second key, no draft left behind
    assert file.read_text() == first and [p.name for p in tmp_path.iterdir()] == ["data_keys"]
