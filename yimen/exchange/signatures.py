"""Webhook signatures as Standard Webhooks v1.0.0 writes them, with an HMAC-SM3 option (密评: 国密).

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the `webhook-signature` header is a
space-separated list of `<label>,<base64 MAC>`: `v1` for HMAC-SHA256 (the standard's scheme), `v1-sm3`
for HMAC-SM3 (Yimen's, for targets that ask for 国密 algorithms). A secret is `whsec_` + base64 of the
key bytes, as the standard gives them out, or any other text, taken as its UTF-8 bytes. While a secret
is rotated, the target holds both, separated by a space: each request carries one signature per secret,
so the receiver may switch over at any time.

A receiver verifies in constant time, refuses a timestamp more than `tolerance` seconds away from its
clock (a replayed request), and dedupes on `webhook-id`, which stays the same across retries.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

from yimen.core.crypto import sm3_hmac

LABELS = {"hmac-sha256": "v1", "hmac-sm3": "v1-sm3"}  # Target.signature → the header's label
SCHEMES = {label: scheme for scheme, label in LABELS.items()}
SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300  # Standard Webhooks' example tolerance (five minutes), as Stripe's libraries use


class SignatureError(ValueError):
    """A request that does not verify; the message names the header and the rule it broke."""


def key_of(secret: str) -> bytes:
    """The key bytes of one secret: `whsec_<base64>` decoded, any other text as UTF-8."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except binascii.Error as exc:
            raise ValueError("密钥：whsec_ 之后应为 Base64 编码的密钥") from exc
    return secret.encode()


def secrets_of(secret: str) -> list[str]:
    """The secrets in a target's secret field: one, or two separated by a space while rotating."""
    found = secret.split()
    if not found:
        raise ValueError("密钥：未设置签名密钥")
    return found


def _content(msg_id: str, timestamp: int | str, body: bytes | str) -> bytes:
    data = body.encode() if isinstance(body, str) else body
    return f"{msg_id}.{timestamp}.".encode() + data


def _mac(key: bytes, content: bytes, scheme: str) -> str:
    if scheme == "hmac-sm3":
        digest = sm3_hmac(key, content)
    else:
        digest = hmac.new(key, content, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign(
    secret: str, msg_id: str, timestamp: int | str, body: bytes | str, scheme: str = "hmac-sha256"
) -> str:
    """The `webhook-signature` header: `v1,<base64>` (or `v1-sm3,…`) for each secret in `secret`."""
    if scheme not in LABELS:
        raise ValueError(f"签名算法：不支持 {scheme}，应为 {'、'.join(LABELS)}")
    content = _content(msg_id, timestamp, body)
    return " ".join(f"{LABELS[scheme]},{_mac(key_of(s), content, scheme)}" for s in secrets_of(secret))


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    scheme: str | None = None,
    now: float | None = None,
) -> str:
    """Check a request's Standard Webhooks headers against the body: its `webhook-id` if they hold, else
    `SignatureError`. `secret` may hold several secrets (any one verifying suffices); `scheme`, if given,
    is the only algorithm accepted (a receiver that wants HMAC-SM3 takes no `v1`)."""
    lowered = {str(name).lower(): str(value) for name, value in headers.items()}
    msg_id = lowered.get("webhook-id", "").strip()
    if not msg_id:
        raise SignatureError("webhook-id：缺少消息标识")
    stamp = lowered.get("webhook-timestamp", "").strip()
    if not stamp.isdigit():
        raise SignatureError("webhook-timestamp：应为 Unix 时间戳（整数秒）")
    drift = abs((time.time() if now is None else now) - int(stamp))
    if drift > tolerance:
        raise SignatureError(f"webhook-timestamp：与本机时间相差 {drift:.0f} 秒，超过允许的 {tolerance} 秒")
    accepted = set(LABELS.values()) if scheme is None else {LABELS[scheme]}
    offered = [part.partition(",") for part in lowered.get("webhook-signature", "").split()]
    offered = [(label, comma, value) for label, comma, value in offered if comma and label in accepted]
    if not offered:
        raise SignatureError(f"webhook-signature：缺少 {'或'.join(sorted(accepted))} 签名")
    content = _content(msg_id, stamp, body)
    keys = [key_of(s) for s in secrets_of(secret)]
    for label, _, value in offered:
        for key in keys:
            if hmac.compare_digest(_mac(key, content, SCHEMES[label]).encode(), value.encode()):
                return msg_id
    raise SignatureError("webhook-signature：签名不符（正文被改动或密钥不一致）")
