"""`yimen backup DEST [--include-keys [--keys-file PATH]]`: the database, the stored files and a manifest
into a new directory (GB/T 22239-2019 8.1.4.9 a)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yimen.core import backup


class Command(BaseCommand):
    help = "备份数据库与文件到新目录 DEST，附清单（各表行数、审计链尾、文件 SHA-256、密钥指纹）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", type=Path, help="新目录（不存在或为空）")
        parser.add_argument(
            "--include-keys",
            action="store_true",
            help="把密钥原文另写入一个 0600 文件（默认不写：密钥应与备份分开保管）",
        )
        parser.add_argument(
            "--keys-file", type=Path, help="--include-keys 写到哪里（默认 DEST/keys.json；建议放到备份之外）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["keys_file"] and not options["include_keys"]:
            raise CommandError("--keys-file 只与 --include-keys 一起使用")
        try:
            made = backup.backup(
                options["dest"], include_keys=options["include_keys"], keys_path=options["keys_file"]
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = made.manifest
        head = manifest["audit_head"]
        size = sum(item["size"] for item in manifest["files"].values())
        self.stdout.write(
            f"备份完成：{options['dest']}\n"
            f"  数据库（{manifest['database']['vendor']}）：{len(manifest['tables'])} 张表，"
            f"{sum(manifest['tables'].values())} 行；审计链尾第 {head['seq']} 条\n"
            f"  文件：{len(manifest['files'])} 个，{size} 字节\n"
            f"  密钥指纹：{', '.join(f'{k}={v}' for k, v in manifest['key_fingerprints'].items())}"
        )
        if made.keys_path is not None:
            self.stderr.write(backup.KEYS_WARNING.format(path=made.keys_path))
        else:
            self.stdout.write("  密钥未写入备份：恢复时须另行提供（见 docs/deployment.md「备份与恢复」）")
