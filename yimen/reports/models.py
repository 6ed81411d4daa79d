"""The statutory annual report (政府信息公开工作年度报告, 条例第四十九、五十条) and the figures Yimen does
not record itself (行政处罚, 行政强制, 行政事业性收费), entered or imported by the departments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from yimen.org.models import Organisation
from yimen.publishing.models import Publication


class ReportFormat(models.TextChoices):
    FORMAT_2021 = "2021", "2021年格式（国办公开办函〔2021〕30号）"
    LEGACY = "2008", "2008年条例时期格式"


class ReportState(models.TextChoices):
    DRAFT = "draft", "草稿"
    REVIEW = "review", "待审核"
    PUBLISHED = "published", "已发布"


class AnnualReport(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name="机构", on_delete=models.PROTECT, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField("年度")
    format = models.CharField("格式", max_length=4, choices=ReportFormat.choices)
    state = models.CharField("状态", max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    narrative = models.JSONField(
        "文字部分", default=dict, help_text="section key → text edited by the officer"
    )
    figures = models.JSONField("发布时的数据", default=dict, blank=True)
    publication = models.ForeignKey(
        Publication, verbose_name="发布为", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lock_version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "政府信息公开工作年度报告"
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="one_report_per_year")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}年度报告"


class EnforcementKind(models.TextChoices):
    """Rows of table 二 that come from outside Yimen (第二十条第（六）项、第（八）项)."""

    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"
    FEE = "fee", "行政事业性收费"


class EnforcementRecord(models.Model):
    """One decision (行政处罚/行政强制) or one fee collection (金额 in 元), entered or imported."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="机构", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类别", max_length=10, choices=EnforcementKind.choices)
    decided_on = models.DateField("决定或收费日期")
    reference = models.CharField("文书编号", max_length=80, blank=True)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2, default=0)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "处罚、强制与收费记录"
        indexes = [models.Index(fields=["organisation", "kind", "decided_on"], name="enforcement_year")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decided_on}"
