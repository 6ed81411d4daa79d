"""Regions, organisations, windows and staff: who works where, and in what role."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from yimen.core import identity


def validate_uscc(value: str) -> None:
    """统一社会信用代码 GB 32100-2015: the charset and the check character."""
    try:
        identity.validate_uscc(value)
    except identity.IdentityError as exc:
        raise ValidationError(str(exc), code=exc.rule) from exc


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县（市、区）"
    TOWNSHIP = "township", "乡（镇、街道）"
    VILLAGE = "village", "村（社区）"


class Region(models.Model):
    """A 行政区划: 6-digit county-level codes, 9 digits for a township, 12 for a village."""

    code = models.CharField(
        "区划代码",
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{6}(\d{3}(\d{3})?)?$", "区划代码应为6、9或12位数字")],
    )
    name = models.CharField("名称", max_length=60)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    CENTRE = "centre", "政务服务管理机构"
    GOVERNMENT = "government", "人民政府"
    DEPARTMENT = "department", "政府工作部门"
    INSTITUTION = "institution", "事业单位"
    ENTERPRISE = "enterprise", "公共企事业单位"
    INTERMEDIARY = "intermediary", "中介服务机构"


class Organisation(models.Model):
    """A 机关、部门 or unit that has staff, windows and (later) items, cases and publications."""

    code = models.CharField(
        "机构代码",
        max_length=30,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", "机构代码只能含字母、数字、下划线和连字符")],
    )
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=30, blank=True)
    uscc = models.CharField(
        "统一社会信用代码", max_length=40, unique=True, null=True, blank=True, validators=[validate_uscc]
    )
    region = models.ForeignKey(
        Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="organisations"
    )
    kind = models.CharField("机构类型", max_length=20, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    contact_phone = models.CharField("联系电话", max_length=40, blank=True)
    supervision_phone = models.CharField("监督电话", max_length=40, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    office_hours = models.CharField("办公时间", max_length=200, blank=True)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "机构"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.uscc = identity.normalize(self.uscc) if self.uscc else None


class Window(models.Model):
    """A service window in the hall; a 综合窗口 takes any item (一窗受理) and routes it on."""

    number = models.CharField("窗口号", max_length=20, unique=True)
    name = models.CharField("窗口名称", max_length=100)
    organisations = models.ManyToManyField(
        Organisation, verbose_name="服务机构", related_name="windows", blank=True
    )
    is_comprehensive = models.BooleanField("综合窗口", default=False)
    supervision_phone = models.CharField("监督电话", max_length=40)
    location = models.CharField("位置", max_length=100, blank=True)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "窗口"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Role(models.TextChoices):
    CLERK = "clerk", "窗口人员"
    REVIEWER = "reviewer", "审批人员"
    OFFICER = "officer", "公开专员"
    SUPERVISOR = "supervisor", "监察人员"
    ADMIN = "admin", "系统管理员"
    ITEM_EDITOR = "item_editor", "事项编辑"
    LEGAL_REVIEWER = "legal_reviewer", "法制审核"
    REFORM_REVIEWER = "reform_reviewer", "审改审核"
    DISCLOSURE_HEAD = "disclosure_head", "公开工作机构负责人"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


class Staff(AbstractUser):
    """An office account. Roles are granted per organisation (StaffRole)."""

    full_name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机号码", max_length=20, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="所属机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    window = models.ForeignKey(
        Window,
        verbose_name="所在窗口",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    # None: the password was set by someone else (a new account, an administrator's reset, the demo's
    # shared one) and must be changed at the next sign-in (GB/T 22239-2019 8.1.4.1 a).
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "工作人员"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        """Any password set here counts as someone else's until its holder changes it
        (`org.services.change_password`)."""
        super().set_password(raw_password)
        self.password_changed_at = None


# 三权分立 (GB/T 22239-2019 8.1.4.2 d, 8.1.5.1–8.1.5.3): no account holds two of these.
SEPARATED_ROLES = (Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


class StaffRole(models.Model):
    """A role held in an organisation; it reaches that organisation and the ones below it."""

    staff = models.ForeignKey(Staff, verbose_name="工作人员", on_delete=models.CASCADE, related_name="roles")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name="机构", on_delete=models.CASCADE, related_name="staff_roles"
    )

    class Meta:
        verbose_name = verbose_name_plural = "角色授权"
        constraints = [
            models.UniqueConstraint(fields=["staff", "role", "organisation"], name="one_role_per_org"),
            # The database's own guard of 三权分立: one row at most per account among the separated roles,
            # so an account never holds two of them (nor, needlessly, one of them twice: its reach covers
            # every organisation below).
            models.UniqueConstraint(
                fields=["staff"],
                condition=models.Q(role__in=[role.value for role in SEPARATED_ROLES]),
                name="one_separated_duty_per_staff",
                violation_error_message="三权分立：系统管理员、安全管理员、审计管理员不能由同一账号兼任",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.organisation} · {self.get_role_display()}"


class SignInLock(models.Model):
    """Failed sign-ins of one account name from one client address (GB/T 22239-2019 8.1.4.1 b).

    Kept per pair, and for names that match no account just as for those that do, so a stranger elsewhere
    cannot lock the owner out and the answers never tell whether an account exists."""

    username = models.CharField("用户名", max_length=150)
    address = models.CharField("来源地址", max_length=45)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    lockouts = models.PositiveIntegerField("锁定次数", default=0)
    last_failure_at = models.DateTimeField("最近失败时间")
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "登录锁定"
        ordering = ["-last_failure_at"]
        constraints = [models.UniqueConstraint(fields=["username", "address"], name="one_lock_per_pair")]
        indexes = [models.Index(fields=["locked_at"], name="signin_lock_locked_at")]

    def __str__(self) -> str:
        return f"{self.username} @ {self.address}"


class ApiScope(models.TextChoices):
    """What a machine client's key may call; each of the API's non-public operations names one."""

    CASE_STEPS = "case.steps", "办件办理（受理、补正、办结、送达等环节）"
    CASE_STATS = "case.stats", "办件统计"
    DISCLOSURE = "disclosure.handle", "依申请公开办理"
    SMS_STATUS = "sms.status", "短信网关送达回执"
    CERTIFICATES_READ = "certificates.read", "电子证照查询（按持证主体调取证照，记入审计日志）"
    OPENDATA_READ = "opendata.read", "有条件开放数据下载（限数据开放申请批准的数据集）"
    EXCHANGE_READ = "exchange.read", "数据交换读取（本单位及下级单位办件、事项、证照、好差评的变更数据）"


class ApiKey(models.Model):
    """A machine client's key (a department's system, the provincial platform, the SMS gateway): shown
    once when issued, kept only as a keyed SHA-256 (HMAC with the SECRET_KEY) of its secret. It acts as
    its staff account, narrowed to its organisations (and those below them) and its scopes, within its
    calls per minute, until it expires or the security administrator revokes it."""

    name = models.CharField("接入系统名称", max_length=100)
    key_id = models.CharField("密钥编号", max_length=16, unique=True)
    digest = models.CharField("密钥摘要", max_length=64)
    staff = models.ForeignKey(
        Staff,
        verbose_name="代表的接口账户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    organisations = models.ManyToManyField(Organisation, verbose_name="可办理的单位", blank=True)
    scopes = models.JSONField("可调用的接口", default=list)
    per_minute = models.PositiveIntegerField("每分钟调用上限", default=60)
    expires_at = models.DateTimeField("有效期至")
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    created_by = models.ForeignKey(
        Staff, verbose_name="签发人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        Staff, verbose_name="吊销人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "接口密钥"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.key_id}）"
