"""电子证照核验: anyone holding a certificate, or shown one, checks it against the register — by its identifier
and the 4-digit 核验码 printed on it (typed, or the QR code's address), or by uploading its OFD or PDF file.

What a verification answers (`Outcome`): 有效; 已注销/吊销/撤销/暂扣, with the issuer's reason and date; 已失效,
past its 有效期 or replaced by a newer version (named); 登记信息被篡改, when the system signature no longer holds
over the register row (services.signature_holds) or an uploaded file is not the one issued; 未找到. A wrong
核验码 answers exactly as an unknown identifier, so the answer never tells a guesser that a certificate exists.
Only a valid code, or the very file issued, shows the certificate: masked (the holder's name 张*, the code
4201**********1234; DESIGN.md "Personal data stays private"), with its SM3 digest, the key that signed it and
the label 「系统数字签名（非电子印章）」.

Every verification is logged as a `Verification` row (the table is the log: verification is public traffic,
not a staff action for the audit log). Attempts are budgeted per client address (core.throttle): failed
identifier + code lookups share 办件查询's `LOOKUPS` (10 per 15 minutes, then 429 whatever the code); a
certificate whose code has been guessed wrong `IDENTIFIER_FAILURES` times from anywhere refuses the code for
an hour (its file still verifies), so a guesser spread over many addresses cannot try the 10,000 codes;
all verifications, valid ones included, within a generous `VERIFICATIONS`; file uploads within `UPLOADS`.
"""

from __future__ import annotations

import enum
import hmac
import io
import ipaddress
import logging
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from defusedxml import ElementTree as SafeET
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from yimen.certificates import identifiers, signing
from yimen.certificates.models import Certificate, CertificateState, HolderCodeType, Verification
from yimen.certificates.ofd import NS as OFD_NS
from yimen.certificates.queries import effective_state
from yimen.certificates.services import ensure_files, signature_holds
from yimen.core import audit, batch, files
from yimen.core.errors import ApplicationError
from yimen.core.identity import mask_id_number, mask_name, normalize
from yimen.core.throttle import LOOKUPS, Budget

log = logging.getLogger(__name__)

ACCEPTED = (files.OFD, files.PDF)
CODE = re.compile(r"^\d{4}$")
IDENTIFIER_TEXT = re.compile(r"1\.2\.156\.3005\.2\.[0-9A-Z]+\.[0-9A-Z]+\.[0-9A-Z]+\.\d{3}(?:\.[0-9A-Z])?")
OFD_IDENTIFIER = "证照标识"  # the CustomData of OFD.xml's DocInfo that rendering.render_ofd writes
MAX_OFD_XML_BYTES = 1024 * 1024

NOT_FOUND = "未找到该电子证照：请核对电子证照标识和4位核验码"
FILE_NOT_FOUND = "未在登记中找到该文件对应的电子证照：文件不是本平台签发的证照，或已无法识别"
FILE_MISMATCH = "文件与登记不符（可能被篡改）：请向持证人索取原始文件，或凭证照标识和核验码核验"
ROW_TAMPERED = "登记信息与系统数字签名不符（可能被篡改），该证照不能作为有效凭证，请联系颁发机构"

VERIFICATIONS = Budget(
    "certificate:verify", lambda: 600, 3600, "本网络地址1小时内核验次数已达上限，请稍后再试"
)
UPLOADS = Budget("certificate:file", lambda: 60, 3600, "本网络地址1小时内上传核验的文件已达上限，请稍后再试")
IDENTIFIER_FAILURES = Budget(
    "certificate:id",
    lambda: 20,
    3600,
    "该证照核验码错误次数过多，暂停按核验码核验1小时；可上传证照的 OFD 或 PDF 文件核验",
)


class Outcome(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"  # 注销、吊销、撤销、暂扣
    LAPSED = "lapsed"  # 过期, or replaced by a newer version
    TAMPERED = "tampered"  # the register row's signature fails, or an uploaded file is not the one issued
    NOT_FOUND = "not_found"


class Method(enum.StrEnum):
    """How a verification came (`Verification.method`)."""

    CODE = "code"  # the form: identifier and 核验码 typed
    QR = "qr"  # the QR code's address, with both in it
    FILE = "file"  # an OFD or PDF uploaded on the page
    API = "api"  # GET /api/v1/certificates/{identifier}
    API_FILE = "api_file"  # POST /api/v1/certificates/verify


LOGGED = {
    Outcome.VALID: Verification.Outcome.VALID,
    Outcome.NOT_FOUND: Verification.Outcome.NOT_FOUND,
}  # every other outcome is logged as 无效


class TooMany(Exception):
    """A budget is spent: 429 with the budget's message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PublicView:
    """What the verification page and API show of a certificate: nothing that names the holder in full."""

    type_name: str
    number: str
    holder_name: str  # masked
    holder_code_type: str  # 公民身份号码 / 统一社会信用代码
    holder_code: str  # masked
    issuer_name: str
    issued_on: date
    valid_from: date
    valid_to: date | None  # None: 长期有效
    identifier: str
    version: int
    state: str  # the code (01 有效 …), as it reads today
    state_label: str
    digest: str  # SM3 of the canonical content
    key_id: str  # the signing key's fingerprint (see the public key page)
    signature: str  # r ‖ s, hex
    signed_at: datetime
    signature_label: str = signing.LABEL

    @property
    def validity(self) -> str:
        start = f"{self.valid_from:%Y年%m月%d日}"
        return f"{start}至{self.valid_to:%Y年%m月%d日}" if self.valid_to else f"{start}起长期有效"


@dataclass(frozen=True)
class Result:
    """A verification's answer. `view` only for a certificate opened by its code or its very file."""

    outcome: Outcome
    message: str  # the headline, in Chinese
    view: PublicView | None = None
    reason: str = ""  # the issuer's reason for 注销/吊销/撤销/暂扣, or for the new version
    changed_on: date | None = None  # when the state changed
    newer: str = ""  # the identifier of the version that replaced it
    certificate: Certificate | None = None  # for the log, never shown

    @property
    def valid(self) -> bool:
        return self.outcome == Outcome.VALID


def public_view(certificate: Certificate, state: str) -> PublicView:
    holder_code = certificate.holder_code
    # 营业执照 prints the holder's code as its number (NumberRule.HOLDER): masked as the code is.
    number = mask_id_number(certificate.number) if certificate.number == holder_code else certificate.number
    return PublicView(
        type_name=certificate.name,
        number=number,
        holder_name=mask_name(certificate.holder_name),
        holder_code_type=HolderCodeType(certificate.holder_code_type).label,
        holder_code=mask_id_number(holder_code),
        issuer_name=certificate.issuer_name,
        issued_on=certificate.issued_on,
        valid_from=certificate.valid_from,
        valid_to=certificate.valid_to,
        identifier=certificate.identifier,
        version=certificate.version,
        state=state,
        state_label=CertificateState(state).label,
        digest=certificate.digest,
        key_id=certificate.key_id,
        signature=certificate.signature,
        signed_at=certificate.signed_at,
    )


def _newest(certificate: Certificate) -> Certificate | None:
    """The version that replaces this one now: the end of its chain of replacements."""
    newer = Certificate.objects.filter(replaces=certificate).first()
    for _ in range(100):  # a chain is as long as a certificate's renewals and changes
        if newer is None:
            break
        following = Certificate.objects.filter(replaces=newer).first()
        if following is None:
            return newer
        newer = following
    return newer


def judge(certificate: Certificate, today: date | None = None) -> Result:
    """The answer for a certificate found by its code or its very file: the signature over the register row
    first (a row edited behind the services' back is not a certificate at all), then its state today."""
    if not signature_holds(certificate):
        log.error("电子证照 %s 的登记信息与系统数字签名不符", certificate.identifier)
        return Result(Outcome.TAMPERED, ROW_TAMPERED, certificate=certificate)
    state = effective_state(certificate, today)
    view = public_view(certificate, state)
    changed_on = timezone.localdate(certificate.state_changed_at) if certificate.state_changed_at else None
    if state == CertificateState.VALID:
        return Result(Outcome.VALID, "有效：该电子证照真实有效", view, certificate=certificate)
    if state == CertificateState.LAPSED and certificate.state == CertificateState.VALID:
        message = f"已失效：已超过有效期（有效期至{certificate.valid_to:%Y年%m月%d日}）"
        return Result(Outcome.LAPSED, message, view, certificate=certificate)
    if state == CertificateState.LAPSED:
        newer = _newest(certificate)
        message = "已失效：已被新版本替代" + (f"，请核验新版本 {newer.identifier}" if newer else "")
        return Result(
            Outcome.LAPSED,
            message,
            view,
            reason=certificate.state_reason,
            changed_on=changed_on,
            newer=newer.identifier if newer else "",
            certificate=certificate,
        )
    label = CertificateState(state).label
    return Result(
        Outcome.REVOKED,
        f"已{label}：该电子证照已被颁发机构{label}，不再有效",
        view,
        reason=certificate.state_reason,
        changed_on=changed_on,
        certificate=certificate,
    )


def _certificate(identifier: str) -> Certificate | None:
    return Certificate.objects.select_related("type", "replaces").filter(identifier=identifier).first()


def verify_by_code(identifier: str, code: str) -> Result:
    """By the identifier and the 4-digit 核验码: both must match, the code compared in constant time; a wrong
    code answers exactly as an unknown identifier."""
    identifier = identifier.strip().upper()
    certificate = _certificate(identifier) if len(identifier) <= 100 else None
    expected = certificate.verify_code if certificate is not None else "----"
    if not hmac.compare_digest(expected.encode(), normalize(code).encode()) or certificate is None:
        return Result(Outcome.NOT_FOUND, NOT_FOUND, certificate=certificate)
    return judge(certificate)


# --- files ------------------------------------------------------------------------------------------


def _ofd_identifier(data: bytes) -> str:
    """The identifier in OFD.xml's DocInfo CustomData (rendering.render_ofd), read with defusedxml."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("OFD.xml")
            if info.file_size > MAX_OFD_XML_BYTES:
                return ""
            root = SafeET.fromstring(archive.read(info))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SafeET.ParseError):
        return ""  # defusedxml's refusals (entities, external references) are ValueErrors
    for custom in root.iter(f"{{{OFD_NS}}}CustomData"):
        if custom.get("Name") == OFD_IDENTIFIER:
            return (custom.text or "").strip()
    return ""


def _pdf_identifier(data: bytes) -> str:
    """The identifier of a certificate's PDF: its metadata's subject (the HTML description the PDF was
    printed from), else the 证照标识 line of its text."""
    try:
        reader = PdfReader(io.BytesIO(data))
        subject = (reader.metadata.subject if reader.metadata else None) or ""
        if IDENTIFIER_TEXT.fullmatch(subject.strip()):
            return subject.strip()
        for page in reader.pages[:3]:
            found = IDENTIFIER_TEXT.search(re.sub(r"\s+", "", page.extract_text() or ""))
            if found:
                return found.group(0)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return ""
    return ""


def _by_digest(digest: str) -> Certificate | None:
    """The certificate whose stored OFD or PDF is exactly these bytes (both digests are indexed)."""
    found = Certificate.objects.select_related("type", "replaces")
    return found.filter(ofd_digest=digest).first() or found.filter(pdf_digest=digest).first()


def verify_file(data: bytes, *, name: str = "上传的文件", size: int | None = None) -> Result:
    """By an uploaded OFD or PDF. The very file issued (its SM3 digest is the register's) opens the
    certificate. Otherwise the identifier written in the file is looked up: known, the file is not the one
    issued (文件与登记不符); unknown, not found. A file that is neither OFD nor PDF, or that the upload checks
    refuse (core.files.recognise), raises ApplicationError naming it. `size` is the size received (an upload
    cut off at the limit carries no bytes)."""
    kind = files.recognise(
        io.BytesIO(data), name=name, size=len(data) if size is None else size, accepted=ACCEPTED
    )
    digest = signing.digest(data)
    certificate = _by_digest(digest)
    if certificate is not None:
        return judge(certificate)
    identifier = _ofd_identifier(data) if kind == files.OFD else _pdf_identifier(data)
    certificate = _certificate(identifier.upper()) if identifiers.parse(identifier) else None
    if certificate is None:
        return Result(Outcome.NOT_FOUND, FILE_NOT_FOUND)
    stored = certificate.ofd_digest if kind == files.OFD else certificate.pdf_digest
    if not stored:  # rendered lazily (services.ensure_files): made now, then compared
        rendered = ensure_files(certificate=certificate)
        stored = rendered.ofd_digest if kind == files.OFD else rendered.pdf_digest
        if hmac.compare_digest(stored, digest):
            return judge(rendered)
    return Result(Outcome.TAMPERED, FILE_MISMATCH, certificate=certificate)


# --- within the budgets, logged -----------------------------------------------------------------------


def _address(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


@batch.atomic
def record(result: Result, *, identifier: str, method: Method, address: str) -> None:
    """核验记录: one row per verification, whatever it answered."""
    batch.insert(
        Verification(
            certificate=result.certificate,
            identifier=(result.certificate.identifier if result.certificate else identifier)[:100],
            method=method.value,
            outcome=LOGGED.get(result.outcome, Verification.Outcome.INVALID),
            address=_address(address),
            at=timezone.now(),
        )
    )


def check_code(identifier: str, code: str, *, address: str, method: Method) -> Result:
    """`verify_by_code` within the budgets of `address`, logged. Raises TooMany (429): when the address has
    spent its verifications or its failed lookups (the right code refused too, else the 429 would tell a
    guesser the code was right), or the certificate's code has been guessed wrong too often."""
    identifier = identifier.strip().upper()
    if VERIFICATIONS.take(address) is None:
        raise TooMany(VERIFICATIONS.message)
    ticket = LOOKUPS.take(address)
    if ticket is None:
        raise TooMany(LOOKUPS.message)
    if IDENTIFIER_FAILURES.exhausted(identifier):
        ticket.give_back()
        raise TooMany(IDENTIFIER_FAILURES.message)
    result = verify_by_code(identifier, code)
    if result.outcome == Outcome.NOT_FOUND:
        IDENTIFIER_FAILURES.take(identifier)
    else:
        ticket.give_back()
    record(result, identifier=identifier, method=method, address=address)
    return result


def check_file(data: bytes, *, name: str, size: int, address: str, method: Method) -> Result:
    """`verify_file` within the upload budget of `address`, logged (a file refused as no OFD or PDF too)."""
    if VERIFICATIONS.take(address) is None:
        raise TooMany(VERIFICATIONS.message)
    if UPLOADS.take(address) is None:
        raise TooMany(UPLOADS.message)
    try:
        result = verify_file(data, name=name, size=size)
    except ApplicationError:
        record(Result(Outcome.NOT_FOUND, FILE_NOT_FOUND), identifier="", method=method, address=address)
        raise
    record(result, identifier="", method=method, address=address)
    return result


@batch.atomic
def record_holder_read(
    *,
    actor: str,
    organisation_id: int | None,
    holder_code_type: str,
    holder_code: str,
    purpose: str,
    certificates: list[Certificate],
) -> None:
    """用证 by a machine client: it read a holder's certificates (the API's holder listing). One audit entry
    naming the client, the purpose and the certificates returned; the holder's code only masked (the audit
    log never holds an ID number)."""
    masked = mask_id_number(holder_code)
    audit.record(
        "certificates.read",
        actor=actor,
        object_type="certificates.holder",
        object_id=masked,
        object_repr=f"{HolderCodeType(holder_code_type).label} {masked}",
        after={"purpose": purpose, "identifiers": [c.identifier for c in certificates]},
        organisation_id=organisation_id,
    )
