"""数据交换: targets, the rows Yimen owes them, and each row's delivery to each target.

A `Record` is one row of an exchange table as Yimen's records say it now (a case's 受理 row, one of its
过程 rows, a certificate's 证照目录 row …), under a `row_guid` that never changes. Each change of what the
row says is a `Revision` (its operation I/U/D and its payload, sealed: it holds applicants' ID numbers);
revisions are numbered in the order written, which is the pull feed's cursor. A `Delivery` is one
revision owed to one target: it is pending until sent, then accepted or rejected by the target (or dead
after the retry schedule), each attempt under its own `cd_batch` and `cd_time`.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from yimen.core.fields import SealedCharField
from yimen.org.models import Organisation


class Kind(models.TextChoices):
    """The record kinds a target can take; the value is the national exchange table's name."""

    ACCEPT = "up_pro_accept", "办件受理"
    PROCESS = "up_pro_process", "办件过程"
    RESULT = "up_pro_result", "办件结果"
    SPECIAL = "up_pro_special_procedure", "特别程序"
    MATERIAL = "up_pro_material", "办件材料"
    TASK = "up_task_directory", "事项目录与版本"
    LICENCE = "up_lic_data", "证照目录"
    EVALUATION = "up_pro_evaluation", "好差评"
    TRADING = "up_trade_notice", "交易公告"


class Role(models.TextChoices):
    PROVINCE = "province", "省级一体化政务服务平台"
    EVALUATION = "evaluation", "全国好差评系统"
    DEPARTMENT = "department", "部门业务系统"
    CROSS_PROVINCE = "cross", "跨省通办合作省份"
    TRADING = "trading", "公共资源交易平台"


class Transport(models.TextChoices):
    FRONT_DB = "frontdb", "前置库（数据库表）"
    HTTP = "http", "HTTP JSON 推送"
    FILES = "files", "加密批量文件"


class Signature(models.TextChoices):
    HMAC_SHA256 = "hmac-sha256", "HMAC-SHA256（Standard Webhooks v1）"
    HMAC_SM3 = "hmac-sm3", "HMAC-SM3"


class Target(models.Model):
    """A system Yimen pushes to: which kinds it takes, how, with which field names, how fast.

    `mapping` renames and adds fields per kind: {"up_pro_accept": {"table": "…", "fields": {"ours":
    "theirs"}, "omit": ["…"], "constants": {"field": "value"}}}. `limits` overrides the timeliness limit
    in minutes per kind ({"up_pro_accept": 30}). `organisation`, if set, narrows the target to that
    organisation's records and those of the organisations below it (a department's own system)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    role = models.CharField("类别", max_length=12, choices=Role.choices)
    transport = models.CharField("传输方式", max_length=10, choices=Transport.choices)
    endpoint = models.CharField(
        "地址",
        max_length=500,
        help_text="前置库：mysql://用户@主机:端口/库名；HTTP：https://…；批量文件：投放目录",
    )
    secret = SealedCharField(
        "密钥", max_length=200, blank=True, help_text="签名密钥、数据库口令或文件加密密钥"
    )
    signature = models.CharField(
        "签名算法", max_length=12, choices=Signature.choices, default=Signature.HMAC_SHA256
    )
    kinds = models.JSONField("接收的数据类别", default=list)
    mapping = models.JSONField("字段映射", default=dict, blank=True)
    limit_minutes = models.PositiveIntegerField("及时性时限（分钟）", default=30)
    limits = models.JSONField("分类时限（分钟）", default=dict, blank=True)
    batch_size = models.PositiveIntegerField("每批条数", default=200)
    interval_seconds = models.PositiveIntegerField("推送间隔（秒）", default=0, help_text="0 为有数据即推送")
    ack_minutes = models.PositiveIntegerField(
        "前置库确认等待（分钟）",
        default=60,
        help_text="前置库写入后这么久没有异常反馈即视为接收成功",
    )
    data_source = models.CharField("数据来源代码", max_length=10, default="1")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="限于单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    alert_phone = SealedCharField(
        "告警手机", max_length=20, blank=True, help_text="推送失败转入死信时短信告警"
    )
    active = models.BooleanField("启用", default=True)
    disabled_at = models.DateTimeField("停用时间", null=True, blank=True)
    disabled_reason = models.CharField("停用原因", max_length=300, blank=True)
    last_push_at = models.DateTimeField("上次推送", null=True, blank=True)
    feedback_cursor = models.CharField("反馈读取位置", max_length=60, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "交换目标"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def limit_for(self, kind: str) -> int:
        return int(self.limits.get(kind, self.limit_minutes))


class Operation(models.TextChoices):
    INSERT = "I", "新增"
    UPDATE = "U", "更新"
    DELETE = "D", "删除"


class Record(models.Model):
    """One exchange row as Yimen's records say it now, under a `row_guid` that never changes."""

    kind = models.CharField("数据类别", max_length=30, choices=Kind.choices)
    source = models.CharField("来源", max_length=80, help_text="case:12:accept、item:3301…、certificate:7 …")
    group = models.CharField("来源对象", max_length=60, db_index=True, help_text="case:12、item:3301…")
    row_guid = models.CharField("记录唯一标识", max_length=50, unique=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name="单位", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField("版本", default=0)
    digest = models.CharField("内容摘要", max_length=64, blank=True)
    deleted = models.BooleanField("已删除", default=False)
    changed_at = models.DateTimeField("最近变更", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "交换记录"
        constraints = [models.UniqueConstraint(fields=["kind", "source"], name="exchange_record_source")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.source}"


class Revision(models.Model):
    """What a record said at one version; its id is the change feed's cursor."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField("版本")
    operation = models.CharField("同步类型", max_length=1, choices=Operation.choices)
    # The row as JSON, without the bookkeeping fields; sealed because it names applicants and holders.
    payload = SealedCharField("内容", max_length=60000)
    changed_at = models.DateTimeField("变更时间", help_text="来源记录变更的时间：及时性从此时起算")
    created_at = models.DateTimeField("生成时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "记录版本"
        constraints = [
            models.UniqueConstraint(fields=["record", "version"], name="exchange_revision_version")
        ]

    def __str__(self) -> str:
        return f"{self.record} v{self.version}"


class Status(models.TextChoices):
    PENDING = "pending", "待推送"
    SENDING = "sending", "推送中"
    SENT = "sent", "已推送待确认"
    ACCEPTED = "accepted", "已接收"
    REJECTED = "rejected", "被退回"
    DEAD = "dead", "推送失败"
    SUPERSEDED = "superseded", "已被新版本取代"


OPEN = (Status.PENDING, Status.SENDING)  # still to be sent


class Delivery(models.Model):
    """One revision owed to one target, and what became of it."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="deliveries")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="deliveries")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField("数据类别", max_length=30, choices=Kind.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    operation = models.CharField("同步类型", max_length=1, choices=Operation.choices)
    changed_at = models.DateTimeField("变更时间")
    due_by = models.DateTimeField("应推送时限")
    next_at = models.DateTimeField("下次推送", default=timezone.now)
    lease_until = models.DateTimeField("推送租约", null=True, blank=True)
    attempts = models.PositiveIntegerField("推送次数", default=0)
    cd_batch = models.CharField("批次号", max_length=32, blank=True)
    cd_time = models.DateTimeField("同步时间", null=True, blank=True)
    first_sent_at = models.DateTimeField("首次推送", null=True, blank=True)
    accepted_at = models.DateTimeField("接收时间", null=True, blank=True)
    rejected_at = models.DateTimeField("退回时间", null=True, blank=True)
    correction = models.BooleanField("更正重报", default=False, help_text="该记录此前被退回，本次为更正")
    err_type = models.CharField("异常类型", max_length=100, blank=True)
    remark = models.CharField("异常说明", max_length=1000, blank=True)
    last_error = models.CharField("最近错误", max_length=1000, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "推送记录"
        constraints = [
            models.UniqueConstraint(fields=["target", "revision"], name="exchange_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["target", "status", "next_at"], name="exchange_due"),
            models.Index(fields=["target", "changed_at"], name="exchange_day"),
            models.Index(fields=["target", "record", "status"], name="exchange_record_target"),
        ]

    def __str__(self) -> str:
        return f"{self.target} · {self.record} v{self.revision.version}"


class Reconciliation(models.Model):
    """The daily comparison of what should have reached a target with what it accepted."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="reconciliations")
    day = models.DateField("日期")
    expected = models.PositiveIntegerField("应推送", default=0)
    accepted = models.PositiveIntegerField("已接收", default=0)
    gaps = models.JSONField("缺口", default=list, help_text="[{kind, source, status}]")
    requeued = models.PositiveIntegerField("补推", default=0)
    created_at = models.DateTimeField("对账时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "对账"
        constraints = [models.UniqueConstraint(fields=["target", "day"], name="exchange_reconciled_once")]

    def __str__(self) -> str:
        return f"{self.target} {self.day}"
