"""政务数据开放: the catalogue of data sets the centre opens, each built from Yimen's own aggregate records
(never personal data) and offered as CSV, JSON and XLSX, and the applications to the 有条件开放 ones.

A data set carries the fields a city open-data portal lists (开放属性, 更新频率, 主题分类, 关键字, 安全等级,
信息资源标识符 `yyyy/数字`, 发布日期, 更新日期, 语种, 数据提供方, 数据维护方) and maps onto DCAT-AP (dcat.py).
No national rule fixes the formats or the security grades: the grades here are the centre's own.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from yimen.core.fields import SealedCharField
from yimen.org.models import ApiKey, Organisation

IDENTIFIER_PATTERN = r"^(19|20)\d{2}/\d{4,20}$"
IDENTIFIER_RULE = "信息资源标识符：格式为“四位年份/数字”，如 2026/3301000001"
DEFAULT_LICENSE = "可免费获取、使用和传播，使用时须注明数据来源（数据提供方名称）"


class KeywordEncoder(json.JSONEncoder):
    """Keywords stored as characters, not \\u escapes, so the catalogue's search finds them in the JSON text
    on SQLite as it does on PostgreSQL (whose jsonb keeps characters)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class Openness(models.TextChoices):
    OPEN = "open", "无条件开放"
    CONDITIONAL = "conditional", "有条件开放"


class Frequency(models.TextChoices):
    REALTIME = "realtime", "实时"
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    YEARLY = "yearly", "每年"


class Theme(models.TextChoices):
    """主题分类: the short list this catalogue uses (provincial norms each have their own)."""

    SERVICE = "service", "政务服务"
    DISCLOSURE = "disclosure", "政府信息公开"
    ORGANISATION = "organisation", "机构职能"
    STATISTICS = "statistics", "统计数据"
    EVALUATION = "evaluation", "评价监督"


class SecurityLevel(models.TextChoices):
    """安全等级, the centre's rule: only 一级 opens unconditionally; nothing above 二级 is opened at all."""

    ONE = "1", "一级（可无条件开放）"
    TWO = "2", "二级（仅有条件开放）"


class SourceCode(models.TextChoices):
    """Which generator builds a data set's rows (sources.SOURCES): aggregates of Yimen's own records."""

    ITEMS = "items", "政务服务事项目录"
    WINDOWS = "windows", "服务窗口"
    CASE_STATS = "case_stats", "办件统计（按单位、按月）"
    EVALUATIONS = "evaluations", "好差评统计（按单位、按月）"
    PUBLICATIONS = "publications", "主动公开信息目录"


class Format(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"
    XLSX = "xlsx", "XLSX"


class Dataset(models.Model):
    identifier = models.CharField(
        "信息资源标识符",
        max_length=30,
        unique=True,
        validators=[RegexValidator(IDENTIFIER_PATTERN, IDENTIFIER_RULE)],
    )
    title = models.CharField("数据集名称", max_length=200)
    description = models.TextField("数据摘要")
    publisher = models.ForeignKey(
        Organisation, verbose_name="数据提供方", on_delete=models.PROTECT, related_name="+"
    )
    maintainer = models.CharField("数据维护方", max_length=100)
    contact = models.CharField("联系方式", max_length=100, blank=True, help_text="数据维护方的电话或电子邮箱")
    openness = models.CharField("开放属性", max_length=12, choices=Openness.choices, default=Openness.OPEN)
    frequency = models.CharField("更新频率", max_length=10, choices=Frequency.choices)
    theme = models.CharField("主题分类", max_length=20, choices=Theme.choices)
    keywords = models.JSONField("关键字", default=list, blank=True, encoder=KeywordEncoder)
    security_level = models.CharField(
        "安全等级", max_length=2, choices=SecurityLevel.choices, default=SecurityLevel.ONE
    )
    language = models.CharField("语种", max_length=10, default="zh")
    license = models.CharField("开放许可", max_length=300, default=DEFAULT_LICENSE)
    source = models.CharField("数据来源", max_length=20, choices=SourceCode.choices)
    is_published = models.BooleanField("已发布", default=False)
    issued_on = models.DateField("发布日期", null=True, blank=True)
    modified_at = models.DateTimeField("更新日期", null=True, blank=True)
    # What the last generation wrote: its column headers and first rows (the page's preview).
    columns = models.JSONField("数据项", default=list, blank=True)
    preview = models.JSONField("数据预览", default=list, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "开放数据集"
        ordering = ["identifier"]
        indexes = [models.Index(fields=["is_published", "theme"], name="dataset_public_theme")]

    def __str__(self) -> str:
        return f"{self.title}（{self.identifier}）"

    @property
    def conditional(self) -> bool:
        return self.openness == Openness.CONDITIONAL

    @property
    def organisation_id(self) -> int:
        """The data provider, under the name org.permissions and the audit log read."""
        return self.publisher_id


MEDIA_TYPES = {
    Format.CSV: "text/csv",
    Format.JSON: "application/json",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Distribution(models.Model):
    """One format of a data set: the file written at its last generation, kept in the default storage
    (private: served only through the download views, which count each download)."""

    dataset = models.ForeignKey(
        Dataset, verbose_name="数据集", on_delete=models.CASCADE, related_name="distributions"
    )
    format = models.CharField("格式", max_length=4, choices=Format.choices)
    file = models.FileField("文件", upload_to="opendata/", max_length=200)
    record_count = models.PositiveIntegerField("记录条数")
    byte_size = models.PositiveBigIntegerField("文件大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    generated_at = models.DateTimeField("生成时间")
    download_count = models.PositiveBigIntegerField("下载次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "数据集文件"
        ordering = ["dataset", "format"]
        constraints = [models.UniqueConstraint(fields=["dataset", "format"], name="one_file_per_format")]

    def __str__(self) -> str:
        return f"{self.dataset.identifier} {self.get_format_display()}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[Format(self.format)]


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", "已提交，待审核"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予批准"


class AccessApplication(models.Model):
    """An application to use 有条件开放 data sets of one data provider. Approval issues an API key of scope
    `opendata.read` that reads the approved data sets only (`approved`)."""

    publisher = models.ForeignKey(
        Organisation, verbose_name="数据提供方", on_delete=models.PROTECT, related_name="+"
    )
    datasets = models.ManyToManyField(Dataset, verbose_name="申请的数据集", related_name="applications")
    approved = models.ManyToManyField(Dataset, verbose_name="批准的数据集", blank=True, related_name="+")
    applicant = models.CharField("申请单位", max_length=100)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    contact_person = models.CharField("联系人", max_length=50)
    # Sealed as the cases' and requests' phones are (core/fields.py); never looked up by value.
    phone = SealedCharField("联系电话", max_length=20)
    email = models.CharField("电子邮箱", max_length=100, blank=True)
    purpose = models.TextField("数据用途")
    state = models.CharField(
        "状态", max_length=10, choices=ApplicationState.choices, default=ApplicationState.SUBMITTED
    )
    reason = models.CharField("不予批准的理由", max_length=500, blank=True)
    api_key = models.ForeignKey(
        ApiKey, verbose_name="接口密钥", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "数据开放申请"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["publisher", "state"], name="opendata_application_queue")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """申请编号: the year filed and the row's id, so no counter is needed."""
        return f"SJKF-{timezone.localtime(self.created_at):%Y}-{self.pk:06d}"

    @property
    def organisation_id(self) -> int:
        """The organisation that decides it (org.permissions and the audit log read `organisation_id`)."""
        return self.publisher_id
