"""Cases (办件): an application for an item, from intake to delivery, with its deadlines and reviews.

A case pins the item version it was filed under. Its deadlines (承诺 and 法定) are computed at
acceptance from the working-day calendar, stored and indexed, and pushed out by 特别程序 periods;
supervision reads them with a query, never by scanning.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from yimen.catalog.models import ItemVersion, ServiceItem
from yimen.core.fields import BlindIndexField, SealedCharField
from yimen.org.models import Organisation, Window


class Channel(models.TextChoices):
    WINDOW = "window", "窗口受理"
    ONLINE = "online", "网上申报"


class ApplicantKind(models.TextChoices):
    PERSON = "person", "自然人"
    LEGAL = "legal", "法人或其他组织"


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", "已申报，待受理"
    SUPPLEMENT = "supplement", "待补齐补正"
    HANDLING = "handling", "办理中"
    SPECIAL = "special", "特别程序中"
    CONCLUDED = "concluded", "已办结"
    DELIVERED = "delivered", "已送达"
    REFUSED = "refused", "不予受理"
    WITHDRAWN = "withdrawn", "已撤件"


class Result(models.TextChoices):
    """办结结果 (电子监察 doneresult): 出证办结 needs no reason; every other result does."""

    ISSUED = "issued", "出证办结"
    DENIED = "denied", "不予许可"
    RETURNED = "returned", "退件"
    VOIDED = "voided", "作废"
    FORWARDED = "forwarded", "转报"


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", "窗口领取"
    COURIER = "courier", "邮寄送达"
    ELECTRONIC = "electronic", "电子送达"


class CaseCounter(models.Model):
    """The last serial used for a number prefix (实施编码 + date): numbers never repeat or collide."""

    prefix = models.CharField(max_length=70, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


CONCLUDED_STATES = [CaseState.CONCLUDED, CaseState.DELIVERED]
# The rows 电子监察 reads (supervision.py), each kept in a small partial index of its own: the cases in
# 办理中 (their clock runs), and the cases concluded after their 承诺办结时间.
RUNNING = models.Q(state=CaseState.HANDLING)
CONCLUDED_LATE = models.Q(state__in=CONCLUDED_STATES, concluded_at__gt=models.F("promised_due"))


class Case(models.Model):
    # Unique through Meta.constraints: a field's unique=True would add, on PostgreSQL, a second index for
    # LIKE 'prefix%' that no query uses and every filing writes (700 MB at a province's ten million).
    number = models.CharField("办件编号", max_length=80)
    query_code = models.CharField("查询码", max_length=6)
    item = models.ForeignKey(ServiceItem, verbose_name="事项", on_delete=models.PROTECT, related_name="cases")
    version = models.ForeignKey(
        ItemVersion, verbose_name="办事指南版本", on_delete=models.PROTECT, related_name="cases"
    )
    # Looked up through the indexes that lead with them (case_org_accepted, case_window_concluded).
    organisation = models.ForeignKey(
        Organisation, verbose_name="办理机构", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    window = models.ForeignKey(
        Window,
        verbose_name="受理窗口",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    channel = models.CharField("申报渠道", max_length=10, choices=Channel.choices)
    state = models.CharField("状态", max_length=12, choices=CaseState.choices, default=CaseState.SUBMITTED)
    lock_version = models.PositiveIntegerField("版本", default=0)

    applicant_kind = models.CharField("申请人类型", max_length=10, choices=ApplicantKind.choices)
    applicant_name = models.CharField("申请人", max_length=100)
    # Sealed with SM4-GCM (core/fields.py); exact lookups go through the blind indexes below.
    id_number = SealedCharField("公民身份号码", max_length=18, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    phone = SealedCharField("手机号码", max_length=20)
    address = SealedCharField("联系地址", max_length=200, blank=True)
    id_number_index = BlindIndexField("公民身份号码检索码", of="id_number")
    phone_index = BlindIndexField("手机号码检索码", of="phone")

    submitted_at = models.DateTimeField("申报时间", default=timezone.now)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    promised_due = models.DateTimeField("承诺办结时间", null=True, blank=True)
    legal_due = models.DateTimeField("法定办结时间", null=True, blank=True)
    due_provisional = models.BooleanField("期限暂按周末规则", default=False)
    paused_workdays = models.PositiveIntegerField("特别程序工作日", default=0)
    step = models.CharField("当前环节", max_length=60, blank=True)
    step_index = models.PositiveSmallIntegerField("环节序号", default=0)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)
    result = models.CharField("办结结果", max_length=12, choices=Result.choices, blank=True)
    result_reason = models.CharField("办结或不予受理原因", max_length=300, blank=True)
    certificate_no = models.CharField("证照编号", max_length=60, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    delivery_method = models.CharField("送达方式", max_length=12, choices=DeliveryMethod.choices, blank=True)
    tracking_no = models.CharField("快递单号", max_length=40, blank=True)
    business_type = models.CharField("业务类型", max_length=50, blank=True)
    # The key a client sent with the application: a repeated submission with it returns this case.
    idempotency_key = models.CharField("幂等键", max_length=100, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "办件"
        indexes = [
            # Supervision: open cases by deadline; statistics: by organisation and time.
            models.Index(fields=["state", "promised_due"], name="case_open_due"),
            models.Index(fields=["organisation", "accepted_at"], name="case_org_accepted"),
            models.Index(fields=["organisation", "concluded_at"], name="case_org_concluded"),
            models.Index(fields=["window", "concluded_at"], name="case_window_concluded"),
            # The centre-wide board and the day's figures.
            models.Index(fields=["accepted_at"], name="case_accepted"),
            models.Index(fields=["concluded_at"], name="case_concluded"),
            # Open311's requests, by the time they were filed (exchange.open311).
            models.Index(fields=["submitted_at"], name="case_submitted"),
            # The counter's search by ID number or phone, through their blind indexes.
            models.Index(fields=["id_number_index"], name="case_id_number_index"),
            models.Index(fields=["phone_index"], name="case_phone_index"),
            # The supervision board: each card rule reads only these columns, so both are index-only.
            models.Index(
                fields=["promised_due"],
                include=["organisation", "window", "item", "accepted_at", "id"],
                condition=RUNNING,
                name="case_running",
            ),
            models.Index(
                fields=["concluded_at"],
                include=["organisation", "window", "promised_due", "id"],
                condition=CONCLUDED_LATE,
                name="case_late",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="case_number_unique"),
            # Only the keyed few are indexed; a second case with a key already used cannot be written.
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="case_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


OPEN_STATES = [CaseState.SUBMITTED, CaseState.SUPPLEMENT, CaseState.HANDLING, CaseState.SPECIAL]


class CaseEvent(models.Model):
    """One step in a case's history, as the applicant's timeline and the supervision record show it."""

    case = models.ForeignKey(Case, verbose_name="办件", on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", default=timezone.now)
    action = models.CharField("动作", max_length=30)
    label = models.CharField("说明", max_length=60)
    state = models.CharField("办理后状态", max_length=12, choices=CaseState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField("意见或说明", max_length=500, blank=True)
    data = models.JSONField("附加信息", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办件过程"
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.label}"


class SpecialProcedure(models.Model):
    """特别程序 (听证、检测、专家评审 …): its working days do not count toward the deadlines."""

    case = models.ForeignKey(
        Case, verbose_name="办件", on_delete=models.CASCADE, related_name="special_procedures"
    )
    reason = models.CharField("事由", max_length=200)
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    workdays = models.PositiveIntegerField("占用工作日", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "特别程序"
        ordering = ["case", "started_on"]

    def __str__(self) -> str:
        return self.reason


class ReviewState(models.TextChoices):
    PENDING = "pending", "待审查"
    APPROVED = "approved", "同意"
    REJECTED = "rejected", "不同意"


class Review(models.Model):
    """并联审批: one organisation's review of a joint case; all must agree for the case to go on."""

    case = models.ForeignKey(Case, verbose_name="办件", on_delete=models.CASCADE, related_name="reviews")
    organisation = models.ForeignKey(
        Organisation, verbose_name="审查机构", on_delete=models.PROTECT, related_name="reviews"
    )
    state = models.CharField("结论", max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审查时间", null=True, blank=True)
    opinion = models.CharField("意见", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "并联审查"
        constraints = [models.UniqueConstraint(fields=["case", "organisation"], name="one_review_per_org")]
        indexes = [models.Index(fields=["organisation", "state"], name="review_queue")]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.organisation_id} · {self.get_state_display()}"


class CaseFile(models.Model):
    """An uploaded material: checked by its content, stored outside the web root, served through a
    permission check only."""

    case = models.ForeignKey(Case, verbose_name="办件", on_delete=models.CASCADE, related_name="files")
    material = models.CharField("材料名称", max_length=200)
    name = models.CharField("文件名", max_length=200)
    file = models.FileField("文件", upload_to="cases/%Y/%m/")
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "申请材料文件"
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def organisation_id(self) -> int:
        return self.case.organisation_id


class Level(models.IntegerChoices):
    """好差评 five levels (国办发〔2019〕51号): 不满意 and 非常不满意 are 差评."""

    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASIC = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


class Evaluation(models.Model):
    """一事一评: one evaluation per case, by the applicant."""

    case = models.OneToOneField(
        Case, verbose_name="办件", on_delete=models.CASCADE, related_name="evaluation"
    )
    level = models.PositiveSmallIntegerField("评价等级", choices=Level.choices)
    channel = models.CharField("评价渠道", max_length=10, choices=Channel.choices)
    indicators = models.JSONField("评价指标", default=dict, blank=True)
    comment = models.CharField("意见建议", max_length=500, blank=True)
    at = models.DateTimeField("评价时间", default=timezone.now)
    organisation = models.ForeignKey(
        Organisation, verbose_name="被评价机构", on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        Window, verbose_name="被评价窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "好差评"
        indexes = [
            models.Index(fields=["organisation", "at"], name="evaluation_org_at"),
            models.Index(fields=["window", "at"], name="evaluation_window_at"),
            models.Index(fields=["at"], name="evaluation_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level <= Level.DISSATISFIED


class WorkOrderState(models.TextChoices):
    OPEN = "open", "整改中"
    REPLIED = "replied", "已回复申请人"
    CLOSED = "closed", "已办结"


class WorkOrder(models.Model):
    """差评整改工单: an owner, a deadline in working days, a reply to the applicant, closure."""

    evaluation = models.OneToOneField(
        Evaluation, verbose_name="评价", on_delete=models.CASCADE, related_name="work_order"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="整改机构", on_delete=models.PROTECT, related_name="work_orders"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        "状态", max_length=10, choices=WorkOrderState.choices, default=WorkOrderState.OPEN
    )
    opened_at = models.DateTimeField("派单时间", default=timezone.now)
    due = models.DateTimeField("整改期限", db_index=True)
    due_provisional = models.BooleanField("期限暂按周末规则", default=False)
    findings = models.TextField("核实情况", blank=True)
    reply = models.TextField("答复申请人", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "差评整改工单"

    def __str__(self) -> str:
        return f"工单 {self.pk}"


class DailyFigures(models.Model):
    """办件统计的日汇总: one day's figures for one (organisation, window, item), as the statistics count
    them from the cases (stats.py holds the definitions; figures.py keeps this table).

    `accepted` counts the cases accepted that day; the others count the cases concluded that day after
    acceptance. A day's rows cover its moments before its FiguresDay's `through`; the statistics count
    the rest of the day, and every day not summarised, from the cases themselves.
    """

    day = models.DateField("日期")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="+")
    accepted = models.PositiveIntegerField("受理量", default=0)
    concluded = models.PositiveIntegerField("办结量", default=0)
    immediate = models.PositiveIntegerField("即办件数", default=0)
    on_time = models.PositiveIntegerField("按时办结数", default=0)
    early = models.PositiveIntegerField("提前办结数", default=0)
    late = models.PositiveIntegerField("超期办结数", default=0)
    promised = models.PositiveIntegerField("承诺件办结数", default=0)
    span = models.DurationField("承诺件受理至办结用时合计", default=timedelta)
    paused = models.PositiveIntegerField("承诺件特别程序工作日合计", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "办件统计日汇总"
        indexes = [models.Index(fields=["day", "organisation"], name="daily_figures_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.organisation_id}/{self.window_id}/{self.item_id}"


class FiguresDay(models.Model):
    """How much of a day DailyFigures holds: the day's moments before `through`. No row, or `through`
    empty (a moment of the day was written after it was summarised): the day is counted from the cases."""

    day = models.DateField("日期", unique=True)
    through = models.DateTimeField("汇总截至", null=True, blank=True)
    refreshed_at = models.DateTimeField("汇总时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办件统计汇总日"

    def __str__(self) -> str:
        return f"{self.day} 截至 {self.through}"
