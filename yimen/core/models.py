"""The shared kernel's tables: the working-day calendar, the audit log and the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class DaySource(models.TextChoices):
    NOTICE = "notice", "国务院放假通知"
    MANUAL = "manual", "管理员调整"
    WEEKEND = "weekend", "周末规则"


class CalendarYear(models.Model):
    """A year whose official holiday notice is loaded; a year without a row is provisional."""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    notice_title = models.CharField("通知名称", max_length=200, blank=True)
    loaded_at = models.DateTimeField("载入时间", default=timezone.now)
    loaded_by = models.CharField("载入人", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "已载入放假通知的年份"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    """One day of a loaded year: whether it is a working day, and why."""

    date = models.DateField("日期", primary_key=True)
    is_workday = models.BooleanField("工作日")
    source = models.CharField("来源", max_length=10, choices=DaySource.choices)
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "日历"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_workday else '休息日'}"


class CalendarRevision(models.Model):
    """A counter bumped by every calendar change, so other processes know to rebuild their index."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"日历版本 {self.number}"

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=1).values_list("number", flat=True).first() or 0

    @classmethod
    def bump(cls) -> None:
        cls.objects.get_or_create(pk=1)
        cls.objects.filter(pk=1).update(number=models.F("number") + 1)


_audit_unguarded: ContextVar[bool] = ContextVar("audit_unguarded", default=False)


@contextmanager
def audit_unguarded() -> Iterator[None]:
    """Only for `audit.seal()` (numbering new entries) and the retention command (removing archived ones)."""
    token = _audit_unguarded.set(True)
    try:
        yield
    finally:
        _audit_unguarded.reset(token)


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    """No bulk update or delete of audit entries (GB/T 22239-2019 8.1.4.3 c), but through `audit_unguarded`."""

    def update(self, **kwargs: Any) -> int:
        if not _audit_unguarded.get():
            raise PermissionError("审计日志只能追加，不能修改")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if not _audit_unguarded.get():
            raise PermissionError("审计日志只能追加，不能删除")
        return super().delete()


class AuditEntry(models.Model):
    """Append-only, hash-chained record of one change. Written once, sealed once (`seq`, `prev_hash`
    and `hash` filled in by `audit.seal()`), never otherwise updated, never deleted but by the retention
    command, after archiving."""

    seq = models.PositiveBigIntegerField("序号", unique=True, null=True, blank=True)
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField("操作人名称", max_length=100)
    action = models.CharField("操作", max_length=60)  # indexed in Meta (no LIKE index on PostgreSQL)
    object_type = models.CharField("对象类型", max_length=60)
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    organisation_id = models.BigIntegerField("所属机构", null=True, blank=True, db_index=True)
    summary = models.JSONField("变更摘要", default=dict)
    prev_hash = models.CharField("上一条哈希", max_length=64, blank=True, default="")
    hash = models.CharField("哈希", max_length=64, blank=True, default="")

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action"], name="audit_action"),
        ]

    def __str__(self) -> str:
        number = f"#{self.seq}" if self.seq is not None else "（待封存）"
        return f"{number} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计日志只能追加，不能删除")


class AuditHead(models.Model):
    """The chain's last sealed entry: the single row sealers lock to chain entries one at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"审计链尾 #{self.seq}"


class BudgetSpent(models.Model):
    """How much of one budget (core/throttle.py) one client address or one number has spent, and until
    when (seconds since the epoch) that is remembered. Counted in one statement, so that concurrent
    attempts from several web workers each see their own count."""

    key = models.CharField(primary_key=True, max_length=100)
    spent = models.IntegerField(default=0)
    until = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.spent}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待投递"
    CLAIMED = "claimed", "投递中"
    DONE = "done", "已投递"
    DEAD = "dead", "投递失败（死信）"


class OutboxMessage(models.Model):
    """An event written in the transaction of the change that caused it, delivered by the worker."""

    # Indexed and unique through Meta: db_index/unique=True would also add, on PostgreSQL, LIKE 'prefix%'
    # indexes that no query uses and every event writes.
    name = models.CharField("事件", max_length=100)
    payload = models.JSONField("内容", default=dict)
    key = models.CharField("幂等键", max_length=100)
    status = models.CharField(
        "状态", max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    available_at = models.DateTimeField("可投递时间", default=timezone.now)
    claimed_until = models.DateTimeField("占用至", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    delivered_at = models.DateTimeField("投递时间", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "事件发件箱"
        indexes = [
            models.Index(fields=["status", "available_at"], name="outbox_due"),
            models.Index(fields=["name"], name="outbox_name"),
        ]
        constraints = [models.UniqueConstraint(fields=["key"], name="outbox_key_unique")]

    def __str__(self) -> str:
        return f"{self.name} [{self.get_status_display()}]"


class HandledMessage(models.Model):
    """Which handler has already applied which message: the receiver's side of at-least-once."""

    key = models.CharField(max_length=100)
    handler = models.CharField(max_length=150)
    handled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "handler"], name="handled_once")]

    def __str__(self) -> str:
        return f"{self.handler} ← {self.key}"


from yimen.core.notify_models import *  # noqa: E402, F403  (SMS templates and messages)
