"""电子印章 (GB/T 38540-2020 安全电子签章密码技术规范): the legal seal on a certificate's file, applied by a
seal service the competent authority runs with CA-issued 制章者 and 签章者 certificates. Yimen holds no
such certificate, so it cannot seal by itself: it hands the finished OFD or PDF to a `Sealer` and stores
what comes back.

Which sealer runs is the setting YIMEN_SEALER:

* ``none`` (default): `SystemSignatureOnly`, the file unchanged. The certificate carries only Yimen's
  「系统数字签名（非电子印章）」 (signing.py), and every page that shows it must say so.
* ``http``: `HttpSealer`, a seal service behind the JSON interface documented on the class.
* the dotted path of a class (``myprovince.seal.Sealer``) built with no arguments, for a vendor's SDK.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.error
import urllib.request
from http.client import HTTPException
from typing import Any, Literal, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from yimen.certificates.signing import LABEL

__all__ = ["DocumentKind", "HttpSealer", "Sealer", "SealingError", "SystemSignatureOnly", "configured"]

DocumentKind = Literal["ofd", "pdf"]
_MAGIC: dict[str, bytes] = {
    "ofd": b"PK\x03\x04",
    "pdf": b"%PDF-",
}  # an OFD is a ZIP package (GB/T 33190-2016)
API_KEY_HEADER = "X-Api-Key"


class SealingError(Exception):
    """The seal service did not seal the document; the message (Chinese) says what happened. Nothing is
    stored: the certificate's file stays unsealed until a later attempt succeeds."""


class Sealer(Protocol):
    """Seals a finished certificate file and returns the sealed file, of the same kind."""

    name: str  # short, for settings and logs: "none", "http"
    label: str  # what a page shows about the file's seal

    def seal(self, document: bytes, *, kind: DocumentKind, identifier: str) -> bytes: ...


class SystemSignatureOnly:
    """No 电子印章: the file as it is. The certificate's only signature is Yimen's system signature."""

    name = "none"
    label = LABEL

    def seal(self, document: bytes, *, kind: DocumentKind, identifier: str) -> bytes:
        return document


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A document is never posted on to another address: a redirect is an error like any other."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class HttpSealer:
    """A seal service over HTTP(S) with JSON.

    Request: ``POST <YIMEN_SEALER_URL>`` with the header ``X-Api-Key: <YIMEN_SEALER_API_KEY>`` and
    ``Content-Type: application/json; charset=utf-8``, body::

        {"identifier": "<电子证照标识>", "kind": "ofd" | "pdf", "document": "<base64 of the file>"}

    Answer: ``200`` with ``{"document": "<base64 of the sealed file>"}``; the sealed file must be of the
    kind sent (an OFD starts PK\\x03\\x04, a PDF %PDF-). Any other status, a body that is not such JSON, or
    no answer within YIMEN_SEALER_TIMEOUT_SECONDS raises SealingError. Sealing the same identifier twice
    must be harmless: Yimen retries after a failure.
    """

    name = "http"
    label = "电子印章（GB/T 38540）"

    def __init__(
        self, url: str | None = None, api_key: str | None = None, timeout: float | None = None
    ) -> None:
        conf = settings.YIMEN
        self.url = conf["SEALER_URL"] if url is None else url
        self.api_key = conf["SEALER_API_KEY"] if api_key is None else api_key
        self.timeout = float(conf["SEALER_TIMEOUT_SECONDS"] if timeout is None else timeout)
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured(
                f"YIMEN_SEALER_URL={self.url!r}：电子印章服务的地址应以 https:// 或 http:// 开头"
            )
        if not self.api_key:
            raise ImproperlyConfigured("YIMEN_SEALER_API_KEY 未设置：电子印章服务需要接口密钥")

    def seal(self, document: bytes, *, kind: DocumentKind, identifier: str) -> bytes:
        if kind not in _MAGIC:
            raise SealingError(f"电子印章：文件类型 {kind!r} 不支持，应为 ofd 或 pdf")
        body = json.dumps(
            {"identifier": identifier, "kind": kind, "document": base64.b64encode(document).decode()}
        ).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", API_KEY_HEADER: self.api_key},
        )
        limit = 4 * len(document) + 16 * 1024 * 1024  # base64 of a sealed file a few seals larger
        try:
            with _opener.open(request, timeout=self.timeout) as response:  # nosec B310  # http(s) only, checked in __init__
                answer = response.read(limit + 1)
        except urllib.error.HTTPError as exc:
            raise SealingError(
                f"电子印章服务返回 HTTP {exc.code}（证照 {identifier}）：{_excerpt(exc)}"
            ) from exc
        except TimeoutError as exc:
            raise SealingError(
                f"电子印章服务 {self.url} 在 {self.timeout:g} 秒内没有答复（证照 {identifier}），请稍后重试"
            ) from exc
        except (
            OSError,
            HTTPException,
        ) as exc:  # URLError (refused, DNS, a timeout while connecting), dropped
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise SealingError(
                    f"电子印章服务 {self.url} 在 {self.timeout:g} 秒内没有答复（证照 {identifier}），请稍后重试"
                ) from exc
            raise SealingError(f"无法连接电子印章服务 {self.url}（证照 {identifier}）：{reason}") from exc
        if len(answer) > limit:
            raise SealingError(f"电子印章服务的答复过大（证照 {identifier}）：超过 {limit} 字节")
        return _sealed(answer, kind, identifier)


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read()[:300].decode("utf-8", "replace") or str(exc.reason)
    except (OSError, HTTPException):
        return str(exc.reason)


def _sealed(answer: bytes, kind: str, identifier: str) -> bytes:
    try:
        data = json.loads(answer)
        sealed = base64.b64decode(data["document"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise SealingError(
            f'电子印章服务的答复无法读取（证照 {identifier}）：应为 JSON {{"document": "<base64>"}}'
        ) from None
    if not sealed.startswith(_MAGIC[kind]):
        raise SealingError(f"电子印章服务返回的文件不是 {kind.upper()}（证照 {identifier}）")
    return sealed


def configured() -> Sealer:
    """The sealer YIMEN_SEALER names: none, http, or the dotted path of a Sealer class."""
    name = settings.YIMEN["SEALER"]
    if name == "none":
        return SystemSignatureOnly()
    if name == "http":
        return HttpSealer()
    try:
        factory = import_string(name)
    except ImportError:
        raise ImproperlyConfigured(
            f"YIMEN_SEALER={name!r} 无法识别：应为 none、http 或电子印章适配类的完整路径（如 myprovince.seal.Sealer）"
        ) from None
    sealer: Sealer = factory()
    return sealer
