"""The staff back office: sign-in, the home page, the calendar administrator's pages."""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from yimen.core import calendar
from yimen.core import services as core_services
from yimen.core.errors import ApplicationError
from yimen.core.queries import loaded_notice, year_months
from yimen.core.throttle import client_address
from yimen.office import signin
from yimen.office.forms import (
    SIGN_IN_REFUSED,
    CodeForm,
    DayForm,
    LoginForm,
    NoticeForm,
    StaffPasswordChangeForm,
)
from yimen.org import queries as org_queries
from yimen.org import services as org_services
from yimen.org.models import SignInLock, Staff, StaffRole
from yimen.org.permissions import can, needs_second_factor

View = Callable[..., HttpResponse]


def signed_in(request: HttpRequest) -> Staff:
    """The staff member behind a request that `login_required` has let through."""
    user = request.user
    assert isinstance(user, Staff)
    return user


def requires(action: str) -> Callable[[View], View]:
    """Signed in, and holding a role that grants `action`; otherwise 403 with a Chinese page."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not can(request.user, action):
                return render(request, "office/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def login_view(request: HttpRequest) -> HttpResponse:
    """Password step; those who need a second factor go on to the code step, the others are signed in."""
    target = request.POST.get("next") or request.GET.get("next") or reverse("office:home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("office:home")
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        staff = form.get_user()
        assert isinstance(staff, Staff)
        if needs_second_factor(staff):
            signin.begin(request, staff, target)
            return redirect("office:login_code")
        signin.complete(request, staff)
        return HttpResponseRedirect(target)
    return render(request, "office/login.html", {"form": form, "next": target})


def login_code(request: HttpRequest) -> HttpResponse:
    """Code step (GB/T 22239-2019 8.1.4.1 d): a TOTP code from the device enrolled earlier, or, the first
    time, enrolment — the page shows the key as a QR code and the first right code confirms it."""
    held = signin.pending(request)
    if held is None:
        messages.warning(request, "请先输入用户名和密码。")
        return redirect("office:login")
    staff, target = held
    device = TOTPDevice.objects.filter(user=staff, confirmed=True).first()
    enrolling = device is None
    if device is None:
        device = TOTPDevice.objects.filter(user=staff, confirmed=False).first() or TOTPDevice.objects.create(
            user=staff, name="办公后台", confirmed=False
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        if not org_queries.sign_in_locked(staff.username, address) and device.verify_token(
            form.cleaned_data["token"]
        ):
            if enrolling:
                org_services.enrol_second_factor(staff=staff, device=device)
            signin.complete(request, staff, device=device)
            return HttpResponseRedirect(target)
        lock = org_services.record_login_failure(username=staff.username, address=address)
        if lock.locked_until is not None:
            signin.abandon(request)
            messages.warning(request, SIGN_IN_REFUSED)
            return redirect("office:login")
        form.add_error("token", "动态口令不正确或已过期，请输入验证器应用当前显示的 6 位数字。")
    context: dict[str, Any] = {"form": form, "staff": staff, "enrolling": enrolling}
    if enrolling:
        context["qr"] = segno.make(device.config_url, error="m").svg_data_uri(scale=5)
        secret = base64.b32encode(device.bin_key).decode()
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(request, "office/login_code.html", context, status=422 if form.is_bound else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, Staff):
        org_services.record_logout(staff=request.user, reason="退出")
    logout(request)  # the session row is deleted, not only emptied
    messages.success(request, "已安全退出。")
    return redirect("office:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    grants = (
        StaffRole.objects.filter(staff=signed_in(request))
        .select_related("organisation")
        .order_by("organisation__code")
    )
    tools = [
        (label, link)
        for label, url, action in [
            ("一窗受理", "office_cases:intake", "case.intake"),
            ("办件列表", "office_cases:list", "case.view"),
            ("并联审查", "office_cases:reviews", "case.review"),
            ("电子监察", "office_supervision:board", "supervision.view"),
            ("办件统计", "office_supervision:stats", "stats.view"),
            ("差评整改工单", "office_workorders:list", "workorder.handle"),
            ("超期整改工单", "office_workorders:overdue", "supervision.view"),
            ("个人信息权利申请", "office_privacy:list", "privacy.handle"),
            ("个人信息权利申请窗口登记", "office_privacy:new", "privacy.intake"),
            ("事项管理", "office_catalog:items", "item.edit"),
            ("电子证照", "office_certificates:list", "certificate.manage"),
            ("证照类型", "office_certificates:types", "certificate.type.edit"),
            ("法制审核", "office_catalog:queue_legal", "item.legal_review"),
            ("审改审核", "office_catalog:queue_reform", "item.reform_review"),
            ("事项目录导入导出", "office:catalog_import", "item.edit"),
            ("主动公开", "office_publishing:list", "publication.edit"),
            ("公开审核", "office_publishing:review_queue", "publication.review"),
            ("公开目录与指南", "office_publishing:catalogue", "publication.edit"),
            ("依申请公开", "office_disclosure:desk", "disclosure.handle"),
            ("年度报告", "office_reports:list", "report.edit"),
            ("统计图表", "office_reports:dashboard", "stats.view"),
            ("政务数据开放", "office_opendata:list", "org.manage"),
            ("数据交换", "office_exchange:targets", "exchange.view"),
            ("工作日历", "office:calendar", "calendar.manage"),
            ("审计日志", "office:audit", "audit.view"),
            ("接口密钥", "office:api_keys", "security.manage"),
            ("保留（暂停删除）", "office:holds", "retention.hold"),
        ]
        if can(request.user, action) and (link := _link(url))
    ]
    if request.user.is_staff:
        tools.append(("系统管理（机构、窗口、人员）", reverse("admin:index")))
    context: dict[str, Any] = {"grants": grants, "tools": tools}
    if can(request.user, "security.manage"):
        tools.append(("安全管理（登录锁定、动态口令）", reverse("office:security")))
        context["lockouts"] = org_queries.current_lockouts().count()
        context["burst"] = org_queries.lockout_burst()
    return render(request, "office/home.html", context)


def _link(url_name: str) -> str | None:
    """The tool's address, or None while the app that serves it has no such page."""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    staff = signed_in(request)
    form = StaffPasswordChangeForm(staff, request.POST or None)
    if request.method == "POST" and form.is_valid():
        org_services.change_password(staff=staff, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, staff)
        messages.success(request, "密码已修改。")
        return redirect("office:home")
    return render(request, "office/password_change.html", {"form": form})


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2099)


def _calendar_page(
    request: HttpRequest,
    year: int,
    *,
    notice_form: NoticeForm | None = None,
    day_form: DayForm | None = None,
    status: int = 200,
) -> HttpResponse:
    info, holidays, workdays = loaded_notice(year)
    if notice_form is None:
        notice_form = NoticeForm(
            initial={
                "year": year,
                "title": info.notice_title if info else f"国务院办公厅关于{year}年部分节假日安排的通知",
                "holidays": "\n".join(f"{h.start} 至 {h.end} {h.name}" for h in holidays),
                "workdays": "\n".join(f"{w.date} {w.name}" for w in workdays),
            }
        )
    context = {
        "year": year,
        "info": info,
        "provisional": calendar.is_provisional(year),
        "months": year_months(year),
        "notice_form": notice_form,
        "day_form": day_form or DayForm(initial={"is_workday": "0"}),
        "weekdays": "一二三四五六日",
    }
    return render(request, "office/calendar.html", context, status=status)


@requires("calendar.manage")
def calendar_year(request: HttpRequest) -> HttpResponse:
    return _calendar_page(request, _year(request))


@require_POST
@requires("calendar.manage")
def calendar_notice(request: HttpRequest) -> HttpResponse:
    form = NoticeForm(request.POST)
    year = _year(request)
    if form.is_valid():
        try:
            changed = core_services.load_holiday_notice(
                year=form.cleaned_data["year"],
                holidays=form.cleaned_data["holidays"],
                workdays=form.cleaned_data["workdays"],
                title=form.cleaned_data["title"],
                by=request.user,
            )
        except ApplicationError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request,
                f"{form.cleaned_data['year']}年放假通知已载入，{len(changed)} 天的工作日状态有变化，相关期限将重新计算。",
            )
            return redirect(f"{reverse('office:calendar')}?year={form.cleaned_data['year']}")
    return _calendar_page(request, year, notice_form=form, status=422)


@require_POST
@requires("calendar.manage")
def calendar_day(request: HttpRequest) -> HttpResponse:
    form = DayForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["day"]
        try:
            core_services.set_day(
                day=day,
                is_workday=form.cleaned_data["is_workday"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except (ApplicationError, calendar.CalendarError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"{day} 已调整为{'工作日' if form.cleaned_data['is_workday'] else '休息日'}。"
            )
            return redirect(f"{reverse('office:calendar')}?year={day.year}")
    return _calendar_page(request, _year(request), day_form=form, status=422)


@requires("security.manage")
def security(request: HttpRequest) -> HttpResponse:
    """安全管理员: the sign-in locks in force (and an alert when they come in a burst), lifting one, and
    removing a lost second-factor device (GB/T 22239-2019 8.1.5.3)."""
    if request.method == "POST":
        by = signed_in(request)
        if lock_id := request.POST.get("unlock"):
            lock = SignInLock.objects.filter(pk=lock_id).first()
            if lock is not None:
                org_services.unlock(lock=lock, by=by)
                messages.success(request, f"已解除 {lock.username}（来自 {lock.address}）的登录锁定。")
        elif username := request.POST.get("reset_device", "").strip():
            staff = Staff.objects.filter(username=username).first()
            if staff is None:
                messages.error(request, f"重置动态口令：没有用户名为“{username}”的工作人员。")
            else:
                org_services.reset_second_factor(staff=staff, by=by)
                messages.success(request, f"已重置 {staff} 的动态口令设备，其下次登录时重新绑定。")
        return redirect("office:security")
    context = {
        "lockouts": org_queries.current_lockouts()[:200],
        "burst": org_queries.lockout_burst(),
        "burst_minutes": settings.YIMEN["LOGIN_BURST_MINUTES"],
    }
    return render(request, "office/security.html", context)
