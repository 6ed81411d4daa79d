"""好差评 on the portal: the evaluation form an SMS link or a notice's QR code opens, and the public
statistics (满意率, 差评整改率) by organisation and window.

The signed token in the link is the applicant's only credential: a forged or altered one is a 404. The
page shows the item and the applicant's masked name, never the full name, ID number or phone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yimen.cases.links import case_from_evaluation_token
from yimen.cases.models import Case, Channel, Evaluation, Level
from yimen.cases.queries import evaluations
from yimen.cases.services.evaluations import EVALUABLE_STATES, evaluate, indicators_for
from yimen.core.errors import ApplicationError, TransitionError
from yimen.core.identity import mask_name

INDICATOR_PREFIX = "indicator_"
# A public page anyone may reload: the figures of one period are counted at most this often.
STATS_CACHE_SECONDS = 300


def _levels(label: str, *, required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=Level.choices,
        coerce=int,
        required=required,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": f"{label}：请选择一项",
            "invalid_choice": f"{label}：请从五个等级中选择一项",
        },
    )


class EvaluationForm(forms.Form):
    """整体满意度 (the level) is required; the channel's other indicators may be left unrated."""

    level = _levels("整体满意度", required=True)
    comment = forms.CharField(
        label="意见建议",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
        error_messages={"max_length": "意见建议：最多 500 字"},
    )

    def __init__(self, channel: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in indicators_for(channel).items():
            self.fields[INDICATOR_PREFIX + code] = _levels(label, required=False)

    def indicator_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(INDICATOR_PREFIX)]

    def indicators(self) -> dict[str, int]:
        return {
            name.removeprefix(INDICATOR_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(INDICATOR_PREFIX) and value is not None
        }

    def show(self, exc: ApplicationError) -> None:
        """The service's field messages next to the fields they name."""
        for name, messages in exc.fields.items():
            field = name if name in self.fields else INDICATOR_PREFIX + name
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        if not exc.fields:
            self.add_error(NON_FIELD_ERRORS, exc.message)


def _case(token: str) -> Case:
    case = case_from_evaluation_token(token)
    if case is None:
        raise Http404("评价链接无效")
    return case


def _notice(request: HttpRequest, context: dict[str, Any], title: str, status: int = 200) -> HttpResponse:
    return render(request, "portal/evaluate/notice.html", {**context, "title": title}, status=status)


def case(request: HttpRequest, token: str) -> HttpResponse:
    """一事一评: the form once; after that, a page saying the case has been evaluated."""
    found = _case(token)
    context: dict[str, Any] = {
        "item_name": found.version.name,
        "number": found.number,
        "applicant": mask_name(found.applicant_name),
        "channel": Channel(found.channel).label,
    }
    given = Evaluation.objects.filter(case=found).first()
    if given is not None:
        return _notice(request, context | {"given": given}, "该办件已评价")
    if found.state not in EVALUABLE_STATES:
        return _notice(request, context, "办件办结后才能评价", status=409)
    form = EvaluationForm(found.channel, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = evaluate(
                case=found,
                level=form.cleaned_data["level"],
                indicators=form.indicators(),
                comment=form.cleaned_data["comment"],
                channel=found.channel,
            )
        except TransitionError as exc:
            return _notice(request, context, exc.message, status=exc.status)
        except ApplicationError as exc:
            form.show(exc)
        else:
            return _notice(request, context | {"given": evaluation, "thanks": True}, "感谢您的评价")
    status = 422 if form.is_bound else 200
    context |= {"form": form, "work_order_days": settings.YIMEN["WORK_ORDER_DAYS"]}
    return render(request, "portal/evaluate/form.html", context, status=status)


class PeriodForm(forms.Form):
    start = forms.DateField(
        label="起始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "起始日期：应为 年-月-日，如 2024-01-01"},
    )
    end = forms.DateField(
        label="截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "截止日期：应为 年-月-日，如 2024-12-31"},
    )

    def period(self) -> evaluations.Period:
        """The dates asked for; this year to date where they are missing or wrong."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or date(today.year, 1, 1)
        end = data.get("end") or today
        return evaluations.Period(start, end) if start <= end else evaluations.Period(end, start)


def stats(request: HttpRequest) -> HttpResponse:
    """评价结果向社会公开 (国办发〔2019〕51号): counts per level and the two rates, with their definitions."""
    form = PeriodForm(request.GET or None)
    period = form.period()
    days = settings.YIMEN["WORK_ORDER_DAYS"]
    key = f"evaluate:stats:{period.start}:{period.end}"
    figures: dict[str, Any] = cache.get_or_set(key, lambda: _figures(period), STATS_CACHE_SECONDS) or {}
    context = {
        "form": form,
        "period": period,
        "levels": [label for _, label in Level.choices],
        "cache_minutes": STATS_CACHE_SECONDS // 60,
        "satisfaction_rule": evaluations.SATISFACTION_RATE,
        "rectification_rule": evaluations.RECTIFICATION_RATE.format(days=days),
        **figures,
    }
    return render(request, "portal/evaluate/stats.html", context)


def _figures(period: evaluations.Period) -> dict[str, Any]:
    return {
        "total": evaluations.satisfaction_total(period),
        "organisations": evaluations.satisfaction_by_organisation(period),
        "windows": evaluations.satisfaction_by_window(period),
    }
