"""`yimen restore SRC [--force] [--verify-only]`: a backup back into an empty database and files
directory, then checked against its manifest (GB/T 22239-2019 8.1.4.9 a)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yimen.core import backup


class Command(BaseCommand):
    help = "从 yimen backup 的目录恢复到空数据库，并核对行数、审计链、文件 SHA-256 与密钥指纹"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("src", type=Path, help="yimen backup 写出的目录")
        parser.add_argument("--force", action="store_true", help="目标数据库或文件目录不为空时仍然覆盖")
        parser.add_argument(
            "--verify-only", action="store_true", help="不恢复，只把当前数据库与文件和该备份核对"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        src: Path = options["src"]
        try:
            if options["verify_only"]:
                checked = backup.verify(backup.read_manifest(src), src)
            else:
                checked = backup.restore(src, force=options["force"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in checked.lines:
            self.stdout.write(f"  {line}")
        if checked.problems:
            raise CommandError(
                f"核对未通过，{len(checked.problems)} 处不符：\n"
                + "\n".join(f"  - {p}" for p in checked.problems)
            )
        done = "核对" if options["verify_only"] else "恢复并核对"
        self.stdout.write(f"{done}完成：与备份 {src} 一致")
