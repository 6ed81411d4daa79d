"""电子证照标识 (GB/T 36904-2018) and its check character (ISO 7064 MOD 37,36, configurable)."""

from __future__ import annotations

from typing import Any

import pytest

from yimen.certificates.identifiers import Identifier, mod37_36, parse

# A real identifier, a Zhejiang 项目批复 OFD stored under its identifier (exchange-certificates.md §1.2): the
# check character our MOD 37,36 computes over 类型代码+颁发机构代码+流水号+版本号 is the one it carries, 0.
ZHEJIANG = "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0"


def test_the_check_character_of_a_real_identifier() -> None:
    assert mod37_36("11100000000013338W009" + "11330105002500287C" + "2025052201" + "002") == "0"
    assert str(Identifier("11100000000013338W009", "11330105002500287C", "2025052201", 2)) == ZHEJIANG
    assert parse(ZHEJIANG) == Identifier("11100000000013338W009", "11330105002500287C", "2025052201", 2)


def test_mod37_36_detects_every_single_substitution_and_adjacent_swap() -> None:
    body = "11100000000013338W03291330100MA2B3C4D5E20260000001001"
    check = mod37_36(body)
    for i, ch in enumerate(body):
        for other in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            if other != ch:
                assert mod37_36(body[:i] + other + body[i + 1 :]) != check, (i, other)
    for i in range(len(body) - 1):
        if body[i] != body[i + 1]:
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
            assert mod37_36(swapped) != check, i


def test_parse_refuses_a_wrong_check_character_and_malformed_identifiers() -> None:
    wrong = ZHEJIANG[:-1] + "1"
    assert parse(wrong) is None
    assert parse("1.2.156.3005.2.X.Y") is None
    assert parse("2.16.156.11100000000013338W009.11330105002500287C.2025052201.002.0") is None
    assert parse(ZHEJIANG.replace(".002.", ".02.")) is None
    assert parse(" " + ZHEJIANG.lower() + " ") == parse(ZHEJIANG)  # typed in lower case, with spaces


def test_mod37_36_refuses_characters_outside_its_alphabet() -> None:
    with pytest.raises(ValueError, match="校验位"):
        mod37_36("ABC-1")


def test_without_a_check_algorithm_the_identifier_has_no_check_segment(settings: Any) -> None:
    settings.YIMEN = {**settings.YIMEN, "CERTIFICATE_CHECK": "none"}
    identifier = str(Identifier("11100000000013338W009", "11330105002500287C", "2025052201", 2))
    assert identifier == ZHEJIANG[:-2]
    assert parse(identifier) is not None
