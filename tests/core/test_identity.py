"""Tests for yimen.core.identity: GB 11643-1999 ID numbers, GB 32100-2015 USCC codes, masking.

Pure functions: no Django settings or database needed.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yimen.core.identity import (
    ID_NUMBER_FIELD,
    PROVINCE_PREFIXES,
    USCC_ALPHABET,
    USCC_FIELD,
    IdentityError,
    birth_date_of,
    id_number_check_char,
    is_valid_id_number,
    is_valid_uscc,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize,
    sex_of,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
)

TODAY = date(2026, 11, 26)


def _id_error(value: str, *, today: date = TODAY) -> IdentityError:
    with pytest.raises(IdentityError) as info:
        validate_id_number(value, today=today)
    assert info.value.field == ID_NUMBER_FIELD
    assert ID_NUMBER_FIELD in str(info.value)
    return info.value


def _uscc_error(value: str) -> IdentityError:
    with pytest.raises(IdentityError) as info:
        validate_uscc(value)
    assert info.value.field == USCC_FIELD
    assert USCC_FIELD in str(info.value)
    return info.value


def _with_id_check(first17: str) -> str:
    return first17 + id_number_check_char(first17)


# --- 公民身份号码: the standard's vectors ---------------------------------------------------------


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014", "34052419800101001X"])
def test_standard_id_number_examples_are_valid(number: str) -> None:
    assert validate_id_number(number, today=TODAY) == number
    assert is_valid_id_number(number)


def test_id_number_with_wrong_check_char_names_the_expected_char() -> None:
    error = _id_error("340524198001010013")
    assert error.rule == "checksum"
    assert str(error) == "公民身份号码第18位校验码错误：应为 X"
    assert not is_valid_id_number("340524198001010013")


def test_id_number_check_char_matches_standard_examples() -> None:
    assert id_number_check_char("11010519491231002") == "X"
    assert id_number_check_char("44052418800101001") == "4"
    assert id_number_check_char("34052419800101001") == "X"


def test_birth_date_and_sex_are_read_from_the_number() -> None:
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    assert sex_of("11010519491231002X") == "女"
    assert birth_date_of("440524188001010014") == date(1880, 1, 1)
    assert sex_of("440524188001010014") == "男"


def test_birth_date_of_rejects_an_invalid_number() -> None:
    with pytest.raises(IdentityError):
        birth_date_of("340524198001010013")


# --- normalisation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and letter
        "１１０１０５１９４９１２３１００２ｘ",  # full-width lower-case x
        "11010519491231002x",  # trailing lower-case x
        "  11010519491231002X \t",  # surrounding spaces
        "\u300011010519491231002X\u3000",  # full-width spaces
        "110105 19491231 002X",  # inner spaces
    ],
)
def test_id_number_input_is_normalised_before_validation(raw: str) -> None:
    assert validate_id_number(raw, today=TODAY) == "11010519491231002X"


def test_uscc_input_is_normalised_before_validation() -> None:
    assert validate_uscc(" ９１３５０１００ｍ０００１００ｙ４３\u3000") == "91350100M000100Y43"
    assert validate_uscc("91440101ma5cjq4n59") == "91440101MA5CJQ4N59"


def test_normalize_removes_whitespace_converts_full_width_and_upper_cases() -> None:
    assert normalize(" ａｂｃ\u3000１２３－x ") == "ABC123-X"
    assert normalize("") == ""


# --- 公民身份号码: each rule --------------------------------------------------------------------------


def test_empty_id_number_is_required() -> None:
    error = _id_error("   ")
    assert error.rule == "required"


def test_id_number_of_wrong_length_reports_the_current_length() -> None:
    error = _id_error("11010519491231002")
    assert error.rule == "length"
    assert str(error) == "公民身份号码应为18位（当前17位）"
    assert _id_error("11010519491231002X1").rule == "length"


def test_letter_in_the_first_17_characters_is_a_charset_error() -> None:
    error = _id_error("11010519491A31002X")
    assert error.rule == "charset"
    assert "第12位" in str(error)


def test_last_character_other_than_digit_or_x_is_a_charset_error() -> None:
    error = _id_error("11010519491231002Y")
    assert error.rule == "charset"


def test_unknown_province_prefix_is_a_region_error() -> None:
    error = _id_error(_with_id_check("99010519491231002"))
    assert error.rule == "region"
    assert "99" in str(error)


def test_impossible_birth_date_is_rejected() -> None:
    error = _id_error(_with_id_check("11010519490231002"))
    assert error.rule == "birth_date"
    assert str(error) == "公民身份号码的出生日期 19490231 不是有效日期"
    assert _id_error(_with_id_check("11010519491331002")).rule == "birth_date"


def test_birth_year_before_1800_is_rejected() -> None:
    assert _id_error(_with_id_check("11010517991231002")).rule == "birth_date"


def test_birth_date_after_today_is_rejected() -> None:
    number = _with_id_check("11010520270101002")
    error = _id_error(number, today=TODAY)
    assert error.rule == "future_birth"
    assert "出生日期不能晚于今天" in str(error)
    # The same number is fine once its birth date has come.
    assert validate_id_number(number, today=date(2027, 1, 1)) == number


# --- 统一社会信用代码 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "91350200776049653A", "91440101MA5CJQ4N59", "913502000728319549"]
)
def test_published_uscc_examples_are_valid(code: str) -> None:
    assert validate_uscc(code) == code
    assert is_valid_uscc(code)


def test_uscc_check_char_matches_the_worked_example() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_uscc_with_forbidden_letter_is_a_charset_error() -> None:
    error = _uscc_error("91350100M000100Y4Z")
    assert error.rule == "charset"
    assert "Z" in str(error)
    assert (
        str(_uscc_error("91350100M000100I43")) == "统一社会信用代码含有不允许的字符 I（不使用 I、O、Z、S、V）"
    )


def test_uscc_with_wrong_check_char_names_the_expected_char() -> None:
    error = _uscc_error("91350100M000100Y44")
    assert error.rule == "checksum"
    assert str(error) == "统一社会信用代码第18位校验码错误：应为 3"
    assert not is_valid_uscc("91350100M000100Y44")


def test_uscc_of_wrong_length_is_rejected() -> None:
    error = _uscc_error("91350100M000100Y4")
    assert error.rule == "length"
    assert "当前17位" in str(error)


def test_uscc_with_letter_in_the_region_code_is_rejected() -> None:
    first17 = "9135A100M000100Y4"
    assert _uscc_error(first17 + uscc_check_char(first17)).rule == "region"


def test_empty_uscc_is_required() -> None:
    assert _uscc_error("").rule == "required"


# --- property tests ---------------------------------------------------------------------------------

ID_ALPHABET = "0123456789X"


@st.composite
def valid_id_numbers(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_PREFIXES)))
    rest_of_region = draw(st.text("0123456789", min_size=4, max_size=4))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    return _with_id_check(f"{province}{rest_of_region}{birth:%Y%m%d}{sequence}")


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    head = draw(st.text(USCC_ALPHABET, min_size=2, max_size=2))
    region = draw(st.text("0123456789", min_size=6, max_size=6))
    subject = draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    first17 = head + region + subject
    return first17 + uscc_check_char(first17)


def _substitute(value: str, position: int, alphabet: str, pick: int) -> str:
    """Replace value[position] with a different character of ``alphabet`` (chosen by ``pick``)."""
    others = [c for c in alphabet if c != value[position]]
    return value[:position] + others[pick % len(others)] + value[position + 1 :]


@settings(max_examples=200)
@given(valid_id_numbers())
def test_generated_id_numbers_are_valid(number: str) -> None:
    assert validate_id_number(number, today=TODAY) == number
    assert birth_date_of(number).year in range(1900, 2021)


@settings(max_examples=300)
@given(valid_id_numbers(), st.integers(0, 17), st.integers(0, 100))
def test_any_single_character_change_in_an_id_number_is_rejected(
    number: str, position: int, pick: int
) -> None:
    # MOD 11-2: every weight is non-zero mod 11 and values differ by 1..10, so the sum always changes.
    changed = _substitute(number, position, ID_ALPHABET, pick)
    with pytest.raises(IdentityError):
        validate_id_number(changed, today=TODAY)


@settings(max_examples=200)
@given(valid_usccs())
def test_generated_usccs_are_valid(code: str) -> None:
    assert validate_uscc(code) == code


@settings(max_examples=300)
@given(valid_usccs(), st.integers(0, 17), st.integers(0, 100))
def test_any_single_character_change_in_a_uscc_is_rejected(code: str, position: int, pick: int) -> None:
    # Weights 3^(i-1) mod 31 are non-zero mod the prime 31 and values differ by 1..30.
    changed = _substitute(code, position, USCC_ALPHABET, pick)
    with pytest.raises(IdentityError):
        validate_uscc(changed)


@given(st.text(max_size=30))
def test_normalize_is_idempotent(value: str) -> None:
    assert normalize(normalize(value)) == normalize(value)


# --- masking ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("张", "张"), ("", ""), ("某某科技有限公司", "某*******")],
)
def test_mask_name_keeps_only_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("420102199001011234", "4201**********1234"),
        ("1234567", "*******"),
        ("12345678", "********"),
        ("", ""),
    ],
)
def test_mask_id_number_keeps_first_and_last_four(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0715-8126517", "071*****6517"),
        ("123456", "******"),
        ("1234567", "*******"),
    ],
)
def test_mask_phone_keeps_first_three_and_last_four(value: str, masked: str) -> None:
    assert mask_phone(value) == masked
