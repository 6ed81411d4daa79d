"""`yimen datakey`: the data keys that seal applicants' personal data (core/crypto.py, docs/deployment.md).

* `new` adds a key to the key file, numbered one above the highest; from then on it seals new values.
* `rotate` seals every row again under the newest key and recomputes the blind indexes, in batches,
  each committed on its own: run it again after an interruption and it carries on. The phones that the
  outbox's "sms.send" events carry sealed (core/notify.py) are sealed again too.
* `check` opens every sealed value, those phones included, and counts the values under each key, so an
  old key can be retired once no value uses it, and a wrong key shows before anyone reads a case.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yimen.core import audit, crypto, notify
from yimen.core.fields import SealedCharField, reseal, sealed_models, stored_values
from yimen.core.models import OutboxMessage

SMS_EVENTS = "core.outboxmessage（sms.send 的手机号码）"


class Command(BaseCommand):
    help = "个人信息数据密钥：new 新增密钥，rotate 用最新密钥重新加密，check 校验并统计"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["new", "rotate", "check"])
        parser.add_argument("--batch", type=int, default=1000, help="rotate：每批重新加密的行数（默认 1000）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch：应为正整数")
        {"new": self._new, "rotate": self._rotate, "check": self._check}[options["action"]](options)

    def _new(self, options: dict[str, Any]) -> None:
        ring = crypto.keyring()
        line = crypto.new_key_line(max(ring.keys) + 1)
        if ring.source == "YIMEN_DATA_KEY":
            # The key lives in the environment: only the operator can change it.
            self.stdout.write(
                f"请把这一项加到环境变量 YIMEN_DATA_KEY（逗号分隔），重启后运行 yimen datakey rotate：\n{line}"
            )
            return
        path = crypto.key_file()
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND)
        with os.fdopen(descriptor, "a") as file:
            file.write(f"{line}\n")
        crypto.forget_keys()
        key_id = crypto.keyring().current.id
        audit.record("datakey.added", actor="系统", object_type="core.datakey", object_id=str(key_id),
                     object_repr=f"{key_id} 号数据密钥", after={"file": str(path)})  # fmt: skip
        self.stdout.write(
            f"已在 {path} 新增 {key_id} 号数据密钥。先备份该文件（与数据库分开保存），"
            "再重启各进程并运行 yimen datakey rotate"
        )

    def _rotate(self, options: dict[str, Any]) -> None:
        current = crypto.keyring().current.id
        for model in sealed_models():
            done = reseal(model, batch_size=options["batch"])
            self.stdout.write(f"{done.model}：{done.rows} 行，重新加密 {done.sealed} 行")
            audit.record("datakey.rotated", actor="系统", object_type=done.model, object_id="*",
                         object_repr=f"用 {current} 号密钥重新加密", after={"rows": done.rows, "sealed": done.sealed})  # fmt: skip
        resealed = notify.reseal_payload_phones(OutboxMessage, batch_size=options["batch"])
        self.stdout.write(f"{SMS_EVENTS}：重新加密 {resealed} 行")
        audit.record("datakey.rotated", actor="系统", object_type="core.outboxmessage", object_id="sms.send",
                     object_repr=f"用 {current} 号密钥重新加密", after={"sealed": resealed})  # fmt: skip
        self.stdout.write(f"全部个人信息已用 {current} 号数据密钥加密，盲索引已重算")

    def _check(self, options: dict[str, Any]) -> None:
        failures = 0
        for model in sealed_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, SealedCharField)]
            values = (
                (pk, field.context, value)
                for batch in stored_values(model, options["batch"])
                for pk, *stored in batch
                for field, value in zip(fields, stored, strict=True)
            )
            failures += self._count(model._meta.label_lower, values, failures)
        phones = (
            (pk, notify.PAYLOAD_PHONE, payload.get("phone", ""))
            for batch in notify.stored_payload_phones(OutboxMessage, options["batch"])
            for pk, payload in batch
        )
        failures += self._count(SMS_EVENTS, phones, failures)
        if failures:
            raise CommandError(f"{failures} 个值无法解密：密钥不对，或数据被改动")
        self.stdout.write("全部密文校验通过")

    def _count(self, label: str, values: Iterator[tuple[Any, str, str]], failed_before: int) -> int:
        """Open each (row id, context, stored value) and write how many values each key holds; returns
        the values that did not open (the first five overall are named)."""
        used: Counter[int] = Counter()
        failures = 0
        for pk, context, value in values:
            if not value:
                continue
            used[crypto.key_id_of(value) or 0] += 1
            try:
                crypto.decrypt(value, context)
            except crypto.DecryptionError as exc:
                failures += 1
                if failed_before + failures <= 5:
                    self.stderr.write(f"{label} #{pk}：{exc}")
        counts = "，".join(f"{k or '未加密'} 号密钥 {n} 个值" for k, n in sorted(used.items())) or "无数据"
        self.stdout.write(f"{label}：{counts}")
        return failures
