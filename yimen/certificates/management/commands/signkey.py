"""`yimen signkey`: the SM2 key of the certificates' 系统数字签名 (certificates/signing.py, docs/deployment.md).

* `new` writes a new private key to the key file (mode 0600); it refuses when the file exists.
* `rotate` retires the current key's public half into the key ring beside the file and writes a new key:
  certificates signed before still verify, new ones are signed with the new key.
* `show` prints the public keys (the one that signs now and the retired ones) with their fingerprints:
  what the public key page and the annual report publish.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yimen.certificates import signing
from yimen.core import audit


class Command(BaseCommand):
    help = "电子证照系统数字签名密钥（SM2）：new 生成，rotate 轮换（旧公钥留在公钥环中），show 显示公钥与指纹"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["new", "rotate", "show"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            {"new": self._new, "rotate": self._rotate, "show": self._show}[options["action"]]()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

    def _new(self) -> None:
        path = signing.key_file()
        key = signing.new_key_file(path)
        if key is None:
            raise CommandError(
                f"签名密钥文件 {path} 已存在，未作改动：要换用新密钥请运行 yimen signkey rotate（旧公钥会留在公钥环中）"
            )
        audit.record("signkey.created", actor="系统", object_type="certificates.signkey",
                     object_id=key.fingerprint, object_repr=f"签名密钥 {key.fingerprint}", after={"file": str(path)})  # fmt: skip
        self.stdout.write(
            f"已生成签名密钥 {path}（权限 0600），公钥指纹 {key.fingerprint}。请把该文件与数据库分开备份，"
            "并在政府网站公布公钥（yimen signkey show）"
        )

    def _rotate(self) -> None:
        old, new = signing.rotate()
        audit.record("signkey.rotated", actor="系统", object_type="certificates.signkey", object_id=new.fingerprint,
                     object_repr=f"签名密钥 {old.fingerprint} → {new.fingerprint}",
                     before={"fingerprint": old.fingerprint}, after={"fingerprint": new.fingerprint})  # fmt: skip
        self.stdout.write(
            f"已轮换签名密钥：新公钥指纹 {new.fingerprint}；旧公钥 {old.fingerprint} 已存入 {signing.ring_file()}，"
            "此前签发的证照仍可验证。请备份新的密钥文件和公钥环，并公布新公钥"
        )

    def _show(self) -> None:
        for entry in signing.public_keys():
            since = f"{timezone.localtime(entry.valid_from):%Y-%m-%d %H:%M} 启用"
            until = (
                "，当前签名密钥"
                if entry.retired_at is None
                else f"，{timezone.localtime(entry.retired_at):%Y-%m-%d %H:%M} 停用"
            )
            self.stdout.write(f"{entry.fingerprint}  {since}{until}\n  {entry.public_key}")
