"""Office forms: sign-in with lockout, and the calendar administrator's forms."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from yimen.core.services import AdjustedWorkday, HolidayRange
from yimen.core.throttle import client_address
from yimen.org import queries as org_queries
from yimen.org import services as org_services

# One answer for an unknown name, a wrong password and a locked pair (no account enumeration).
SIGN_IN_REFUSED = "用户名或密码错误；如多次输入错误，请稍后再试。"


class LoginForm(AuthenticationForm):
    """Password step. Failures count per account name and client address (org.services.record_login_failure);
    a locked pair is refused without checking the password, with the same words as a wrong password."""

    error_messages = {"invalid_login": SIGN_IN_REFUSED, "inactive": SIGN_IN_REFUSED}

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        assert self.request is not None
        address = client_address(self.request)
        if org_queries.sign_in_locked(username, address):
            raise self.get_invalid_login_error()
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            org_services.record_login_failure(username=username, address=address)
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class CodeForm(forms.Form):
    """Second step: the 6-digit code the authenticator app shows now."""

    token = forms.CharField(
        label="动态口令",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={
            "required": "动态口令：必填，请输入验证器应用显示的 6 位数字",
            "min_length": "动态口令：应为 6 位数字",
            "max_length": "动态口令：应为 6 位数字",
        },
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("动态口令：应为 6 位数字")
        return token


class StaffPasswordChangeForm(PasswordChangeForm):
    """Django's form (old password, new twice, the validators of settings.AUTH_PASSWORD_VALIDATORS), and the
    new password may not be the old one: a forced change must change something."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        new = cleaned.get("new_password1")
        if new and self.user.check_password(new):
            self.add_error("new_password1", "新密码不能与原密码相同。")
        return cleaned


_DATE = r"(\d{4}-\d{1,2}-\d{1,2})"
_RANGE_LINE = re.compile(rf"^{_DATE}\s*(?:(?:至|到|~|～|—|－)\s*|\s+){_DATE}?\s*(.*)$")
_DAY_LINE = re.compile(rf"^{_DATE}\s*(.*)$")


def _parse_date(text: str, where: str) -> date:
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise forms.ValidationError(f"{where}：{text} 不是有效日期") from None


class NoticeForm(forms.Form):
    """A State Council notice as an administrator types it: one holiday range or one make-up day per line."""

    year = forms.IntegerField(label="年份", min_value=2000, max_value=2099)
    title = forms.CharField(label="通知名称", max_length=200, required=False)
    holidays = forms.CharField(
        label="放假安排",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="每行一段：开始日期 至 结束日期 节日名称，例如：2027-02-06 至 2027-02-13 春节",
        error_messages={"required": "放假安排：至少填写一段放假日期"},
    )
    workdays = forms.CharField(
        label="调休上班日",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="每行一天：日期 节日名称，例如：2027-02-14 春节（须为周六或周日）",
    )

    def clean_holidays(self) -> list[HolidayRange]:
        ranges = []
        for number, line in enumerate(self.cleaned_data["holidays"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            where = f"放假安排第 {number} 行"
            match = _RANGE_LINE.match(line)
            if not match:
                raise forms.ValidationError(f"{where}：应为“开始日期 至 结束日期 名称”")
            start = _parse_date(match[1], where)
            end = _parse_date(match[2], where) if match[2] else start
            name = match[3].strip()
            if not name:
                raise forms.ValidationError(f"{where}：缺少节日名称")
            ranges.append(HolidayRange(start, end, name[:20]))
        if not ranges:
            raise forms.ValidationError("放假安排：至少填写一段放假日期")
        return ranges

    def clean_workdays(self) -> list[AdjustedWorkday]:
        days = []
        for number, line in enumerate(self.cleaned_data["workdays"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            where = f"调休上班日第 {number} 行"
            match = _DAY_LINE.match(line)
            if not match:
                raise forms.ValidationError(f"{where}：应为“日期 名称”")
            name = match[2].strip()
            if not name:
                raise forms.ValidationError(f"{where}：缺少节日名称")
            days.append(AdjustedWorkday(_parse_date(match[1], where), name[:20]))
        return days


class DayForm(forms.Form):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(
        label="调整为", choices=[("1", "工作日"), ("0", "休息日")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label="原因", max_length=100, help_text="例如：台风停止办公")
