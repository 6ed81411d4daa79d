"""个人信息权利申请: an applicant asks the organisation that holds their data to let them see and copy it
(个人信息保护法 第四十五条), to correct or complete it (第四十六条) or to delete it (第四十七条); 第五十条 asks
for 「便捷的个人行使权利的申请受理和处理机制」 and reasons for a refusal. The response period is the
centre's own rule (YIMEN["PRIVACY_RESPONSE_WORKDAYS"]): the law sets no number of days.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from yimen.cases.models import Case
from yimen.core.fields import SealedCharField
from yimen.org.models import Organisation


class RightKind(models.TextChoices):
    ACCESS = "access", "查阅、复制"  # 第四十五条
    CORRECT = "correct", "更正、补充"  # 第四十六条
    DELETE = "delete", "删除"  # 第四十七条


class RequestState(models.TextChoices):
    RECEIVED = "received", "已提交，待受理"
    HANDLING = "handling", "办理中"
    ANSWERED = "answered", "已答复"


class Outcome(models.TextChoices):
    PROVIDED = "provided", "已提供查阅、复制"
    CORRECTED = "corrected", "已更正、补充"
    DELETED = "deleted", "已删除"
    REFUSED = "refused", "不予办理"


class Verification(models.TextChoices):
    """How the requester showed the data is theirs: as 办件查询 does (number + 查询码), by the ID number with
    the phone's last four digits as registered, or at the window with the ID card."""

    CASE_CODE = "case_code", "办件编号和查询码"
    ID_PHONE = "id_phone", "公民身份号码和登记手机号码后四位"
    COUNTER = "counter", "窗口核验身份证件"


class Channel(models.TextChoices):
    PORTAL = "portal", "网上提交"
    WINDOW = "window", "窗口登记"


class RightsCounter(models.Model):
    """The last serial used in a year: numbers never repeat or collide."""

    year = models.PositiveIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}:{self.last}"


class RightsRequest(models.Model):
    number = models.CharField("申请编号", max_length=20, unique=True)
    query_code = models.CharField("查询码", max_length=6)
    organisation = models.ForeignKey(
        Organisation, verbose_name="个人信息处理机关", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("申请事项", max_length=10, choices=RightKind.choices)
    state = models.CharField(
        "状态", max_length=10, choices=RequestState.choices, default=RequestState.RECEIVED
    )
    outcome = models.CharField("办理结果", max_length=10, choices=Outcome.choices, blank=True)
    channel = models.CharField("提交渠道", max_length=10, choices=Channel.choices)

    requester_name = models.CharField("申请人", max_length=100)
    # Sealed with SM4-GCM (core/fields.py), as the cases' and requests' are; never looked up by value.
    phone = SealedCharField("联系电话", max_length=20)
    verification = models.CharField("身份核验方式", max_length=10, choices=Verification.choices)
    id_number = SealedCharField("公民身份号码", max_length=18, blank=True)
    phone_tail = models.CharField("登记手机号码后四位", max_length=4, blank=True)
    case = models.ForeignKey(
        Case, verbose_name="所涉办件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    content = models.TextField(
        "申请内容", help_text="要查阅的内容、要更正的信息及正确内容，或要删除的信息及理由"
    )

    received_on = models.DateField("收到申请之日")
    due_on = models.DateField("答复期限", db_index=True)
    due_provisional = models.BooleanField("期限暂按周末规则", default=False)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    reply = models.TextField("答复内容（不予办理的须说明理由）", blank=True)
    export = models.JSONField("提供的个人信息副本", null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("提交时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "个人信息权利申请"
        indexes = [models.Index(fields=["organisation", "state", "due_on"], name="rights_open_due")]

    def __str__(self) -> str:
        return self.number

    @property
    def overdue(self) -> bool:
        """Past its response period and not answered (derived, never stored)."""
        return self.state != RequestState.ANSWERED and timezone.localdate() > self.due_on


class RecordKind(models.TextChoices):
    """The records holding applicants' personal data that a retention period applies to and a hold may keep."""

    CASE = "case", "办件"
    DISCLOSURE_REQUEST = "disclosure_request", "政府信息公开申请"
    RIGHTS_REQUEST = "rights_request", "个人信息权利申请"


class LegalHold(models.Model):
    """A record kept past its retention (个人信息保护法 第四十七条第二款: a period set by law not yet over;
    a 复议, suit, audit or investigation that needs it): while a hold is in force the retention purge skips
    the record. Placed and released by the security administrator, each with a reason, both audited."""

    kind = models.CharField("记录类别", max_length=20, choices=RecordKind.choices)
    record_id = models.PositiveBigIntegerField("记录")
    number = models.CharField("编号", max_length=80)
    organisation = models.ForeignKey(
        Organisation, verbose_name="所属机关", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("保留理由", max_length=200)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设置人", on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField("设置时间", default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解除人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_at = models.DateTimeField("解除时间", null=True, blank=True)
    release_reason = models.CharField("解除理由", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "保留（暂停删除）"
        constraints = [
            # One hold in force per record; released ones stay as history.
            models.UniqueConstraint(
                fields=["kind", "record_id"],
                condition=models.Q(released_at__isnull=True),
                name="one_hold_in_force",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def in_force(self) -> bool:
        return self.released_at is None
