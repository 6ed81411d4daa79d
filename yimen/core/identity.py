"""Identity numbers: validation, derived facts and masking for public display.

Standards implemented:

* 公民身份号码 — GB 11643-1999 《公民身份号码》: 6-digit address code (GB/T 2260), 8-digit birth date
  YYYYMMDD (GB/T 7408), 3-digit sequence code (odd = male, even = female) and one check character
  computed with ISO 7064:1983 MOD 11-2 (weights 2^(18-i) mod 11, check table ``10X98765432``).
* 统一社会信用代码 — GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》: 18 characters from the
  31-symbol set ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, Z, S, V); positions 3-8 are the GB/T 2260
  administrative-division code; the check character is C18 = 31 - (Σ Ci·Wi mod 31) with
  Wi = 3^(i-1) mod 31, and 31 written as 0.

Both check systems detect every single-character substitution: each weight is non-zero modulo a prime
(11 or 31) and two different character values differ by less than that prime, so the weighted sum
always changes modulo the prime.

Every rejection raises :class:`IdentityError`, whose ``str()`` is a Chinese message for the user that
names the field and the rule, and whose ``.field`` / ``.rule`` attributes are for programs.

The masking helpers (``mask_name``, ``mask_id_number``, ``mask_phone``) produce the partly hidden forms
used on public pages (公示): they never reveal a value whose visible parts would cover all of it.

This module is pure Python (no Django) so it can be used anywhere, including forms, APIs and scripts.
"""

from __future__ import annotations

from datetime import date
from typing import Final

__all__ = [
    "ID_NUMBER_FIELD",
    "PROVINCE_PREFIXES",
    "USCC_ALPHABET",
    "USCC_FIELD",
    "IdentityError",
    "birth_date_of",
    "id_number_check_char",
    "is_valid_id_number",
    "is_valid_uscc",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "normalize",
    "sex_of",
    "uscc_check_char",
    "validate_id_number",
    "validate_uscc",
]

ID_NUMBER_FIELD: Final = "公民身份号码"
USCC_FIELD: Final = "统一社会信用代码"

# GB 11643-1999 / ISO 7064 MOD 11-2: weight of position i (1-based) is 2^(18-i) mod 11.
_ID_WEIGHTS: Final = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARS: Final = "10X98765432"
_ID_LENGTH: Final = 18
_ID_MIN_BIRTH_YEAR: Final = 1800

# Province-level prefixes of GB/T 2260 (11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82), and 83,
# which 港澳台居民居住证 numbers carry for Taiwan residents (国办发〔2018〕81号).
PROVINCE_PREFIXES: Final = frozenset(
    f"{n:02d}"
    for n in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    )
)

# GB 32100-2015: the 31 symbols, each worth its index (0..30).
USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES: Final = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
_USCC_FORBIDDEN_LETTERS: Final = "IOZSV"
_USCC_LENGTH: Final = 18

_DIGITS: Final = frozenset("0123456789")


class IdentityError(ValueError):
    """An identity number that fails a rule.

    ``field`` is the Chinese field label (e.g. "公民身份号码"), ``rule`` a short machine code
    ("required", "length", "charset", "region", "birth_date", "future_birth", "checksum") and
    ``str(exc)`` a Chinese message for the user that names the field and the failed rule.
    """

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"IdentityError(field={self.field!r}, rule={self.rule!r}, message={self.message!r})"


def normalize(value: str) -> str:
    """Return ``value`` as an identity number is stored.

    Removes all whitespace (leading, trailing and inner, including the full-width space U+3000),
    converts full-width ASCII (U+FF01-U+FF5E) to half-width and upper-cases the result, so a trailing
    ``x`` or ``ｘ`` becomes ``X``.
    """
    chars: list[str] = []
    for ch in value:
        if ch.isspace():
            continue
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        chars.append(ch)
    return "".join(chars).upper()


# ---------------------------------------------------------------------------------------------------
# 公民身份号码 (GB 11643-1999)
# ---------------------------------------------------------------------------------------------------


def id_number_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character (``0``-``9`` or ``X``) for 17 digits."""
    if len(first17) != _ID_LENGTH - 1:
        raise IdentityError(
            ID_NUMBER_FIELD, "length", f"计算{ID_NUMBER_FIELD}校验码需要前17位（当前{len(first17)}位）"
        )
    _check_id_body_digits(first17)
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _check_id_body_digits(first17: str) -> None:
    for position, ch in enumerate(first17, start=1):
        if ch not in _DIGITS:
            raise IdentityError(
                ID_NUMBER_FIELD, "charset", f"{ID_NUMBER_FIELD}前17位只能是数字（第{position}位是 {ch}）"
            )


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """Validate a 公民身份号码 and return it normalised (see :func:`normalize`).

    Checks, in order: present, 18 characters, first 17 digits and the last a digit or ``X``, a real
    province-level prefix in the 6-digit address code, a real birth date (year 1800 or later) not
    after ``today`` (default: ``date.today()``), and the MOD 11-2 check character.
    Raises :class:`IdentityError` on the first failed rule.
    """
    number = normalize(value)
    if not number:
        raise IdentityError(ID_NUMBER_FIELD, "required", f"请填写{ID_NUMBER_FIELD}")
    if len(number) != _ID_LENGTH:
        raise IdentityError(ID_NUMBER_FIELD, "length", f"{ID_NUMBER_FIELD}应为18位（当前{len(number)}位）")
    _check_id_body_digits(number[:17])
    last = number[17]
    if last not in _DIGITS and last != "X":
        raise IdentityError(
            ID_NUMBER_FIELD, "charset", f"{ID_NUMBER_FIELD}第18位只能是数字或 X（当前是 {last}）"
        )

    region = number[:6]
    if region[:2] not in PROVINCE_PREFIXES:
        raise IdentityError(
            ID_NUMBER_FIELD,
            "region",
            f"{ID_NUMBER_FIELD}的地址码 {region} 无效：前两位 {region[:2]} 不是省级行政区划代码",
        )

    birth_text = number[6:14]
    birth = _parse_birth_date(birth_text)
    if birth is None or birth.year < _ID_MIN_BIRTH_YEAR:
        raise IdentityError(
            ID_NUMBER_FIELD, "birth_date", f"{ID_NUMBER_FIELD}的出生日期 {birth_text} 不是有效日期"
        )
    if birth > (today if today is not None else date.today()):
        raise IdentityError(
            ID_NUMBER_FIELD, "future_birth", f"{ID_NUMBER_FIELD}的出生日期不能晚于今天（{birth_text}）"
        )

    expected = id_number_check_char(number[:17])
    if last != expected:
        raise IdentityError(
            ID_NUMBER_FIELD, "checksum", f"{ID_NUMBER_FIELD}第18位校验码错误：应为 {expected}"
        )
    return number


def _parse_birth_date(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def birth_date_of(id_number: str) -> date:
    """Return the birth date encoded in a valid 公民身份号码 (raises :class:`IdentityError` if invalid)."""
    number = validate_id_number(id_number)
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_of(id_number: str) -> str:
    """Return "男" (odd 17th digit) or "女" (even) for a valid 公民身份号码 (raises if invalid)."""
    number = validate_id_number(id_number)
    return "男" if int(number[16]) % 2 == 1 else "女"


def is_valid_id_number(value: str, *, today: date | None = None) -> bool:
    """True when :func:`validate_id_number` accepts ``value``."""
    try:
        validate_id_number(value, today=today)
    except IdentityError:
        return False
    return True


# ---------------------------------------------------------------------------------------------------
# 统一社会信用代码 (GB 32100-2015)
# ---------------------------------------------------------------------------------------------------


def _check_uscc_charset(code: str) -> None:
    for ch in code:
        if ch in _USCC_VALUES:
            continue
        if ch in _USCC_FORBIDDEN_LETTERS:
            hint = "不使用 I、O、Z、S、V"
        else:
            hint = "只能由数字和大写字母组成，不使用 I、O、Z、S、V"
        raise IdentityError(USCC_FIELD, "charset", f"{USCC_FIELD}含有不允许的字符 {ch}（{hint}）")


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a code."""
    if len(first17) != _USCC_LENGTH - 1:
        raise IdentityError(USCC_FIELD, "length", f"计算{USCC_FIELD}校验码需要前17位（当前{len(first17)}位）")
    _check_uscc_charset(first17)
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Validate a 统一社会信用代码 and return it normalised (see :func:`normalize`).

    Checks, in order: present, 18 characters, only the 31 allowed symbols, positions 3-8 (登记管理机关
    行政区划码) digits, and the check character. Raises :class:`IdentityError` on the first failed rule.
    """
    code = normalize(value)
    if not code:
        raise IdentityError(USCC_FIELD, "required", f"请填写{USCC_FIELD}")
    if len(code) != _USCC_LENGTH:
        raise IdentityError(USCC_FIELD, "length", f"{USCC_FIELD}应为18位（当前{len(code)}位）")
    _check_uscc_charset(code)
    region = code[2:8]
    if not all(c in _DIGITS for c in region):
        raise IdentityError(
            USCC_FIELD, "region", f"{USCC_FIELD}第3-8位（登记管理机关行政区划码）应为数字（当前是 {region}）"
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise IdentityError(USCC_FIELD, "checksum", f"{USCC_FIELD}第18位校验码错误：应为 {expected}")
    return code


def is_valid_uscc(value: str) -> bool:
    """True when :func:`validate_uscc` accepts ``value``."""
    try:
        validate_uscc(value)
    except IdentityError:
        return False
    return True


# ---------------------------------------------------------------------------------------------------
# Masking for public display
# ---------------------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """Keep the first character and replace each other character with ``*``.

    "张三" → "张*", "欧阳娜娜" → "欧***", "张" → "张", "" → "". The same rule applies to
    organisation names of any length ("某某科技有限公司" → "某*******"). Surrounding whitespace is
    dropped first.
    """
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_id_number(value: str) -> str:
    """Keep the first 4 and last 4 characters and replace the middle with one ``*`` per character.

    "420102199001011234" → "4201**********1234". A value of 8 characters or fewer is masked entirely,
    since its first and last four would otherwise show all of it. The value is normalised first.
    """
    text = normalize(value)
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 characters and replace the middle with one ``*`` per character.

    Mobile "13812345678" → "138****5678"; landline "0715-8126517" → "071*****6517". A value of 7
    characters or fewer is masked entirely, since the kept parts would otherwise show all of it.
    Whitespace is removed and full-width characters converted first (see :func:`normalize`).
    """
    text = normalize(value)
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]
