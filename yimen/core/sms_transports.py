"""SMS channels, one small class each (healthchecks-style transports): console, file and an HTTP gateway.

A transport returns the gateway's id for the message ("" when the channel has none), raises
`SmsRejected` when the message can never be sent as it is (no retry), and `SmsUnavailable` when a later
attempt may succeed (the outbox retries with backoff). The channel is chosen by YIMEN["SMS_TRANSPORT"].
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from http.client import HTTPException
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone

from yimen.core.identity import mask_phone

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Yimen-Timestamp"
SIGNATURE_HEADER = "X-Yimen-Signature"


class SmsRejected(Exception):
    """The message cannot be sent as it is: record it as failed, do not retry."""


class SmsUnavailable(Exception):
    """The channel cannot send now: the outbox retries later."""


@dataclass(frozen=True)
class OutgoingSms:
    key: str
    phone: str
    template: str
    text: str


class Transport(Protocol):
    name: str

    def send(self, sms: OutgoingSms) -> str: ...


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of "timestamp.body": what the gateway checks, and what its callbacks carry."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return bool(secret) and hmac.compare_digest(sign(secret, timestamp, body), signature)


class ConsoleTransport:
    """The default: the text goes to the log, nothing leaves the machine (demo, development)."""

    name = "console"

    def send(self, sms: OutgoingSms) -> str:
        log.info("短信 %s → %s：%s", sms.key, mask_phone(sms.phone), sms.text)
        return ""


class FileTransport:
    """One JSON line per SMS appended to a file, for a test system or a hand-off to another program."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, sms: OutgoingSms) -> str:
        line = json.dumps({**asdict(sms), "at": timezone.now().isoformat()}, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as exc:
            raise SmsUnavailable(f"无法写入短信文件 {self.path}：{exc}") from exc
        return ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A POST is never silently turned into a GET elsewhere: a redirect is an answer like any other."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)

# 4xx answers that mean "later", not "never".
_RETRYABLE_CLIENT_ERRORS = {408, 425, 429}


class HttpGatewayTransport:
    """JSON POST to an SMS gateway, signed with HMAC-SHA256; the key lets the gateway drop repeats."""

    name = "http"

    def __init__(self, url: str, secret: str, timeout: float) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def send(self, sms: OutgoingSms) -> str:
        if not self.url or not self.secret:
            raise SmsUnavailable("短信网关未配置：请设置 YIMEN_SMS_GATEWAY_URL 和 YIMEN_SMS_GATEWAY_SECRET")
        body = json.dumps(
            {"key": sms.key, "phone": sms.phone, "text": sms.text, "template": sms.template},
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            },
        )
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                answer = response.read()
        except urllib.error.HTTPError as exc:
            detail = _read_error(exc)
            message = f"短信网关返回 HTTP {exc.code}：{detail}"
            if 400 <= exc.code < 500 and exc.code not in _RETRYABLE_CLIENT_ERRORS:
                raise SmsRejected(message) from exc
            raise SmsUnavailable(message) from exc
        except (OSError, HTTPException) as exc:  # URLError, timeouts, refused or dropped connections
            raise SmsUnavailable(f"短信网关无响应或无法连接：{exc}") from exc
        return _provider_id(answer)


def _read_error(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read()[:500].decode("utf-8", "replace")
    except (OSError, HTTPException):
        return exc.reason if isinstance(exc.reason, str) else ""


def _provider_id(answer: bytes) -> str:
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict) or not data.get("id"):
        log.warning("短信网关接受了短信但未返回编号，无法接收送达回执：%r", answer[:200])
        return ""
    return str(data["id"])[:100]


def configured() -> Transport:
    """The transport named by YIMEN["SMS_TRANSPORT"] (console, file or http)."""
    conf = settings.YIMEN
    name = conf["SMS_TRANSPORT"]
    if name == "console":
        return ConsoleTransport()
    if name == "file":
        return FileTransport(Path(conf["SMS_FILE_PATH"]))
    if name == "http":
        return HttpGatewayTransport(
            conf["SMS_GATEWAY_URL"], conf["SMS_GATEWAY_SECRET"], float(conf["SMS_GATEWAY_TIMEOUT_SECONDS"])
        )
    raise SmsUnavailable(f"短信通道 {name!r} 不存在（可用 console、file、http）")
