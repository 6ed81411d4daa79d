"""Service items (事项) and their versions: everything a guide (办事指南) shows, versioned and reviewed.

An item's identity (its codes and implementing organisation) is stable; what a guide says lives in
`ItemVersion`. Editing a published item makes a new draft version; publishing it after 法制审核 and
审改审核 supersedes the old one. Cases pin the version they were filed under.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from yimen.org.models import Organisation, Window


class ItemType(models.TextChoices):
    """事项类型. Codes 01/05/10/20 were observed on a provincial platform; the rest follow their sequence."""

    LICENSING = "01", "行政许可"
    PENALTY = "02", "行政处罚"
    COERCION = "03", "行政强制"
    LEVY = "04", "行政征收"
    PAYMENT = "05", "行政给付"
    INSPECTION = "06", "行政检查"
    CONFIRMATION = "07", "行政确认"
    AWARD = "08", "行政奖励"
    ADJUDICATION = "09", "行政裁决"
    OTHER_POWER = "10", "其他行政权力"
    PUBLIC_SERVICE = "20", "公共服务"


class Level(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡级"
    VILLAGE = "village", "村级"


class TimeUnit(models.TextChoices):
    WORKDAY = "workday", "工作日"
    NATURAL_DAY = "day", "自然日"
    HOUR = "hour", "小时"


class OnlineDepth(models.TextChoices):
    INFO = "1", "一级：网上咨询"
    DOWNLOAD = "2", "二级：表格下载"
    PRE_REVIEW = "3", "三级：网上预审"
    FULL = "4", "四级：全程网办"


class Scope(models.TextChoices):
    NONE = "none", "不通办"
    CITY = "city", "全市通办"
    PROVINCE = "province", "全省通办"
    NATIONAL = "national", "跨省通办"


class Audience(models.TextChoices):
    PERSON = "person", "个人"
    LEGAL = "legal", "法人"


# The fields of a version an editor sets (besides its materials, steps, fees, themes and windows).
GUIDE_FIELDS = [
    "name",
    "item_type",
    "level",
    "for_person",
    "for_legal",
    "business_types",
    "legal_basis",
    "conditions",
    "legal_limit",
    "legal_unit",
    "promised_limit",
    "promised_unit",
    "is_free",
    "special_procedures",
    "location",
    "hours",
    "consult_phone",
    "supervise_phone",
    "online_depth",
    "online_url",
    "visits",
    "scope",
    "faq",
    "change_note",
]

BUSINESS_TYPES = ["初次申领", "变更", "补办", "年检", "延续", "注销", "换发", "其他"]


class Theme(models.Model):
    """主题: how citizens and businesses browse (个人: 户籍办理 …; 法人: 设立变更 …)."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30)
    audience = models.CharField("服务对象", max_length=10, choices=Audience.choices)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "主题"
        ordering = ["audience", "order"]
        constraints = [models.UniqueConstraint(fields=["audience", "name"], name="theme_name_per_audience")]

    def __str__(self) -> str:
        return f"{self.get_audience_display()}·{self.name}"


class ServiceItem(models.Model):
    """The stable identity of an item: its three codes and its implementing organisation."""

    impl_code = models.CharField("实施编码", max_length=50, unique=True)
    basic_code = models.CharField("基本编码", max_length=50, db_index=True)
    handle_code = models.CharField("业务办理项编码", max_length=60, blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name="实施主体", on_delete=models.PROTECT, related_name="items"
    )
    current = models.OneToOneField(
        "ItemVersion",
        verbose_name="现行版本",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    retired_at = models.DateTimeField("废止时间", null=True, blank=True)
    retired_reason = models.CharField("废止原因", max_length=200, blank=True)
    # 电子监察 thresholds for this item's cases; empty means the centre's defaults (settings).
    yellow_days_left = models.PositiveSmallIntegerField("黄牌：剩余工作日不超过", null=True, blank=True)
    yellow_percent_used = models.PositiveSmallIntegerField("黄牌：已用时限不低于（%）", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "事项"
        ordering = ["impl_code"]

    def __str__(self) -> str:
        return self.impl_code

    @property
    def is_public(self) -> bool:
        return self.current_id is not None and self.retired_at is None


class VersionState(models.TextChoices):
    DRAFT = "draft", "草稿"
    LEGAL_REVIEW = "legal_review", "待法制审核"
    REFORM_REVIEW = "reform_review", "待审改审核"
    PUBLISHED = "published", "现行"
    SUPERSEDED = "superseded", "已被新版本替代"


class ItemVersion(models.Model):
    """One version of an item's guide. Only drafts are edited; a published version never changes."""

    item = models.ForeignKey(
        ServiceItem, verbose_name="事项", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    state = models.CharField("状态", max_length=20, choices=VersionState.choices, default=VersionState.DRAFT)
    previous = models.ForeignKey(
        "self", verbose_name="上一版本", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    name = models.CharField("事项名称", max_length=200)
    item_type = models.CharField("事项类型", max_length=2, choices=ItemType.choices)
    level = models.CharField("行使层级", max_length=10, choices=Level.choices, default=Level.CITY)
    for_person = models.BooleanField("面向个人", default=False)
    for_legal = models.BooleanField("面向法人", default=False)
    themes = models.ManyToManyField(Theme, verbose_name="主题", blank=True, related_name="versions")
    business_types = models.JSONField("业务类型", default=list, blank=True)
    legal_basis = models.JSONField("设定依据", default=list, blank=True, help_text="[{law, article}]")
    conditions = models.TextField("申请条件", blank=True)

    legal_limit = models.DecimalField("法定时限", max_digits=6, decimal_places=1, null=True, blank=True)
    legal_unit = models.CharField(
        "法定时限单位", max_length=10, choices=TimeUnit.choices, default=TimeUnit.WORKDAY
    )
    promised_limit = models.DecimalField("承诺时限", max_digits=6, decimal_places=1)
    promised_unit = models.CharField(
        "承诺时限单位", max_length=10, choices=TimeUnit.choices, default=TimeUnit.WORKDAY
    )
    is_free = models.BooleanField("不收费", default=True)
    special_procedures = models.JSONField(
        "特别程序", default=list, blank=True, help_text="[{name, limit, unit, basis}]"
    )

    location = models.CharField("办理地点", max_length=200, blank=True)
    hours = models.CharField("办理时间", max_length=200, blank=True)
    windows = models.ManyToManyField(
        Window, verbose_name="办理窗口", blank=True, related_name="item_versions"
    )
    joint_organisations = models.ManyToManyField(
        Organisation, verbose_name="联办机构（并联审批）", blank=True, related_name="joint_item_versions"
    )
    consult_phone = models.CharField("咨询电话", max_length=40, blank=True)
    supervise_phone = models.CharField("监督投诉电话", max_length=40, blank=True)
    online_depth = models.CharField(
        "网办深度", max_length=1, choices=OnlineDepth.choices, default=OnlineDepth.PRE_REVIEW
    )
    online_url = models.URLField("网上办理地址", blank=True)
    visits = models.PositiveSmallIntegerField("到现场次数", default=1)
    scope = models.CharField("通办范围", max_length=10, choices=Scope.choices, default=Scope.NONE)
    faq = models.JSONField("常见问题", default=list, blank=True, help_text="[{q, a}]")

    # Kept with the version so reform figures and lists are one query, never a count per row.
    step_count = models.PositiveSmallIntegerField("环节数", default=0)
    material_count = models.PositiveSmallIntegerField("材料数", default=0)
    promised_workdays = models.DecimalField(
        "承诺时限（折合工作日）", max_digits=8, decimal_places=2, default=Decimal(0)
    )

    change_note = models.CharField("变更说明", max_length=300, blank=True)
    review_comment = models.CharField("审核意见", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="编辑人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    legal_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="法制审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    legal_reviewed_at = models.DateTimeField("法制审核时间", null=True, blank=True)
    reform_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审改审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reform_reviewed_at = models.DateTimeField("审改审核时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "事项版本"
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="one_number_per_item"),
            models.UniqueConstraint(
                fields=["item"],
                condition=models.Q(state__in=["draft", "legal_review", "reform_review"]),
                name="one_open_version_per_item",
            ),
        ]
        indexes = [models.Index(fields=["state", "item_type"])]

    def __str__(self) -> str:
        return f"{self.name}（第{self.number}版）"

    @property
    def organisation_id(self) -> int:
        """Permissions ask the implementing organisation, through the item."""
        return self.item.organisation_id

    @property
    def is_immediate(self) -> bool:
        """即办件: a promised limit of 0 (当场办结)."""
        return self.promised_limit == 0

    @property
    def is_editable(self) -> bool:
        return self.state == VersionState.DRAFT


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", "原件"
    COPY = "copy", "复印件"
    BOTH = "both", "原件和复印件"
    ELECTRONIC = "electronic", "电子文件"


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", "申请人自备"
    GOVERNMENT = "government", "政府部门核发"
    CERTIFICATE = "certificate", "电子证照库"


class FormFile(models.Model):
    """A blank application form or a filled-in sample (表格下载), served to anyone who reads the guide."""

    name = models.CharField("文件名", max_length=200)
    file = models.FileField("文件", upload_to="catalog/forms/%Y/")
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "表格文件"

    def __str__(self) -> str:
        return self.name


class Material(models.Model):
    version = models.ForeignKey(
        ItemVersion, verbose_name="事项版本", on_delete=models.CASCADE, related_name="materials"
    )
    order = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("材料名称", max_length=200)
    form = models.CharField(
        "材料形式", max_length=12, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL
    )
    copies = models.PositiveSmallIntegerField("份数", default=1)
    source = models.CharField(
        "来源渠道", max_length=12, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    required = models.BooleanField("必要", default=True)
    condition = models.CharField(
        "适用情形", max_length=200, blank=True, help_text="非必要材料在什么情况下需要提交"
    )
    certificate_type = models.CharField("关联证照类型", max_length=60, blank=True)
    blank_form = models.ForeignKey(
        FormFile, verbose_name="空白表格", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sample = models.ForeignKey(
        FormFile, verbose_name="示例样表", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "申请材料"
        ordering = ["version", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """环节: 受理、审查、决定、送达 … each with its limit, and whether it counts toward the item's limit."""

    version = models.ForeignKey(
        ItemVersion, verbose_name="事项版本", on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("环节名称", max_length=60)
    limit = models.DecimalField("时限", max_digits=6, decimal_places=1, default=Decimal(0))
    unit = models.CharField("时限单位", max_length=10, choices=TimeUnit.choices, default=TimeUnit.WORKDAY)
    counts_toward_limit = models.BooleanField("计入办结时限", default=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办理环节"
        ordering = ["version", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Fee(models.Model):
    version = models.ForeignKey(
        ItemVersion, verbose_name="事项版本", on_delete=models.CASCADE, related_name="fees"
    )
    order = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("收费项目", max_length=100)
    standard = models.CharField("收费标准", max_length=200)
    basis = models.CharField("收费依据", max_length=300)

    class Meta:
        verbose_name = verbose_name_plural = "收费"
        ordering = ["version", "order", "id"]

    def __str__(self) -> str:
        return self.name
