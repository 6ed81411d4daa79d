"""Disclosure requests (依申请公开) under 《政府信息公开条例》(2019) and, for requests received before
2019-05-15, the 2008 regulation.

Status (where the request is) is kept apart from outcome (what was decided): a request has exactly
one outcome, a row of table 三 of the annual report (`annual_report_2021.json`, keys r1 … r6_3).
The reply deadline is stored (`due_on`) and recomputed on every clock event and calendar change;
"overdue" is derived from it, never stored. Every clock event is a `RequestEvent`, so the page can
explain the deadline step by step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from yimen.core.fields import BlindIndexField, SealedCharField
from yimen.org.models import Organisation
from yimen.publishing.models import Publication


class ApplicantType(models.TextChoices):
    """The applicant columns of table 三 (申请人情况)."""

    NATURAL = "natural", "自然人"
    BUSINESS = "business", "商业企业"
    RESEARCH = "research", "科研机构"
    WELFARE = "welfare", "社会公益组织"
    LEGAL_SERVICE = "legal_service", "法律服务机构"
    OTHER = "other", "其他"


class Channel(models.TextChoices):
    """How the request arrived; 条例第三十一条 fixes the receipt date for each."""

    IN_PERSON = "in_person", "当面提交"
    REGISTERED_MAIL = "registered_mail", "邮寄（需签收）"
    ORDINARY_MAIL = "ordinary_mail", "平常信函"
    FAX = "fax", "传真"
    EMAIL = "email", "电子邮件"
    ONLINE = "online", "网上申请"
    ORAL = "oral", "口头提出（代为填写）"


class FormWanted(models.TextChoices):
    """条例第二十九条第（三）项: the form in which the information is wanted."""

    PAPER = "paper", "纸质文本"
    ELECTRONIC = "electronic", "电子文件"
    INSPECTION = "inspection", "当场查阅、抄录"


class DeliveryMethod(models.TextChoices):
    POST = "post", "邮寄"
    EMAIL = "email", "电子邮件"
    PICKUP = "pickup", "当面领取"
    ONLINE = "online", "网上获取"


class RequestState(models.TextChoices):
    REGISTERED = "registered", "已登记"
    IN_PROGRESS = "in_progress", "办理中"
    CLARIFYING = "clarifying", "待申请人补正"
    CONSULTING = "consulting", "征求意见中"
    AWAITING_FEE = "awaiting_fee", "待缴纳信息处理费"
    REPLIED = "replied", "已答复"
    DELIVERED = "delivered", "已送达"
    CLOSED = "closed", "已办结"


class Outcome(models.TextChoices):
    """The decision, as one row of table 三 (values are the reference file's row keys)."""

    DISCLOSED = "r1", "予以公开"
    PARTIAL = "r2", "部分公开"
    SECRET = "r3_1", "不予公开：属于国家秘密"
    PROHIBITED = "r3_2", "不予公开：其他法律行政法规禁止公开"
    SECURITY = "r3_3", "不予公开：危及“三安全一稳定”"
    THIRD_PARTY = "r3_4", "不予公开：保护第三方合法权益"
    INTERNAL = "r3_5", "不予公开：属于三类内部事务信息"
    PROCESS = "r3_6", "不予公开：属于四类过程性信息"
    ENFORCEMENT_FILE = "r3_7", "不予公开：属于行政执法案卷"
    QUERY_MATTER = "r3_8", "不予公开：属于行政查询事项"
    NOT_HELD = "r4_1", "无法提供：本机关不掌握相关政府信息"
    NEEDS_CREATION = "r4_2", "无法提供：没有现成信息需要另行制作"
    STILL_UNCLEAR = "r4_3", "无法提供：补正后申请内容仍不明确"
    PETITION = "r5_1", "不予处理：信访举报投诉类申请"
    REPEATED = "r5_2", "不予处理：重复申请"
    PUBLICATION = "r5_3", "不予处理：要求提供公开出版物"
    EXCESSIVE = "r5_4", "不予处理：无正当理由大量反复申请"
    CONFIRMATION = "r5_5", "不予处理：要求行政机关确认或重新出具已获取信息"
    NO_CLARIFICATION = "r6_1", "其他处理：申请人无正当理由逾期不补正"
    FEE_UNPAID = "r6_2", "其他处理：申请人逾期未缴纳信息处理费"
    OTHER = "r6_3", "其他处理：其他"


class RequestCounter(models.Model):
    """The last serial used for a number prefix (organisation + year): numbers never repeat or collide."""

    prefix = models.CharField(max_length=60, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class DisclosureRequest(models.Model):
    number = models.CharField("申请编号", max_length=40, unique=True)
    query_code = models.CharField("查询码", max_length=6)
    organisation = models.ForeignKey(
        Organisation, verbose_name="受理机关", on_delete=models.PROTECT, related_name="disclosure_requests"
    )
    state = models.CharField(
        "状态", max_length=14, choices=RequestState.choices, default=RequestState.REGISTERED
    )
    outcome = models.CharField("办理结果", max_length=6, choices=Outcome.choices, blank=True)
    lock_version = models.PositiveIntegerField(default=0)

    applicant_type = models.CharField("申请人类型", max_length=14, choices=ApplicantType.choices)
    applicant_name = models.CharField("申请人姓名或名称", max_length=100)
    # Sealed with SM4-GCM (core/fields.py); exact lookups go through the blind indexes below.
    id_number = SealedCharField("公民身份号码", max_length=18, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    legal_representative = models.CharField("法定代表人或负责人", max_length=50, blank=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    phone = SealedCharField("联系电话", max_length=20)
    email = models.EmailField("电子邮箱", blank=True)
    address = SealedCharField("通信地址", max_length=200, blank=True)
    id_number_index = BlindIndexField("公民身份号码检索码", of="id_number")
    phone_index = BlindIndexField("联系电话检索码", of="phone")
    postcode = models.CharField("邮政编码", max_length=6, blank=True)

    description = models.TextField("所需政府信息的名称、文号或特征性描述")
    form_wanted = models.CharField("获取信息的形式", max_length=12, choices=FormWanted.choices)
    delivery_method = models.CharField("获取信息的方式", max_length=10, choices=DeliveryMethod.choices)

    channel = models.CharField("申请渠道", max_length=16, choices=Channel.choices)
    submitted_on = models.DateField("提交或寄出日期")
    received_on = models.DateField("收到申请之日", help_text="条例第三十一条")
    rules = models.CharField(
        "适用条例", max_length=4, default="2019", help_text="2008 或 2019，按收到申请之日"
    )
    clock_start_on = models.DateField("答复期限起算日")
    due_on = models.DateField("答复期限", db_index=True)
    due_provisional = models.BooleanField("期限暂按周末规则", default=False)
    paused_workdays = models.PositiveIntegerField("中止工作日（征求意见等）", default=0)
    extension_workdays = models.PositiveSmallIntegerField("延长工作日", default=0)
    custom_due_on = models.DateField("第三十五条确定的答复期限", null=True, blank=True)

    replied_on = models.DateField("答复日期", null=True, blank=True)
    closed_on = models.DateField(
        "办结日期", null=True, blank=True, help_text="作出处理决定之日（年报计数日）"
    )
    delivered_on = models.DateField("送达日期", null=True, blank=True)
    publication = models.ForeignKey(
        Publication,
        verbose_name="已主动公开的信息",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="disclosure_requests",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "政府信息公开申请"
        indexes = [
            models.Index(fields=["organisation", "state", "due_on"], name="request_open_due"),
            models.Index(fields=["organisation", "received_on"], name="request_received"),
            models.Index(fields=["organisation", "closed_on"], name="request_closed"),
            # The same applicant's requests (fees: the month's count), by blind index.
            models.Index(fields=["id_number_index"], name="request_id_number_index"),
            models.Index(fields=["phone_index"], name="request_phone_index"),
        ]

    def __str__(self) -> str:
        return self.number


class EventKind(models.TextChoices):
    RECEIVED = "received", "收到申请"
    STARTED = "started", "开始办理"
    CLARIFICATION_REQUESTED = "clarification_requested", "告知补正"
    CLARIFICATION_RECEIVED = "clarification_received", "收到补正"
    CLARIFICATION_EXPIRED = "clarification_expired", "逾期未补正"
    CONSULTATION_STARTED = "consultation_started", "征求意见"
    CONSULTATION_ENDED = "consultation_ended", "意见收回"
    EXTENDED = "extended", "延期答复"
    CUSTOM_DEADLINE = "custom_deadline", "确定延迟答复期限"
    FEE_NOTICE = "fee_notice", "收费通知"
    FEE_PAID = "fee_paid", "缴纳费用"
    REPLIED = "replied", "答复"
    DELIVERED = "delivered", "送达"
    CLOSED = "closed", "办结"
    APPEALED = "appealed", "申请行政复议或提起行政诉讼"
    APPEAL_DECIDED = "appeal_decided", "复议或诉讼结果"
    RECOMPUTED = "recomputed", "日历调整重算"
    NOTE = "note", "备注"


class RequestEvent(models.Model):
    """One step of a request's history and clock; `workdays` is its effect on the deadline."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事项", max_length=24, choices=EventKind.choices)
    on = models.DateField("日期")
    workdays = models.IntegerField("影响工作日", default=0)
    due_after = models.DateField("此后答复期限", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    public = models.BooleanField("申请人可见", default=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "申请办理记录"
        ordering = ["request", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"


class Clarification(models.Model):
    """补正 (条例第三十条): one notice listing everything, within 7 working days of receipt."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="clarifications")
    notified_on = models.DateField("告知日期")
    items = models.TextField("需要补正的事项")
    deadline_on = models.DateField("补正期限")
    received_on = models.DateField("收到补正日期", null=True, blank=True)
    content = models.TextField("补正内容", blank=True)

    def __str__(self) -> str:
        return f"补正告知 {self.notified_on}"


class ConsultationParty(models.TextChoices):
    THIRD_PARTY = "third_party", "第三方（第三十二条）"
    AGENCY = "agency", "其他机关（第三十四条）"


class Consultation(models.Model):
    """征求意见 (条例第三十二条、第三十四条): 15 working days for the other side; the time is not counted
    (第三十三条第三款)."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="consultations")
    party_kind = models.CharField("对象", max_length=12, choices=ConsultationParty.choices)
    party_name = models.CharField("对象名称", max_length=100)
    sent_on = models.DateField("发出日期")
    reply_due_on = models.DateField("答复期限")
    replied_on = models.DateField("收回日期", null=True, blank=True)
    opinion = models.CharField("意见", max_length=200, blank=True)

    def __str__(self) -> str:
        return f"征求意见：{self.party_name}"


class FeeMethod(models.TextChoices):
    PER_REQUEST = "per_request", "按件计收"
    PER_PAGE = "per_page", "按量计收"


class FeeNotice(models.Model):
    """信息处理费 (国办函〔2020〕109号): one method per request, never both."""

    request = models.OneToOneField(DisclosureRequest, on_delete=models.CASCADE, related_name="fee_notice")
    method = models.CharField("计收方式", max_length=12, choices=FeeMethod.choices)
    quantity = models.PositiveIntegerField("件次或页数")
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    issued_on = models.DateField("通知日期")
    pay_by = models.DateField("缴费期限")
    paid_on = models.DateField("缴费日期", null=True, blank=True)

    def __str__(self) -> str:
        return f"信息处理费 {self.amount} 元"


class Reply(models.Model):
    """答复 (告知书): the decision with its legal basis, reasons and the applicant's remedies."""

    request = models.OneToOneField(DisclosureRequest, on_delete=models.CASCADE, related_name="reply")
    outcome = models.CharField("办理结果", max_length=6, choices=Outcome.choices)
    issued_on = models.DateField("答复日期")
    reasons = models.TextField("理由", blank=True)
    how_to_obtain = models.TextField("获取方式", blank=True)
    body = models.TextField("告知书正文")
    pages = models.PositiveIntegerField("提供页数", default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return self.get_outcome_display()


class LetterTemplate(models.Model):
    """An editable 告知书 template per outcome."""

    outcome = models.CharField("办理结果", max_length=6, choices=Outcome.choices, unique=True)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文模板")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title


class AppealKind(models.TextChoices):
    """The three groups of table 四."""

    RECONSIDERATION = "reconsideration", "行政复议"
    LITIGATION_DIRECT = "litigation_direct", "行政诉讼：未经复议直接起诉"
    LITIGATION_AFTER = "litigation_after", "行政诉讼：复议后起诉"


class AppealResult(models.TextChoices):
    MAINTAINED = "maintained", "结果维持"
    CORRECTED = "corrected", "结果纠正"
    OTHER = "other", "其他结果"


class Appeal(models.Model):
    """行政复议 or 行政诉讼 against a request's handling; pending (尚未审结) until it has a result."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.PROTECT, related_name="appeals")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=20, choices=AppealKind.choices)
    filed_on = models.DateField("申请或起诉日期")
    body = models.CharField("复议机关或法院", max_length=100)
    reference = models.CharField("案号", max_length=60, blank=True)
    result = models.CharField("结果", max_length=12, choices=AppealResult.choices, blank=True)
    decided_on = models.DateField("决定或判决日期", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政复议、行政诉讼"
        indexes = [models.Index(fields=["organisation", "filed_on"], name="appeal_filed")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filed_on}"
