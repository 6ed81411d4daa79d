"""The office's 依申请公开 forms: counter entry of a request, and one small form per step on its page.

Forms parse what the officer typed (dates, numbers, choices) and name the field in every message; the
rules of each step (the 7-day limit for a 补正 notice, at most 20 days' extension, who approves) are the
services', whose refusals come back next to the field they name.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from yimen.core.errors import ApplicationError
from yimen.disclosure.forms import RequestForm, named
from yimen.disclosure.models import (
    AppealKind,
    AppealResult,
    Channel,
    ConsultationParty,
    FeeMethod,
    Outcome,
)
from yimen.disclosure.presenting import publication_by_index
from yimen.org.models import Staff
from yimen.org.permissions import organisations_for
from yimen.publishing.models import Publication

DATE = forms.DateInput(attrs={"type": "date"})
# Which receipt date 条例第三十一条 reads for each channel, for the form's hints.
DATE_FIELDS = {"submitted_on", "signed_on", "confirmed_on"}


def _date(label: str, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE,
        help_text=help_text,
        error_messages={"invalid": f"{label}：应为日期，例如 2024-10-08", "required": f"{label}：必填"},
    )


class Named(forms.Form):
    """Every message names its field; a service's messages land next to the field they name."""

    def full_clean(self) -> None:
        super().full_clean()
        for name, errors in list(self.errors.as_data().items()):
            if name in self.fields:
                label = str(self.fields[name].label)
                self.errors[name] = self.error_class([named(label, m) for e in errors for m in e.messages])

    def show(self, exc: ApplicationError) -> None:
        for name, messages in exc.fields.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        if not exc.fields:
            self.add_error(None, exc.message)


class CounterForm(RequestForm):
    """登记 at the counter or from the post: the channel, and the dates 条例第三十一条 reads for it."""

    channel = forms.ChoiceField(label="申请渠道", choices=Channel.choices, initial=Channel.IN_PERSON)
    submitted_on = _date("提交或寄出日期", required=True, help_text="当面、口头：提交之日即收到申请之日")
    signed_on = _date("签收日期", help_text="邮寄（需签收）：以签收之日为收到申请之日")
    confirmed_on = _date(
        "确认日期", help_text="平常信函、传真、电子邮件、网上申请：以与申请人确认之日为收到申请之日"
    )

    def __init__(self, *args: Any, staff: Staff, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        handled = organisations_for(staff, "disclosure.handle")
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None
        if handled is not None:
            field.queryset = field.queryset.filter(pk__in=handled)
        field.help_text = "您负责办理的机关"
        self.fields["channel"].error_messages["invalid_choice"] = "申请渠道：请从可选项中选择"
        self.order_fields(["channel", "submitted_on", "signed_on", "confirmed_on", "organisation"])

    def dates(self) -> dict[str, date | None]:
        return {name: self.cleaned_data.get(name) for name in DATE_FIELDS}


# --- the steps on a request's page ------------------------------------------------------------


def _on(label: str = "日期") -> forms.DateField:
    return _date(label, help_text="不填为今天")


class StepForm(Named):
    """A step dated `on` (today unless the officer writes down an earlier day)."""

    on = _on()

    def clean_on(self) -> date:
        return self.cleaned_data.get("on") or timezone.localdate()


class ClarifyForm(StepForm):
    items = forms.CharField(
        label="需要补正的事项",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="一次性告知全部事项（条例第三十条）",
    )
    deadline_on = _date("补正期限", required=True, help_text="合理的补正期限")
    on = _on("告知日期")
    field_order = ["items", "deadline_on", "on"]


class SupplementForm(StepForm):
    content = forms.CharField(label="补正内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    on = _on("收到补正日期")


class ConsultForm(Named):
    party_kind = forms.ChoiceField(label="征求对象", choices=ConsultationParty.choices)
    party_name = forms.CharField(label="对象名称", max_length=100)
    sent_on = _date("发出日期", help_text="不填为今天")

    def clean_sent_on(self) -> date:
        return self.cleaned_data.get("sent_on") or timezone.localdate()


class ConsultEndForm(Named):
    consultation = forms.IntegerField(widget=forms.HiddenInput, label="征求意见")
    replied_on = _date("收回日期", help_text="不填为今天")
    opinion = forms.CharField(label="意见", max_length=200, required=False)

    def clean_replied_on(self) -> date:
        return self.cleaned_data.get("replied_on") or timezone.localdate()


class ExtendForm(StepForm):
    workdays = forms.IntegerField(label="延长工作日", min_value=1, max_value=20, initial=20)
    reason = forms.CharField(label="延期理由", max_length=300)
    on = _on("延期决定日期")
    field_order = ["workdays", "reason", "on"]


class CustomDeadlineForm(Named):
    due_on = _date("延迟答复期限", required=True)
    reason = forms.CharField(
        label="理由", max_length=300, help_text="条例第三十五条：申请数量、频次明显超过合理范围"
    )


class FeeForm(StepForm):
    method = forms.ChoiceField(label="计收方式", choices=FeeMethod.choices)
    quantity = forms.IntegerField(
        label="件次或页数", min_value=1, help_text="按件：本月第几件申请；按量：提供的页数"
    )
    on = _on("通知日期")
    field_order = ["method", "quantity", "on"]


class ReplyForm(StepForm):
    outcome = forms.ChoiceField(label="办理结果", choices=Outcome.choices)
    reasons = forms.CharField(
        label="理由", max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    how_to_obtain = forms.CharField(
        label="获取信息的方式、途径",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    publication = forms.CharField(
        label="已主动公开信息的索引号", max_length=60, required=False, help_text="所申请信息已主动公开时填写"
    )
    pages = forms.IntegerField(label="提供页数", min_value=0, required=False, initial=0)
    on = _on("答复日期")
    field_order = ["outcome", "reasons", "how_to_obtain", "publication", "pages", "on"]

    def clean_publication(self) -> Publication | None:
        try:
            return publication_by_index(self.cleaned_data.get("publication", ""))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_pages(self) -> int:
        return self.cleaned_data.get("pages") or 0


class AppealForm(Named):
    kind = forms.ChoiceField(label="类别", choices=AppealKind.choices)
    filed_on = _date("申请或起诉日期", required=True)
    body = forms.CharField(label="复议机关或法院", max_length=100)
    reference = forms.CharField(label="案号", max_length=60, required=False)


class AppealDecisionForm(Named):
    appeal = forms.IntegerField(widget=forms.HiddenInput, label="复议或诉讼")
    result = forms.ChoiceField(label="结果", choices=AppealResult.choices)
    decided_on = _date("决定或判决日期", required=True)
