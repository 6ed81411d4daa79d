"""电子证照 over HTTP: /api/v1/certificates.

- `GET /{identifier}?code=` — the verification view, for anyone with the identifier and the 核验码 printed on
  the certificate: budgeted and logged as the portal's page is (certificates.verification).
- `POST /verify` — an uploaded OFD or PDF against the register. The body is multipart/form-data with one
  part `file`: the API's rule is JSON for every write (yimen/api.py, 415 otherwise), and multipart is its
  documented exception for an operation that takes files (django-ninja's `File`, which `guard_writes`
  recognises). A certificate's PDF is a few hundred kilobytes; as base64 inside JSON it would grow by a
  third and be read into memory whole, where a multipart part streams through the upload limits
  (core.upload_limits: 413 before the body is read, a file cut off at YIMEN["UPLOAD_MAX_BYTES"]) as the
  portal's upload does.
- `GET ?holder_code=&holder_code_type=&purpose=` — a holder's certificates, live and not, for a machine
  client whose key holds the scope `certificates.read`. Reading someone's certificates is a use of them:
  each call is audited with the key, the purpose and the certificates it returned (never the ID number).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import File, Query, Router, Schema, UploadedFile
from ninja.errors import HttpError
from pydantic import Field, WithJsonSchema

from yimen.certificates import queries, verification
from yimen.certificates.models import CertificateState, HolderCodeType
from yimen.certificates.verification import Method, Outcome, Result, TooMany
from yimen.core import files
from yimen.core.api_auth import ClientKey
from yimen.core.api_schema import ErrorOut, choice_schema
from yimen.core.errors import ApplicationError
from yimen.core.identity import IdentityError, validate_id_number, validate_uscc
from yimen.core.throttle import client_address
from yimen.core.validation import label_fields
from yimen.org.models import ApiKey, ApiScope

router = Router(tags=["电子证照"])
label_fields(
    prefix="/api/v1/certificates",
    identifier="电子证照标识",
    code="核验码",
    file="证照文件",
    holder_code="持证主体代码",
    holder_code_type="持证主体代码类型",
    purpose="用证事由",
)

NOT_FOUND = verification.NOT_FOUND
MAX_LISTED = 200


class CertificateViewOut(Schema):
    """What a verification shows of a certificate: the holder masked."""

    type_name: str = Field(description="证照名称")
    number: str = Field(description="证照编号（为持证主体代码时已遮蔽）")
    holder_name: str = Field(description="持证主体（已遮蔽，如 张*）")
    holder_code_type: str = Field(description="持证主体代码类型：公民身份号码 或 统一社会信用代码")
    holder_code: str = Field(description="持证主体代码（已遮蔽）")
    issuer_name: str = Field(description="颁发机构")
    issued_on: date = Field(description="颁发日期")
    valid_from: date = Field(description="有效期起始")
    valid_to: date | None = Field(description="有效期截止；空为长期有效")
    identifier: str = Field(description="电子证照标识")
    version: int = Field(description="版本号")
    state: str = Field(description="证照状态代码（今日读数：有效但已过有效期的为 05 失效）")
    state_label: str = Field(description="证照状态")
    digest: str = Field(description="证照内容规范化表示的 SM3 摘要（64 位十六进制）")
    key_id: str = Field(description="签名公钥指纹（见 /certificates/keys/）")
    signature: str = Field(description="SM2 签名值 r ‖ s（128 位十六进制）")
    signed_at: datetime = Field(description="签名时间")
    signature_label: str = Field(description="签名类型：系统数字签名（非电子印章）")


class VerificationOut(Schema):
    outcome: str = Field(
        description="valid 有效；revoked 已注销、吊销、撤销或暂扣；lapsed 已失效（过期或被新版本替代）；"
        "tampered 登记信息或文件被篡改"
    )
    message: str = Field(description="核验结论（中文）")
    reason: str = Field(description="颁发机构填写的状态变更或换发原因")
    changed_on: date | None = Field(description="状态变更日期")
    newer: str = Field(description="替代它的新版本的电子证照标识")
    certificate: CertificateViewOut | None = Field(
        description="证照信息（已遮蔽）；登记被篡改或上传文件与登记不符时为空"
    )


def _out(result: Result) -> VerificationOut:
    if result.outcome == Outcome.NOT_FOUND:
        raise HttpError(404, result.message)
    view = result.view
    return VerificationOut(
        outcome=result.outcome.value,
        message=result.message,
        reason=result.reason,
        changed_on=result.changed_on,
        newer=result.newer,
        certificate=CertificateViewOut(**view.__dict__) if view is not None else None,
    )


# Declared before "/{identifier}": a POST to /verify must not reach the GET-only path of an identifier.
@router.post(
    "/verify",
    response={200: VerificationOut, 404: ErrorOut, 429: ErrorOut},
    summary="上传 OFD 或 PDF 证照文件核验（multipart/form-data，字段 file）",
)
def verify_file(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """The very file issued opens the certificate; a file naming a known identifier whose bytes differ is
    `tampered` (文件与登记不符) without the certificate; a file of no known certificate is 404; a file that is
    no OFD or PDF, or that the upload checks refuse, 422. Uploads are budgeted per address (429)."""
    try:
        result = verification.check_file(
            file.read(),
            name=files.display_name(file),
            size=file.size or 0,
            address=client_address(request),
            method=Method.API_FILE,
        )
    except TooMany as refused:
        raise HttpError(429, refused.message) from None
    return _out(result)


@router.get(
    "/{identifier}",
    response={200: VerificationOut, 429: ErrorOut},
    summary="电子证照核验（电子证照标识 + 4位核验码）",
)
def verify(
    request: HttpRequest,
    identifier: str,
    code: str = Query(..., min_length=1, max_length=8, description="证照上的4位核验码"),
) -> Any:
    """An unknown identifier and a wrong code get the same 404; after 10 failures from one address every
    lookup from it is refused with 429, the right code too; a certificate whose code was guessed wrong 20
    times in an hour refuses its code for an hour (its file still verifies)."""
    try:
        result = verification.check_code(
            identifier[:100], code, address=client_address(request), method=Method.API
        )
    except TooMany as refused:
        raise HttpError(429, refused.message) from None
    return _out(result)


# --- a holder's certificates, for machine clients -----------------------------------------------------


class HolderQuery(Schema):
    holder_code_type: Annotated[HolderCodeType, WithJsonSchema(choice_schema(HolderCodeType))] = Field(
        description="持证主体代码类型"
    )
    holder_code: str = Field(min_length=1, max_length=30, description="公民身份号码或统一社会信用代码")
    purpose: str = Field(
        min_length=1, max_length=200, description="用证事由（如办件编号和事项），记入审计日志"
    )


class HeldOut(Schema):
    identifier: str = Field(description="电子证照标识")
    type_code: str = Field(description="证照类型代码")
    type_name: str = Field(description="证照类型名称")
    number: str = Field(description="证照编号")
    version: int
    issuer_name: str
    issued_on: date
    valid_from: date
    valid_to: date | None = Field(description="空为长期有效")
    state: str = Field(description="证照状态代码（有效但已过有效期的读作 05 失效）")
    state_label: str
    live: bool = Field(description="今日有效，可用于免提交")


def _holder_code(query: HolderQuery) -> str:
    try:
        if query.holder_code_type == HolderCodeType.ID_CARD:
            return validate_id_number(query.holder_code)
        return validate_uscc(query.holder_code)
    except IdentityError as exc:
        raise ApplicationError(str(exc), fields={"holder_code": [str(exc)]}) from exc


@router.get(
    "",
    response=list[HeldOut],
    auth=ClientKey(ApiScope.CERTIFICATES_READ),
    summary="按持证主体调取电子证照（接口密钥，须有“电子证照查询”权限）",
)
def held(request: HttpRequest, q: Query[HolderQuery]) -> list[HeldOut]:
    """The holder's certificates, newest first, live and not (at most 200), each with its state as it
    reads today. The call is audited as a use (个人信息保护法 第六条: the purpose is stated and kept)."""
    code = _holder_code(q)
    if not q.purpose.strip():
        raise ApplicationError("请填写用证事由", fields={"purpose": ["用证事由：不能为空白"]})
    found = list(queries.held_by(q.holder_code_type, code)[:MAX_LISTED])
    key: ApiKey = request.api_key  # type: ignore[attr-defined]  # set by org.api_keys.check_key
    verification.record_holder_read(
        actor=f"接口密钥 {key.name}（{key.key_id}）",
        organisation_id=key.staff.organisation_id if key.staff is not None else None,
        holder_code_type=q.holder_code_type,
        holder_code=code,
        purpose=q.purpose.strip(),
        certificates=found,
    )
    out = []
    for certificate in found:
        state = queries.effective_state(certificate)
        out.append(
            HeldOut(
                identifier=certificate.identifier,
                type_code=certificate.type.code,
                type_name=certificate.name,
                number=certificate.number,
                version=certificate.version,
                issuer_name=certificate.issuer_name,
                issued_on=certificate.issued_on,
                valid_from=certificate.valid_from,
                valid_to=certificate.valid_to,
                state=state,
                state_label=CertificateState(state).label,
                live=state == CertificateState.VALID,
            )
        )
    return out
