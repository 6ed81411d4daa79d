"""Identity-number checks over HTTP, so forms can tell a citizen at once which rule a number breaks."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from yimen.core import identity
from yimen.core.errors import ApplicationError
from yimen.core.validation import label_fields

router = Router(tags=["证件号码"])
label_fields(prefix="/api/v1/identity/", kind="号码类型", value="号码")


class CheckQuery(Schema):
    kind: Literal["id_number", "uscc"] = Field(description="id_number 公民身份号码；uscc 统一社会信用代码")
    value: str = Field(min_length=1, max_length=40)


class CheckOut(Schema):
    normalized: str
    birth_date: date | None = None
    sex: str | None = None


@router.get("/check", response=CheckOut, summary="校验公民身份号码或统一社会信用代码")
def check(request: HttpRequest, q: Query[CheckQuery]) -> CheckOut:
    try:
        if q.kind == "uscc":
            return CheckOut(normalized=identity.validate_uscc(q.value))
        number = identity.validate_id_number(q.value)
    except identity.IdentityError as exc:
        raise ApplicationError(str(exc), fields={"value": [str(exc)]}) from exc
    return CheckOut(normalized=number, birth_date=identity.birth_date_of(number), sex=identity.sex_of(number))
