"""SMS channels, one small class each (healthchecks-style transports): console, file and an HTTP gateway.

A transport returns the gateway's id for the message ("" when the channel has none), raises
`SmsRejected` when the message can never be sent as it is (no retry), and `SmsUnavailable` when a later
attempt may succeed (the outbox retries with backoff). The channel is chosen by YIMEN["SMS_TRANSPORT"].

Every SMS carries its key (the outbox message's key), the same on every attempt. A worker killed after
the channel took an SMS but before the SmsMessage row says so sends it again on redelivery; the key is
what keeps the applicant from receiving it twice. The file channel drops a key it already wrote; the HTTP
gateway gets it as the `Idempotency-Key` header and the `msgid` field and must drop a repeat (see
`HttpGatewayTransport`); the console channel may log a redelivered SMS twice (nothing leaves the machine).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import threading
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
IDEMPOTENCY_HEADER = "Idempotency-Key"
# How long the gateway must remember a key it accepted: a redelivery comes after the lease runs out
# (5 minutes) or, when every worker was down, when one starts again (a weekend's outage included).
GATEWAY_DEDUPE_HOURS = 72
_PLAIN_KEY = re.compile(r"[!-~]{1,100}")  # printable ASCII without spaces: fits a header and a msgid


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

    @property
    def idempotency_key(self) -> str:
        """The key as the gateway sees it: the key itself when it is printable ASCII of at most 100
        characters (all of Yimen's are), otherwise a digest of it; the same on every attempt."""
        if _PLAIN_KEY.fullmatch(self.key):
            return self.key
        return "sha256-" + hashlib.sha256(self.key.encode()).hexdigest()[:40]


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
    """One JSON line per SMS appended to a file, for a test system or a hand-off to another program.

    A key already in the file is not written again, so a redelivered SMS keeps one line: the check and
    the append happen under an exclusive lock on the file (several workers may share it), and each
    process remembers the keys it has read and how far, reading only what was appended since.
    """

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, sms: OutgoingSms) -> str:
        line = json.dumps({**asdict(sms), "at": timezone.now().isoformat()}, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if sms.key in _written_keys(fd):
                    log.info("短信 %s 已写入 %s，重复投递不再写入", sms.key, self.path)
                    return ""
                size = os.fstat(fd).st_size
                # A writer killed mid-line left no newline: this line starts on a line of its own.
                prefix = "\n" if size and os.pread(fd, 1, size - 1) != b"\n" else ""
                os.write(fd, (prefix + line).encode())
            finally:
                os.close(fd)  # releases the lock
        except OSError as exc:
            raise SmsUnavailable(f"无法写入短信文件 {self.path}：{exc}") from exc
        return ""


@dataclass
class _FileKeys:
    offset: int  # where the first line not yet read starts
    keys: set[str]


_file_keys: dict[str, _FileKeys] = {}
_file_keys_lock = threading.Lock()


def _written_keys(fd: int) -> set[str]:
    """The keys of the complete lines of the locked file, read from where this process stopped last
    (from the start again when the file was replaced or truncated)."""
    info = os.fstat(fd)
    name = f"{info.st_dev}:{info.st_ino}"  # a file replaced (rotated) is read from its start
    with _file_keys_lock:
        known = _file_keys.get(name)
        if known is None or known.offset > info.st_size:
            known = _file_keys[name] = _FileKeys(0, set())
        chunk = os.pread(fd, info.st_size - known.offset, known.offset)
        complete = chunk[: chunk.rfind(b"\n") + 1]
        for raw in complete.splitlines():
            try:
                key = json.loads(raw)["key"]
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a killed writer, or not ours
            if isinstance(key, str):
                known.keys.add(key)
        known.offset += len(complete)
        return known.keys


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A POST is never silently turned into a GET elsewhere: a redirect is an answer like any other."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)

# 4xx answers that mean "later", not "never".
_RETRYABLE_CLIENT_ERRORS = {408, 425, 429}


class HttpGatewayTransport:
    """JSON POST to an SMS gateway, signed with HMAC-SHA256.

    The SMS's key travels as the `Idempotency-Key` header and as the body's `msgid` (the same value).
    What the gateway must do for "a redelivered event sends nothing twice" to hold: remember every key it
    accepted for at least GATEWAY_DEDUPE_HOURS (72) hours, and answer a repeat of one with 200 and the
    id it gave the first time, sending nothing. A dead letter requeued by an administrator later than
    that may be sent again if the gateway had taken it and its answer was lost.
    """

    name = "http"

    def __init__(self, url: str, secret: str, timeout: float) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def send(self, sms: OutgoingSms) -> str:
        if not self.url or not self.secret:
            raise SmsUnavailable("短信网关未配置：请设置 YIMEN_SMS_GATEWAY_URL 和 YIMEN_SMS_GATEWAY_SECRET")
        msgid = sms.idempotency_key
        body = json.dumps(
            {"key": sms.key, "msgid": msgid, "phone": sms.phone, "text": sms.text, "template": sms.template},
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                IDEMPOTENCY_HEADER: msgid,
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
