"""Password rules with their messages in Chinese (GB/T 22239-2019 8.1.4.1 a: 鉴别信息具有复杂度要求)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator as DjangoCommonPassword
from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLength
from django.core.exceptions import ValidationError


class MinimumLengthValidator(DjangoMinimumLength):
    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"


class CommonPasswordValidator(DjangoCommonPassword):
    """Django's list of 20,000 common passwords, refused with a Chinese message."""

    def get_error_message(self) -> str:
        return "密码过于常见，容易被猜中，请换一个。"

    def get_help_text(self) -> str:
        return "密码不能是常见密码。"


CLASSES = {
    "大写字母": str.isupper,
    "小写字母": str.islower,
    "数字": str.isdigit,
    "符号": lambda c: not c.isalnum(),
}


class CharacterClassesValidator:
    """At least `min_classes` of the four kinds: upper-case letters, lower-case letters, digits, symbols
    (GB/T 22239-2019 8.1.4.1 a 复杂度要求, the common reading of at least 3 of 4)."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        found = [name for name, test in CLASSES.items() if any(test(c) for c in password)]
        if len(found) < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类"
                f"（现有 {len(found)} 类{'：' + '、'.join(found) if found else ''}）。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类。"
