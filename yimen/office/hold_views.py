"""保留（暂停删除）: the security administrator keeps a case or a request past its retention while a suit, a
复议, an audit or an investigation needs it, and releases it afterwards (个人信息保护法 第四十七条第二款);
both steps name their reason and are audited. The page also shows each kind's configured retention."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yimen.core.errors import ApplicationError
from yimen.office.views import requires, signed_in
from yimen.org.permissions import organisations_for
from yimen.privacy import retention
from yimen.privacy.models import LegalHold, RecordKind

HOLD = retention.HOLD
UNITS = {"years": "年", "days": "天"}


class HoldForm(forms.Form):
    kind = forms.ChoiceField(label="记录类别", choices=RecordKind.choices)
    number = forms.CharField(label="编号", max_length=80, help_text="办件编号或申请编号")
    reason = forms.CharField(
        label="保留理由",
        max_length=retention.REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：行政诉讼（案号）、行政复议、审计或调查需要",
    )


def _page(request: HttpRequest, form: HoldForm, status: int = 200) -> HttpResponse:
    holds = LegalHold.objects.select_related("organisation", "placed_by", "released_by")
    reach = organisations_for(signed_in(request), HOLD)
    if reach is not None:
        holds = holds.filter(organisation_id__in=reach)
    periods = [
        (label, *retention.period(kind), retention.first_kept(kind, timezone.localdate()))
        for kind, label in [*RecordKind.choices, (retention.SMS, "短信记录")]
    ]
    context = {
        "form": form,
        "in_force": holds.filter(released_at__isnull=True).order_by("-placed_at"),
        "released": holds.filter(released_at__isnull=False).order_by("-released_at")[:100],
        "periods": [(label, count, UNITS[unit], kept) for label, count, unit, kept in periods],
    }
    return render(request, "office/holds.html", context, status=status)


@requires(HOLD)
def holds(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, HoldForm())
    form = HoldForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            hold = retention.place_hold(
                kind=data["kind"], number=data["number"], reason=data["reason"], by=signed_in(request)
            )
        except ApplicationError as exc:
            if exc.status != 422:
                form.add_error(None, str(exc))
                return _page(request, form, status=exc.status)
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"已设置保留：{hold}。保留解除前，该记录不会因保留期限届满被匿名化。")
            return redirect("office:holds")
    return _page(request, form, status=422)


@require_POST
@requires(HOLD)
def release(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold, pk=pk)
    try:
        retention.release_hold(
            hold=hold, reason=request.POST.get("release_reason", ""), by=signed_in(request)
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.fields.get("release_reason", [exc])[0]))
    else:
        messages.success(request, f"已解除保留：{hold}。超过保留期限的，将在下次清理时匿名化。")
    return redirect("office:holds")
