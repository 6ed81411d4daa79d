"""The SMS gateway's delivery reports: POST /api/v1/sms/status, signed like the messages we send it, or
sent with an API key of scope sms.status."""

from __future__ import annotations

import time
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import APIKeyHeader
from pydantic import Field

from yimen.core import notify
from yimen.core.api_auth import ClientKey
from yimen.core.api_schema import ErrorOut
from yimen.core.errors import NotPermitted
from yimen.core.sms_transports import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_valid

router = Router(tags=["短信"])

MAX_CLOCK_SKEW_SECONDS = 300


class GatewaySignature(APIKeyHeader):
    """HMAC-SHA256(secret, timestamp + "." + body) in X-Yimen-Signature; the timestamp within 5 minutes."""

    param_name = SIGNATURE_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        secret = settings.YIMEN["SMS_GATEWAY_SECRET"]
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        if not secret:
            raise NotPermitted("短信网关密钥未配置，不接受送达回执")
        if not key or not timestamp:
            raise NotPermitted(f"送达回执缺少签名或时间戳（{SIGNATURE_HEADER}、{TIMESTAMP_HEADER}）")
        try:
            skew = abs(time.time() - int(timestamp))
        except ValueError:
            raise NotPermitted(f"送达回执的时间戳 {TIMESTAMP_HEADER} 应为整数秒") from None
        if skew > MAX_CLOCK_SKEW_SECONDS:
            raise NotPermitted("送达回执的时间戳与本机时间相差超过5分钟，已拒绝")
        if not signature_valid(secret, timestamp, request.body, key):
            raise NotPermitted("送达回执的签名不正确，已拒绝")
        return True


class DeliveryReport(Schema):
    id: str = Field(min_length=1, max_length=100, description="发送时网关返回的短信编号")
    status: Literal["delivered", "failed"] = Field(description="delivered 已送达；failed 未能送达")
    error: str = Field("", max_length=2000, description="未能送达的原因")


class DeliveryOut(Schema):
    id: str
    status: str = Field(description="短信在本系统中的状态")


@router.post(
    "/status",
    auth=[ClientKey("sms.status"), GatewaySignature()],
    response={200: DeliveryOut, 404: ErrorOut},
    summary="短信网关送达回执",
)
def delivery_status(request: HttpRequest, report: DeliveryReport) -> DeliveryOut:
    sms = notify.record_delivery(
        provider_id=report.id, delivered=report.status == "delivered", error=report.error
    )
    return DeliveryOut(id=report.id, status=sms.status)
