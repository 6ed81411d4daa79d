"""Proactive disclosure (主动公开): publications in a per-organisation catalogue, with index numbers.

A `Publication` is the record the public sees; each save of its content keeps a `PublicationVersion`,
and the versions the public saw carry the moment they were published. A published item is changed
through a revision: a draft `Publication` row pointing at it (`revision_of`) that goes through the same
review; approving it replaces the published content (see `publishing.services.revisions`).
Its 索引号 is assigned when first published, unique per organisation and year (条例第十二条: the
目录 lists 索引, 名称, 内容概述, 生成日期). The 20-working-day limit of 条例第二十六条 is stored
(`due_on`) so timeliness is a query.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from yimen.core import pages
from yimen.org.models import Organisation


class Kind(models.TextChoices):
    """What a publication is; 规章 and 行政规范性文件 feed table 二 of the annual report."""

    REGULATION = "regulation", "规章"
    NORMATIVE = "normative", "行政规范性文件"
    DOCUMENT = "document", "其他文件"
    INTERPRETATION = "interpretation", "政策解读"
    NEWS = "news", "工作动态"
    NOTICE = "notice", "通知公告"
    PLAN = "plan", "规划计划"
    STATISTICS = "statistics", "统计信息"
    ANNUAL_REPORT = "annual_report", "年度报告"
    OTHER = "other", "其他"


class Validity(models.TextChoices):
    VALID = "valid", "有效"
    EXPIRED = "expired", "失效"
    REPEALED = "repealed", "废止"


class PublicationState(models.TextChoices):
    DRAFT = "draft", "草稿"
    REVIEW = "review", "待审核"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class CatalogueNode(models.Model):
    """A node of an organisation's 政府信息公开目录 (条例第二十条、第二十一条), with the office
    responsible for it (栏目责任到人) and the staff who may publish into it."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="机构", on_delete=models.CASCADE, related_name="catalogue_nodes"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级节点",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.SlugField("代码", max_length=40)
    name = models.CharField("名称", max_length=60)
    basis = models.CharField("依据", max_length=60, blank=True, help_text="如：条例第二十条第（一）项")
    position = models.PositiveSmallIntegerField("排序", default=0)
    responsible_office = models.CharField("责任科室", max_length=60, blank=True)
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="编辑", blank=True, related_name="catalogue_nodes"
    )
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "公开目录节点"
        ordering = ["organisation", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="node_code_per_org")]

    def __str__(self) -> str:
        return self.name


class DisclosureSettings(models.Model):
    """What an organisation's 政府信息公开指南 states (条例第十二条): its office and how to reach it."""

    organisation = models.OneToOneField(
        Organisation, verbose_name="机构", on_delete=models.CASCADE, related_name="disclosure_settings"
    )
    index_code = models.CharField(
        "索引号机构代码",
        max_length=20,
        blank=True,
        help_text="默认取统一社会信用代码第9至17位（组织机构代码）",
    )
    office_name = models.CharField("政府信息公开工作机构", max_length=100)
    address = models.CharField("办公地址", max_length=200)
    office_hours = models.CharField("办公时间", max_length=200)
    phone = models.CharField("联系电话", max_length=40)
    fax = models.CharField("传真号码", max_length=40, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    website = models.CharField("互联网联系方式", max_length=200, blank=True)
    postcode = models.CharField("邮政编码", max_length=6, blank=True)
    notes = models.TextField("其他说明", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "政府信息公开指南设置"

    def __str__(self) -> str:
        return self.office_name


class IndexCounter(models.Model):
    """The last 索引号 serial used by an organisation in a year: serials never repeat."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="index_counter_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}:{self.last}"


class Publication(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name="发布机构", on_delete=models.PROTECT, related_name="publications"
    )
    node = models.ForeignKey(
        CatalogueNode, verbose_name="公开目录", on_delete=models.PROTECT, related_name="publications"
    )
    index_number = models.CharField("索引号", max_length=60, unique=True, null=True, blank=True)
    index_year = models.PositiveSmallIntegerField("索引号年份", null=True, blank=True)
    index_serial = models.PositiveIntegerField("索引号流水号", null=True, blank=True)
    title = models.CharField("标题", max_length=300)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    topic = models.CharField("主题分类", max_length=40, blank=True)
    genre = models.CharField("体裁", max_length=20, blank=True)
    document_number = models.CharField("文号", max_length=80, blank=True, db_index=True)
    keywords = models.CharField("关键词", max_length=200, blank=True)
    summary = models.TextField("内容概述", blank=True)
    body = models.TextField("正文", blank=True, help_text="经过清理的 HTML")
    body_text = models.TextField("正文纯文本", blank=True)
    written_on = models.DateField("成文日期")
    changed_on = models.DateField("变更日期", null=True, blank=True)
    due_on = models.DateField("应公开日期", help_text="条例第二十六条：形成或者变更之日起20个工作日内")
    published_at = models.DateTimeField("发布日期", null=True, blank=True)
    effective_on = models.DateField("施行日期", null=True, blank=True)
    validity = models.CharField("有效性", max_length=10, choices=Validity.choices, default=Validity.VALID)
    expired_on = models.DateField("失效日期", null=True, blank=True)
    repealed_on = models.DateField("废止日期", null=True, blank=True)
    state = models.CharField(
        "状态", max_length=12, choices=PublicationState.choices, default=PublicationState.DRAFT
    )
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_reason = models.CharField("撤回原因", max_length=300, blank=True)
    rejection_reason = models.CharField("退回原因", max_length=300, blank=True)
    rejected_at = models.DateTimeField("退回时间", null=True, blank=True)
    revision_of = models.ForeignKey(
        "self",
        verbose_name="修订的信息",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="revisions",
        help_text="修订稿：审核通过后替换所修订信息的公开内容，本行随即删除",
    )
    revision_note = models.CharField("变更说明", max_length=200, blank=True)
    revised_at = models.DateTimeField("变更发布时间", null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="起草人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "主动公开信息"
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "index_year", "index_serial"], name="index_serial_per_org_year"
            ),
            models.UniqueConstraint(fields=["revision_of"], name="one_revision_at_a_time"),
        ]
        indexes = [
            models.Index(fields=["state", "published_at"], name="publication_public"),
            models.Index(fields=["organisation", "state", "published_at"], name="publication_org"),
            models.Index(fields=["node", "state", "published_at"], name="publication_node"),
            models.Index(fields=["organisation", "kind", "written_on"], name="publication_kind"),
            models.Index(fields=["state", "due_on"], name="publication_due"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The public page (for a withdrawn item, its notice)."""
        return pages.path("publication.detail", self.pk)

    @property
    def is_public(self) -> bool:
        return self.state == PublicationState.PUBLISHED

    @property
    def is_revision(self) -> bool:
        return self.revision_of_id is not None

    @property
    def last_published_at(self) -> datetime | None:
        """When the public content was last published: its latest change, else its first publication."""
        return self.revised_at or self.published_at


class PublicationVersion(models.Model):
    """Every saved state of a publication's content, kept (versions are never rewritten). A version the
    public saw has `published_at` (and the 第二十六条 date it was judged by): the first publication and
    each approved change — the portal's 变更记录."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本")
    snapshot = models.JSONField("内容")
    note = models.CharField("说明", max_length=200, blank=True)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    due_on = models.DateField("应公开日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "主动公开信息版本"
        ordering = ["publication", "number"]
        constraints = [models.UniqueConstraint(fields=["publication", "number"], name="publication_version")]

    def __str__(self) -> str:
        return f"{self.publication_id} v{self.number}"


class Attachment(models.Model):
    """A file attached to a publication (PDF, DOCX, XLSX, OFD): checked by content, stored privately,
    its text extracted for search."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField("文件名", max_length=200)
    file = models.FileField("文件", upload_to="publications/%Y/%m/")
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    text = models.TextField("提取文本", blank=True)
    position = models.PositiveSmallIntegerField("排序", default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        ordering = ["publication", "position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def organisation_id(self) -> int:
        return self.publication.organisation_id


class FeedSource(models.Model):
    """A higher-level portal's news feed (RSS/Atom) shown in the 上级动态 block."""

    name = models.CharField("名称", max_length=60)
    url = models.URLField("地址")
    level = models.CharField("层级", max_length=10, help_text="国务院 / 省 / 市")
    is_active = models.BooleanField("在用", default=True)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_fetched_at = models.DateTimeField("上次抓取", null=True, blank=True)
    last_error = models.CharField("上次错误", max_length=300, blank=True)
    last_error_at = models.DateTimeField("上次出错时间", null=True, blank=True)
    failures = models.PositiveIntegerField("连续失败次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "上级动态来源"

    def __str__(self) -> str:
        return self.name

    @property
    def state(self) -> str:
        """What the administrator reads in the list of sources."""
        if self.last_fetched_at is None:
            return "尚未抓取"
        return f"连续 {self.failures} 次抓取失败" if self.failures else "正常"


class FeedEntry(models.Model):
    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="entries")
    guid = models.CharField(max_length=500)
    title = models.CharField("标题", max_length=300)
    link = models.URLField("链接", max_length=500)
    summary = models.TextField("摘要", blank=True)
    published_at = models.DateTimeField("发布时间")
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "上级动态"
        ordering = ["-published_at"]
        constraints = [models.UniqueConstraint(fields=["source", "guid"], name="feed_entry_once")]
        indexes = [models.Index(fields=["-published_at"], name="feed_entry_recent")]

    def __str__(self) -> str:
        return self.title
