"""Office forms: sign-in with lockout, and the calendar administrator's forms."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from yimen.core.services import AdjustedWorkday, HolidayRange
from yimen.org import services as org_services
from yimen.org.models import Staff


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        staff = Staff.objects.filter(username=username).first()
        if staff is not None and org_services.is_locked(staff):
            raise forms.ValidationError(self._locked_message(staff), code="locked")
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            staff = org_services.record_login_failure(username=username)
            if staff is not None and org_services.is_locked(staff):
                raise forms.ValidationError(self._locked_message(staff), code="locked")
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    @staticmethod
    def _locked_message(staff: Staff) -> str:
        until = timezone.localtime(staff.locked_until).strftime("%H:%M") if staff.locked_until else ""
        return f"该账号因连续多次登录失败已被锁定，请于 {until} 后再试，或联系管理员解锁。"


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
