"""What every import command does around its import: read the file, print each problem where it is
(sheet, row, column), and fail with the summary when nothing was imported, so scripts can tell."""

from __future__ import annotations

from abc import abstractmethod
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, Protocol

from django.core.management.base import BaseCommand, CommandError

from yimen.core.errors import ApplicationError
from yimen.core.spreadsheet import RowError


class Report(Protocol):
    @property
    def errors(self) -> list[RowError]: ...

    @property
    def rejected(self) -> bool: ...

    @property
    def summary(self) -> str: ...


class ImportCommand(BaseCommand):
    """An import of one file: `FILE [options] [--dry-run]`; a subclass says what the file holds
    (`file_help`), adds its options (`add_options`) and runs its import (`run`)."""

    file_help = ""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help=self.file_help)
        self.add_options(parser)
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告结果，不保存")

    def add_options(self, parser: ArgumentParser) -> None:
        """The import's own options, between the file and --dry-run."""

    @abstractmethod
    def run(self, content: bytes, options: dict[str, Any]) -> Report:
        """Import `content` (dry run when options["dry_run"]) and report what was and was not imported."""

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        try:
            report = self.run(content, options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for error in report.errors:
            self.stdout.write(str(error))
        if report.rejected:
            raise CommandError(report.summary)
        self.stdout.write(report.summary)
