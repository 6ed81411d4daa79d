"""`yimen audit`: the audit log's checks and upkeep.

- `verify [--anchors FILE ...]`: recompute the hash chain, hold it against the signed anchors (the anchor
  file, and any copies the 审计管理员 kept), report every problem; exit status 1 on any.
- `seal`: seal the entries waiting now (the worker does it every second).
- `anchor`: sign the current head into the anchor file; `anchor --export YYYY-MM-DD [--output FILE]`: a
  day's anchors, for the 审计管理员 to keep outside the system.
- `retain [--days N]`: archive and remove the entries older than the retention (never under 180 days).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yimen.core import audit, audit_anchor, audit_retention
from yimen.core.errors import ApplicationError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--export：日期应写成 YYYY-MM-DD，例如 2026-12-07，收到的是 {text!r}") from None


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链与签名锚点，seal 封存，anchor 签名锚定/导出，retain 按留存期归档"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "seal", "anchor", "retain"])
        parser.add_argument(
            "--anchors", action="append", default=[], metavar="FILE", help="verify：另行保存的锚点文件"
        )
        parser.add_argument("--export", metavar="YYYY-MM-DD", help="anchor：导出当天的签名锚点")
        parser.add_argument("--output", metavar="FILE", help="anchor --export：写入此文件（默认标准输出）")
        parser.add_argument("--days", type=int, help="retain：留存天数（不少于 180，默认取配置）")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _verify(self, options: dict[str, Any]) -> None:
        extra = [Path(p) for p in options["anchors"]]
        for path in extra:
            if not path.is_file():
                raise CommandError(f"--anchors：找不到锚点文件 {path}")
        checked, problems = audit.inspect(extra)
        if problems:
            for problem in problems[1:]:
                self.stderr.write(str(problem))
            raise CommandError(f"{problems[0]}（此前 {checked} 条校验通过）")
        self.stdout.write(f"审计日志完整：{checked} 条，哈希链无断点，与签名锚点相符")

    def _seal(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"已封存 {audit.seal()} 条")

    def _anchor(self, options: dict[str, Any]) -> None:
        if options["export"]:
            day = _day(options["export"])
            lines = audit_anchor.export_day(day)
            if not lines:
                raise CommandError(f"{day} 没有签名锚点")
            if options["output"]:
                Path(options["output"]).write_text(lines, encoding="utf-8")
                self.stdout.write(f"已导出 {day} 的 {lines.count(chr(10))} 条签名锚点到 {options['output']}")
            else:
                self.stdout.write(lines, ending="")
            return
        signed = audit.anchor_head()
        self.stdout.write(f"已签名锚定审计日志第 {signed['seq']} 条")

    def _retain(self, options: dict[str, Any]) -> None:
        try:
            done = audit_retention.archive_before(options["days"])
        except ApplicationError as exc:
            raise CommandError(str(exc)) from None
        if done is None:
            self.stdout.write("没有超过留存期的审计日志")
            return
        self.stdout.write(
            f"已归档审计日志第 {done.first}–{done.last} 条（{done.count} 条，{done.cutoff:%Y-%m-%d} 之前）到 {done.path}"
        )
