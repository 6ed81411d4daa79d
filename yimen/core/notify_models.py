"""Notification tables (SMS templates an administrator edits, and every SMS sent); imported by core.models."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from yimen.core.fields import BlindIndexField, SealedCharField
from yimen.core.identity import mask_phone

__all__ = ["SmsCode", "SmsMessage", "SmsStatus", "SmsTemplate"]


class SmsTemplate(models.Model):
    """The text of one kind of SMS; its {placeholders} are those in notify.ALLOWED_PLACEHOLDERS."""

    code = models.CharField(
        "模板编号",
        max_length=60,
        unique=True,
        validators=[
            RegexValidator(r"^[a-z_]+(\.[a-z_]+)+$", "模板编号由小写字母、下划线和点组成，如 case.accepted")
        ],
    )
    name = models.CharField("名称", max_length=100)
    body = models.TextField(
        "短信内容", help_text="用 {占位符} 引用办件信息，例如 {number}；可用的占位符见下方。"
    )
    is_active = models.BooleanField("启用", default=True, help_text="停用后此类短信不再发送。")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信模板"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENT = "sent", "已发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "发送失败"
    OVER_QUOTA = "over_quota", "超出月度限额"


class SmsMessage(models.Model):
    """One SMS, keyed by its outbox idempotency key so a redelivered event sends it only once. The phone
    is sealed (GB/T 22239-2019 8.1.4.8; core/fields.py): the quota and the admin find a number's rows
    through its blind index, which is the same digest as the case's `phone_index` for that number."""

    key = models.CharField("幂等键", max_length=100, unique=True)
    phone = SealedCharField("手机号码", max_length=20)
    phone_index = BlindIndexField("手机号码检索码", of="phone")
    template = models.CharField("模板编号", max_length=60)
    text = models.TextField("短信内容", blank=True)
    status = models.CharField("状态", max_length=12, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    channel = models.CharField("发送通道", max_length=20, blank=True)
    attempts = models.PositiveIntegerField("发送次数", default=0)
    provider_id = models.CharField("网关短信编号", max_length=100, blank=True, db_index=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信记录"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["phone_index", "created_at"], name="sms_quota")]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone)} {self.template} [{self.get_status_display()}]"


class SmsCode(models.Model):
    """短信验证码: a one-time code sent to a phone to prove the phone is at hand (core/sms_codes.py). Only
    its HMAC-SM3 is kept, bound to the phone and the purpose; the phone itself is kept as its blind index."""

    phone_index = models.CharField("手机号码检索码", max_length=64)
    purpose = models.CharField("用途", max_length=40)
    digest = models.CharField("验证码摘要", max_length=64)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    created_at = models.DateTimeField("发送时间", default=timezone.now)
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信验证码"
        indexes = [models.Index(fields=["phone_index", "purpose", "created_at"], name="sms_code_latest")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"
