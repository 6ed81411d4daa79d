"""The office's data exchange forms: a target's settings, and the dashboard's period.

The target form only collects what was typed; the rules (addresses by transport, the mapping's shape, the
ranges, the key) live in `exchange.services.save_target` and come back as `ApplicationError`.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from yimen.core.errors import ApplicationError
from yimen.exchange.models import Kind, Role, Signature, Target, Transport
from yimen.office.catalog_forms import NamedErrorsForm
from yimen.org.models import Organisation

NUMBERS = ("limit_minutes", "batch_size", "interval_seconds", "ack_minutes")
MAPPING_HELP = (
    '按数据类别填写 JSON，例如 {"up_pro_accept": {"table": "ex_accept", "fields": {"project_no": "sblsh"}, '
    '"omit": ["address"], "constants": {"area_code": "421200"}, "values": {"apply_type": {"1": "01"}}}}；'
    "不需要改名时留空"
)


def _text(label: str, *, required: bool = True, max_length: int = 500, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, **kwargs)


class TargetForm(NamedErrorsForm):
    code = _text("代码", max_length=40, help_text="小写字母、数字、连字符，如 province")
    name = _text("名称", max_length=100)
    role = forms.ChoiceField(label="类别", choices=Role.choices)
    transport = forms.ChoiceField(label="传输方式", choices=Transport.choices)
    endpoint = _text(
        "地址", help_text="前置库：mysql://用户@主机:端口/库名；HTTP：https://…；批量文件：投放目录的绝对路径"
    )
    secret = _text(
        "密钥",
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    signature = forms.ChoiceField(label="签名算法", choices=Signature.choices)
    kinds = forms.MultipleChoiceField(
        label="接收的数据类别", choices=Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    mapping = _text(
        "字段映射",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MAPPING_HELP,
    )
    limit_minutes = _text("及时性时限（分钟）", max_length=6, help_text="1 至 10080 分钟，办件通常 30 分钟")
    limits = _text(
        "分类时限（分钟）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='个别数据类别另设时限，如 {"up_task_directory": 1440}；留空则都用上面的时限',
    )
    batch_size = _text("每批条数", max_length=5, help_text="1 至 5000")
    interval_seconds = _text("推送间隔（秒）", max_length=6, help_text="0 为有数据即推送")
    ack_minutes = _text(
        "前置库确认等待（分钟）", max_length=6, help_text="写入前置库后这么久没有异常反馈即视为接收成功"
    )
    data_source = _text("数据来源代码", max_length=10)
    organisation = forms.ModelChoiceField(
        label="限于单位",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="不限（全部单位）",
        help_text="部门业务系统只接收该单位及其下级单位的数据",
    )
    alert_phone = _text("告警手机", required=False, max_length=20, help_text="推送失败转入死信时短信告警")

    def __init__(self, *args: Any, target: Target | None = None, **kwargs: Any) -> None:
        if target is not None:
            kwargs.setdefault("initial", initial_of(target))
        else:
            kwargs.setdefault(
                "initial",
                {
                    "limit_minutes": 30,
                    "batch_size": 200,
                    "interval_seconds": 0,
                    "ack_minutes": 60,
                    "data_source": "1",
                },
            )
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["organisation"].queryset = Organisation.objects.filter(is_active=True).order_by("code")
        fields["organisation"].error_messages["invalid_choice"] = "限于单位：没有该单位"
        if target is not None and target.secret:
            fields["secret"].help_text = "已设置；留空则保留原密钥（密钥不会显示）"
        else:
            fields["secret"].help_text = "HTTP 签名密钥、前置库口令或文件加密密钥（保存后不再显示）"

    def values(self) -> dict[str, Any]:
        """What the service takes: the typed text as is (it checks and converts it)."""
        return dict(self.cleaned_data)

    def show(self, exc: ApplicationError) -> None:
        """The service's messages next to the fields they name, the rest above the form."""
        for name, messages in exc.fields.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        if not exc.fields:
            self.add_error(None, exc.message)


def initial_of(target: Target) -> dict[str, Any]:
    """A target as its form shows it; the key never."""
    return {
        "code": target.code,
        "name": target.name,
        "role": target.role,
        "transport": target.transport,
        "endpoint": target.endpoint,
        "signature": target.signature,
        "kinds": list(target.kinds),
        "mapping": json.dumps(target.mapping, ensure_ascii=False, indent=2) if target.mapping else "",
        "limit_minutes": target.limit_minutes,
        "limits": json.dumps(target.limits, ensure_ascii=False) if target.limits else "",
        "batch_size": target.batch_size,
        "interval_seconds": target.interval_seconds,
        "ack_minutes": target.ack_minutes,
        "data_source": target.data_source,
        "organisation": target.organisation_id,
        "alert_phone": target.alert_phone,
    }


DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what a date input reads and sends


class DashboardForm(NamedErrorsForm):
    """The dashboard's question: a period (the last 30 days unless given), a target, a kind."""

    start = forms.DateField(label="开始日期", required=False, widget=DAY)
    end = forms.DateField(label="结束日期", required=False, widget=DAY)
    target = forms.ModelChoiceField(
        label="交换目标", queryset=Target.objects.none(), required=False, empty_label="全部目标"
    )
    kind = forms.ChoiceField(label="数据类别", choices=[("", "全部类别"), *Kind.choices], required=False)

    def __init__(self, *args: Any, targets: QuerySet[Target], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["target"].queryset = targets
        fields["target"].error_messages["invalid_choice"] = "不在您可查看的范围内"
        fields["start"].initial, fields["end"].initial = default_period()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = default_period()
        data["start"], data["end"] = data.get("start") or start, data.get("end") or end
        if data["end"] < data["start"]:
            self.add_error("end", "结束日期：不能早于开始日期")
        elif (data["end"] - data["start"]).days > 3 * 366:
            self.add_error("end", "结束日期：统计期不能超过3年")
        return data

    def question(self) -> tuple[date, date, Target | None, str]:
        """The period, target and kind asked, or the defaults when the form is not valid."""
        if not self.is_valid():
            start, end = default_period()
            return start, end, None, ""
        data = self.cleaned_data
        return data["start"], data["end"], data.get("target"), data.get("kind") or ""


def default_period() -> tuple[date, date]:
    today = timezone.localdate()
    return today - timedelta(days=29), today
