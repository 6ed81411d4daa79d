"""接口密钥: the security administrator issues a machine client's key (shown once), sees each key's
scope, expiry and last use, and revokes it (GB/T 22239-2019 8.1.4.2 e: 由授权主体配置访问控制策略)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yimen.core.errors import ApplicationError
from yimen.office.views import requires, signed_in
from yimen.org import services as org_services
from yimen.org.models import ApiKey, ApiScope, Organisation, Staff


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="接入系统名称", max_length=100, help_text="如：省一体化政务服务平台、市场监管局审批系统"
    )
    scopes = forms.MultipleChoiceField(
        label="可调用的接口", choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )
    staff = forms.ModelChoiceField(
        label="代表的接口账户",
        queryset=Staff.objects.filter(is_active=True),
        required=False,
        help_text="密钥以该账户的角色办理，仅短信送达回执可不选",
    )
    organisations = forms.ModelMultipleChoiceField(
        label="可办理的单位",
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        help_text="含其下级单位",
    )
    per_minute = forms.IntegerField(label="每分钟调用上限", min_value=1, max_value=6000, initial=60)
    expires_on = forms.DateField(
        label="有效期至", widget=forms.DateInput(attrs={"type": "date"}), help_text="最长一年"
    )


def _page(request: HttpRequest, form: ApiKeyForm, status: int = 200, plain: str = "") -> HttpResponse:
    keys = ApiKey.objects.select_related("staff").prefetch_related("organisations")
    context = {"form": form, "keys": keys, "plain": plain, "now": timezone.now()}
    response = render(request, "office/api_keys.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the new key is on this page once; no cache keeps it
    return response


@requires("security.manage")
def api_keys(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        initial = {"expires_on": timezone.localdate() + timedelta(days=180)}
        return _page(request, ApiKeyForm(initial=initial))
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        expires_at = timezone.make_aware(datetime.combine(data["expires_on"], time(23, 59, 59)))
        try:
            key, plain = org_services.issue_api_key(
                name=data["name"],
                staff=data["staff"],
                organisations=list(data["organisations"]),
                scopes=data["scopes"],
                per_minute=data["per_minute"],
                expires_at=expires_at,
                by=signed_in(request),
            )
        except ApplicationError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else "expires_on", error)
        else:
            messages.success(
                request, f"已签发接口密钥 {key.key_id}。密钥只显示这一次，请立即复制交给接入方。"
            )
            return _page(request, ApiKeyForm(), plain=plain)
    return _page(request, form, status=422)


@require_POST
@requires("security.manage")
def revoke_api_key(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk)
    try:
        org_services.revoke_api_key(key=key, by=signed_in(request))
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"接口密钥 {key.key_id}（{key.name}）已吊销，立即失效。")
    return redirect("office:api_keys")
