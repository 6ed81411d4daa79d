"""How a holder proves who they are on the portal: code and phone, then the code texted to that phone."""

from __future__ import annotations

from django.test import Client

from yimen.core.models import OutboxMessage


def texted_code() -> str:
    queued = OutboxMessage.objects.filter(name="sms.send", payload__template="identity.code").order_by("-pk")
    found = queued.first()
    assert found is not None, "no code was texted"
    return str(found.payload["context"]["code"])


def prove(client: Client, url: str, *, kind: str, code: str, phone: str, ip: str = "203.0.113.9"):
    fields = {"proof_kind": kind, "holder_code": code, "holder_phone": phone}
    sent = client.post(url, {**fields, "proof_action": "send"}, REMOTE_ADDR=ip)
    assert sent.status_code == 200, sent.content.decode()
    return client.post(url, {**fields, "proof_action": "check", "sms_code": texted_code()}, REMOTE_ADDR=ip)
