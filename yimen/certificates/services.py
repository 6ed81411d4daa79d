"""电子证照's use cases: issuing a certificate when a case concludes 出证办结, and as a new version on
renewal (延续), change (变更) or reissue (补发); 注销, 吊销 and 撤销 by the issuer; and recording a use (用证).

Issuing runs from the case's `case.concluded` event (handlers.py), never from `cases`. A case issues each of
its item's certificate types once: the handler runs inside `handle_once`, and a second certificate for the
same (case, type) cannot be written (`one_certificate_per_case_type`). Each version is signed by the issuing
system (SM2 over the SM3 digest of `signed_content`, signing.py), rendered as OFD and PDF with a QR code to
the verification page (rendering.py), passed to the configured Sealer (sealing.py) and stored through
Django's storage API, all in the transaction that writes the row.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone

from yimen.cases.models import ApplicantKind, Case
from yimen.cases.services.steps import record_certificate
from yimen.catalog.models import ServiceItem
from yimen.certificates import identifiers, queries, rendering, sealing, signing
from yimen.certificates.events import ISSUED, STATE_CHANGED, USED, CertificateStep, CertificateUsed
from yimen.certificates.models import (
    LIVE,
    Certificate,
    CertificateCounter,
    CertificateState,
    CertificateType,
    CertificateUse,
    NumberRule,
    Operation,
    UseChannel,
)
from yimen.core import audit, batch, events, pages
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.identity import IdentityError, validate_uscc
from yimen.core.workflow import Workflow
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can, subtree

MANAGE = queries.MANAGE
REASON_LIMIT = 300

S = CertificateState
CERTIFICATE = Workflow(
    states=CertificateState,
    transitions={
        "suspend": ((S.VALID,), S.SUSPENDED),
        "restore": ((S.SUSPENDED,), S.VALID),
        "cancel": ((S.VALID, S.SUSPENDED), S.CANCELLED),
        "revoke": ((S.VALID, S.SUSPENDED), S.REVOKED),
        "withdraw": ((S.VALID, S.SUSPENDED), S.WITHDRAWN),
        # A new version (延续, 变更, 补发) replaces a live one, which lapses.
        "replace": ((S.VALID,), S.LAPSED),
    },
    labels={
        "suspend": "暂扣",
        "restore": "恢复",
        "cancel": "注销",
        "revoke": "吊销",
        "withdraw": "撤销",
        "replace": "换发新版本",
    },
    refusal="证照当前为“{state}”，不能{action}",
)
# The actions an issuer takes by hand, each with a reason (the verification result shows it).
STATE_ACTIONS = ("suspend", "restore", "cancel", "revoke", "withdraw")


# --- what a certificate says ------------------------------------------------------------------------


def signed_content(certificate: Certificate) -> dict[str, Any]:
    """What the system signature covers: every field printed on the certificate and its identity, never its
    state (注销 and 吊销 change the register, not the document). signing.canonical serialises it; the face's
    rows, an ordered list, are one string within it: JSON of [[label, value], …] written as canonical
    writes (UTF-8 characters as themselves, no whitespace)."""
    rows = [[str(label), str(value)] for label, value in certificate.content]
    return {
        "identifier": certificate.identifier,
        "type_code": certificate.type.code,
        "name": certificate.name,
        "number": certificate.number,
        "version": certificate.version,
        "operation": certificate.operation,
        "holder_name": certificate.holder_name,
        "holder_code_type": certificate.holder_code_type,
        "holder_code": certificate.holder_code,
        "issuer_code": certificate.issuer_code,
        "issuer_name": certificate.issuer_name,
        "area_code": certificate.area_code,
        "issued_on": certificate.issued_on,
        "valid_from": certificate.valid_from,
        "valid_to": certificate.valid_to,
        "content": json.dumps(rows, ensure_ascii=False, separators=(",", ":")),
        "replaces": certificate.replaces.identifier if certificate.replaces else "",
    }


def signature_holds(certificate: Certificate) -> bool:
    """Does the stored signature verify over the register row as it now is? A row edited behind the
    services' back (a name, a date, a code) fails."""
    data = signing.canonical(signed_content(certificate))
    stored = signing.Signature(
        signing.ALGORITHM, certificate.key_id, certificate.signature, certificate.signed_at
    )
    return signing.digest(data) == certificate.digest and signing.verify(data, stored)


def verify_url(certificate: Certificate) -> str:
    """The QR code's payload: the public verification page with the identifier and the 核验码."""
    base = settings.YIMEN["PUBLIC_BASE_URL"].rstrip("/")
    return (
        f"{base}{pages.path('certificate.verify')}?id={certificate.identifier}&code={certificate.verify_code}"
    )


def _validity(certificate_type: CertificateType, start: date) -> date | None:
    years = certificate_type.validity_years
    if not years:
        return None
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + years, day=28)
    return end - timedelta(days=1)


def _serial(certificate_type: CertificateType, on: date) -> str:
    prefix = f"{certificate_type.code}:{on.year}"
    CertificateCounter.objects.get_or_create(prefix=prefix)
    CertificateCounter.objects.filter(prefix=prefix).update(last=F("last") + 1)
    last = CertificateCounter.objects.get(prefix=prefix).last
    return f"{on.year}{last:07d}"


def _holder_of(case: Case, certificate_type: CertificateType) -> tuple[str, str] | None:
    """(code type, code) of the case's applicant for this type, or None when the case lacks it."""
    if certificate_type.holder_kind != case.applicant_kind:
        return None
    holder = queries.holder_of_case(case)
    return holder if holder[1] else None


def content_of_case(case: Case, certificate_type: CertificateType) -> list[list[str]]:
    """The face of a certificate issued for a case: who holds it and what was permitted."""
    person = case.applicant_kind == ApplicantKind.PERSON
    rows = [
        ["姓名" if person else "名称", case.applicant_name],
        ["公民身份号码" if person else "统一社会信用代码", case.id_number if person else case.uscc],
    ]
    if case.legal_representative:
        rows.append(["法定代表人", case.legal_representative])
    if case.address:
        rows.append(["住所" if person else "经营场所", case.address])
    rows.append(["许可事项", case.version.name])
    if case.business_type:
        rows.append(["业务类型", case.business_type])
    rows.append(["办件编号", case.number])
    return rows


def _sign(certificate: Certificate) -> None:
    """The system signature over the certificate's canonical content."""
    data = signing.canonical(signed_content(certificate))
    signature = signing.sign(data)
    certificate.digest = signing.digest(data)
    certificate.signature = signature.value
    certificate.key_id = signature.key_id
    certificate.signed_at = signature.signed_at


def sheet_of(certificate: Certificate) -> rendering.CertificateSheet:
    """The certificate's face: its rows, the validity, the issuer, the QR code and the signature line."""
    validity = (
        f"{certificate.valid_from:%Y年%m月%d日}至{certificate.valid_to:%Y年%m月%d日}"
        if certificate.valid_to
        else f"{certificate.valid_from:%Y年%m月%d日}起长期有效"
    )
    return rendering.CertificateSheet(
        type_name=certificate.name,
        title=certificate.name,
        fields=(
            ("证照编号", certificate.number),
            *((str(label), str(value)) for label, value in certificate.content),
            ("有效期限", validity),
        ),
        issuer=certificate.issuer_name,
        issued_on=certificate.issued_on,
        identifier=certificate.identifier,
        verification_code=certificate.verify_code,
        verify_url=verify_url(certificate),
        signature_line=f"{signing.LABEL}：SM3 {certificate.digest[:16]}… 密钥 {certificate.key_id}",
    )


def stored_name(certificate: Certificate) -> str:
    """The stored file's name: the identifier with its dots as underscores (a storage reads the first dot
    as the extension's). Downloads are named by the identifier itself."""
    return certificate.identifier.replace(".", "_")


def _render(certificate: Certificate, *, ofd: bool = True, pdf: bool = True) -> None:
    """The files with the QR code, passed to the Sealer, stored with their SM3 digests. The OFD is the
    certificate's file (GB/T 36905 names OFD); the PDF is a convenience copy, made by the worker after the
    issue (it takes five times as long)."""
    sheet = sheet_of(certificate)
    sealer = sealing.configured()
    if ofd:
        data = sealer.seal(rendering.render_ofd(sheet), kind="ofd", identifier=certificate.identifier)
        certificate.ofd_digest = signing.digest(data)
        certificate.ofd.save(f"{stored_name(certificate)}.ofd", ContentFile(data), save=False)
    if pdf:
        data = sealer.seal(rendering.render_pdf(sheet), kind="pdf", identifier=certificate.identifier)
        certificate.pdf_digest = signing.digest(data)
        certificate.pdf.save(f"{stored_name(certificate)}.pdf", ContentFile(data), save=False)


@batch.atomic
def ensure_files(*, certificate: Certificate) -> Certificate:
    """The certificate's files, rendered now if they were not at issue: the PDF after each issue (the
    worker, handlers.py), both after a bulk issue such as the demo's (on first download)."""
    # Only the certificate's row is locked: PostgreSQL refuses FOR UPDATE on the outer join to `replaces`.
    current = (
        # Only the certificate's row is locked: PostgreSQL cannot lock the nullable side of the outer join
        # to the version it replaces.
        Certificate.objects.select_for_update(of=("self",))
        .select_related("type", "replaces")
        .get(pk=certificate.pk)
    )
    if not current.ofd or not current.pdf:
        _render(current, ofd=not current.ofd, pdf=not current.pdf)
        current.save(update_fields=["ofd", "pdf", "ofd_digest", "pdf_digest"])
    return current


def _step(certificate: Certificate) -> CertificateStep:
    return CertificateStep(
        certificate=certificate.pk,
        identifier=certificate.identifier,
        type_code=certificate.type.code,
        state=certificate.state,
        case=certificate.case_id,
    )


def _new_version(
    *,
    certificate_type: CertificateType,
    holder: tuple[str, str],
    holder_name: str,
    content: list[list[str]],
    issued_on: date,
    operation: str,
    replaces: Certificate | None,
    case: Case | None,
    item: ServiceItem | None,
    by: Staff | None,
    reason: str = "",
    render: bool = True,
) -> Certificate:
    issuer: Organisation = certificate_type.issuer
    if not issuer.uscc:
        raise ApplicationError(
            f"颁发机构“{issuer.name}”没有统一社会信用代码，不能生成电子证照标识",
            fields={"issuer": ["颁发机构：须登记统一社会信用代码"]},
        )
    if replaces is not None:
        serial, version = replaces.serial, replaces.version + 1
        number = replaces.number
        valid_from = replaces.valid_from if operation in (Operation.CHANGE, Operation.REISSUE) else issued_on
        valid_to = replaces.valid_to if operation in (Operation.CHANGE, Operation.REISSUE) else None
        if operation == Operation.RENEWAL:
            valid_to = _validity(certificate_type, issued_on)
    else:
        serial = _serial(certificate_type, issued_on)
        version = 1
        number = (
            holder[1]
            if certificate_type.number_rule == NumberRule.HOLDER
            else f"{certificate_type.number_prefix}{serial}"
        )
        valid_from, valid_to = issued_on, _validity(certificate_type, issued_on)
    identifier = identifiers.Identifier(certificate_type.code, issuer.uscc, serial, version)
    certificate = Certificate(
        identifier=str(identifier),
        type=certificate_type,
        name=certificate_type.name,
        number=number,
        serial=serial,
        version=version,
        operation=operation,
        holder_name=holder_name,
        holder_code_type=holder[0],
        holder_code=holder[1],
        issuer=issuer,
        issuer_code=issuer.uscc,
        issuer_name=issuer.name,
        area_code=issuer.region.code if issuer.region_id else "",
        issued_on=issued_on,
        valid_from=valid_from,
        valid_to=valid_to,
        content=content,
        case=case,
        item=item,
        replaces=replaces,
        verify_code=f"{secrets.randbelow(10_000):04d}",
        signed_at=timezone.now(),
    )
    _sign(certificate)
    if render:
        _render(certificate, pdf=False)
    if replaces is not None:
        _change_state(replaces, "replace", by, reason or Operation(operation).label)
    certificate.save()
    audit.record(
        "certificates.issued",
        certificate,
        actor=by,
        after={
            "identifier": certificate.identifier,
            "operation": operation,
            "case": case.number if case else "",
        },
        organisation_id=issuer.pk,
    )
    events.emit(ISSUED, _step(certificate), key=f"{ISSUED.name}:{certificate.identifier}")
    return certificate


def _live_of_holder(certificate_type: CertificateType, holder: tuple[str, str]) -> Certificate | None:
    return (
        queries.held_by(*holder).filter(LIVE, type=certificate_type).select_for_update(of=("self",)).first()
    )


@batch.atomic
def issue_for_case(*, case_id: int, render: bool = True) -> list[Certificate]:
    """出证: the certificates of a case concluded 出证办结, one per active type its item issues. A holder who
    already has a live certificate of a type that allows one per holder gets its next version (延续), which
    replaces it. A case already issued is not issued again; a case without the holder's code (a person's ID
    number, a legal person's 统一社会信用代码) issues nothing and the audit log says why. Without `render`
    the files are made on first download (ensure_files)."""
    case = Case.objects.select_related("version", "item").get(pk=case_id)
    issued: list[Certificate] = []
    types = CertificateType.objects.filter(items=case.item_id, is_active=True).select_related(
        "issuer__region"
    )
    for certificate_type in types:
        if Certificate.objects.filter(case=case, type=certificate_type, operation=Operation.NEW).exists():
            continue
        holder = _holder_of(case, certificate_type)
        if holder is None:
            audit.record(
                "certificates.not_issued",
                case,
                after={"type": certificate_type.code, "reason": "申请人类型与证照不符，或缺少持证主体代码"},
                organisation_id=certificate_type.issuer_id,
            )
            continue
        previous = None if certificate_type.several_per_holder else _live_of_holder(certificate_type, holder)
        certificate = _new_version(
            certificate_type=certificate_type,
            holder=holder,
            holder_name=case.applicant_name,
            content=content_of_case(case, certificate_type),
            issued_on=timezone.localtime(case.concluded_at or timezone.now()).date(),
            operation=Operation.NEW if previous is None else Operation.RENEWAL,
            replaces=previous,
            case=case,
            item=case.item,
            by=None,
            render=render,
        )
        record_certificate(case_id=case.pk, number=certificate.number)
        issued.append(certificate)
    return issued


# --- the issuer's changes ---------------------------------------------------------------------------


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ApplicationError("请填写原因", fields={"reason": ["原因：必填，核验结果会显示"]})
    if len(reason) > REASON_LIMIT:
        raise ApplicationError(
            f"原因不能超过{REASON_LIMIT}个字", fields={"reason": [f"原因：不超过{REASON_LIMIT}个字"]}
        )
    return reason


def _locked(certificate: Certificate, by: Staff, expected_version: int | None) -> Certificate:
    if not can(by, MANAGE, certificate):
        raise NotPermitted("您无权变更该证照：只有颁发机构可以办理")
    current = Certificate.objects.select_for_update().select_related("type").get(pk=certificate.pk)
    if expected_version is not None and current.lock_version != expected_version:
        raise TransitionError("证照已被他人更新，请刷新后重试")
    return current


def _change_state(certificate: Certificate, action: str, by: Staff | None, reason: str) -> None:
    before = certificate.state
    certificate.state = CERTIFICATE.target(certificate.state, action)
    certificate.state_reason = reason
    certificate.state_changed_at = timezone.now()
    certificate.lock_version += 1
    certificate.save(update_fields=["state", "state_reason", "state_changed_at", "lock_version"])
    audit.record(
        f"certificates.{action}",
        certificate,
        actor=by,
        before={"state": before},
        after={"state": certificate.state, "reason": reason},
        organisation_id=certificate.issuer_id,
    )
    events.emit(
        STATE_CHANGED,
        _step(certificate),
        key=f"{STATE_CHANGED.name}:{certificate.pk}:{certificate.lock_version}",
    )


@batch.atomic
def change_state(
    *, certificate: Certificate, by: Staff, action: str, reason: str, expected_version: int | None = None
) -> Certificate:
    """暂扣, 恢复, 注销, 吊销 or 撤销 by the issuing organisation, with the reason verification shows."""
    if action not in STATE_ACTIONS:
        raise ApplicationError("操作不正确", fields={"action": ["操作：暂扣、恢复、注销、吊销或撤销"]})
    reason = _reason(reason)
    current = _locked(certificate, by, expected_version)
    _change_state(current, action, by, reason)
    return current


@batch.atomic
def new_version(
    *,
    certificate: Certificate,
    by: Staff,
    operation: str,
    reason: str,
    holder_name: str = "",
    content: list[list[str]] | None = None,
    expected_version: int | None = None,
) -> Certificate:
    """延续 (a new validity from today), 变更 (new holder name or content, same validity) or 补发 (the same
    content again): a new version with the same serial, replacing the live one, which lapses."""
    if operation not in (Operation.RENEWAL, Operation.CHANGE, Operation.REISSUE):
        raise ApplicationError("操作不正确", fields={"operation": ["操作：延续、变更或补发"]})
    reason = _reason(reason)
    current = _locked(certificate, by, expected_version)
    CERTIFICATE.check(current.state, "replace")
    if operation == Operation.CHANGE and not holder_name.strip() and content is None:
        raise ApplicationError("变更须修改持证主体名称或证照内容", fields={"content": ["证照内容：未作修改"]})
    return _new_version(
        certificate_type=current.type,
        holder=(current.holder_code_type, current.holder_code),
        holder_name=holder_name.strip() or current.holder_name,
        content=content if content is not None else current.content,
        issued_on=timezone.localdate(),
        operation=operation,
        replaces=current,
        case=None,
        item=current.item,
        by=by,
        reason=reason,
    )


# --- 用证 ---------------------------------------------------------------------------------------------


@batch.atomic
def use(
    *,
    certificate: Certificate,
    purpose: str,
    organisation: Organisation,
    channel: str,
    case: Case | None = None,
    material: str = "",
    by: Staff | None = None,
) -> CertificateUse:
    """用证: a live certificate replaces an application material (免提交) or is read for a purpose (申请事由);
    the use is recorded with who, for what and when, and the holder can see it. A material of a case is
    replaced once: a repeat returns the use already recorded."""
    purpose = purpose.strip()
    if not purpose:
        raise ApplicationError("请填写用证事由", fields={"purpose": ["用证事由：必填"]})
    if channel not in UseChannel.values:
        raise ApplicationError("调用渠道不正确", fields={"channel": ["调用渠道：窗口、网上申报或接口"]})
    current = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not queries.is_live(current):
        raise TransitionError("证照已不在有效状态，不能调用")
    if case is not None and material:
        existing = CertificateUse.objects.filter(case=case, material=material).first()
        if existing is not None:
            return existing
    record = CertificateUse.objects.create(
        certificate=current,
        purpose=purpose[:200],
        material=material[:200],
        case=case,
        organisation=organisation,
        operator=by,
        channel=channel,
    )
    audit.record(
        "certificates.used",
        current,
        actor=by,
        after={"purpose": record.purpose, "case": case.number if case else "", "material": material},
        organisation_id=organisation.pk,
    )
    events.emit(
        USED,
        CertificateUsed(
            use=record.pk,
            certificate=current.pk,
            identifier=current.identifier,
            case=case.pk if case else None,
            purpose=record.purpose,
        ),
        key=f"{USED.name}:{record.pk}",
    )
    return record


# --- the catalogue of certificate types, and reading a holder's code in full --------------------------

TYPE_EDIT = "certificate.type.edit"
HOLDER_VIEWED = "certificates.holder_viewed"
TYPE_CODE_LENGTH = 21  # 制定部门的统一社会信用代码 (18) + 顺序号 (3)


def _type_code(code: str) -> str:
    """证照类型代码: the defining authority's 统一社会信用代码 (checked as GB 32100 says) and a 3-digit
    sequence number, as the national catalogue of certificate types numbers them."""
    code = code.strip().upper()
    if len(code) != TYPE_CODE_LENGTH:
        raise ApplicationError(
            "证照类型代码应为21位",
            fields={
                "code": [
                    f"证照类型代码：应为21位（制定部门统一社会信用代码18位＋顺序号3位），当前{len(code)}位"
                ]
            },
        )
    try:
        validate_uscc(code[:18])
    except IdentityError as exc:
        raise ApplicationError(
            "证照类型代码的前18位不是有效的统一社会信用代码",
            fields={"code": [f"证照类型代码前18位（制定部门）：{exc.message}"]},
        ) from None
    if not code[18:].isdigit():
        raise ApplicationError(
            "证照类型代码的后3位应为数字", fields={"code": ["证照类型代码：后3位（顺序号）应为数字"]}
        )
    return code


def _type_items(issuer: Organisation, items: list[ServiceItem]) -> list[ServiceItem]:
    """发证事项: published items of the issuing organisation or of an organisation below it."""
    reach = subtree(issuer.pk)
    wrong = [i for i in items if i.organisation_id not in reach or not i.is_public]
    if wrong:
        names = "、".join(i.impl_code for i in wrong)
        raise ApplicationError(
            f"发证事项须为颁发机构及其下级机构的现行事项：{names}",
            fields={"items": [f"发证事项：{names} 不是“{issuer.name}”及其下级机构的现行事项"]},
        )
    return items


@batch.atomic
def save_type(
    *,
    certificate_type: CertificateType | None,
    by: Staff,
    code: str,
    name: str,
    issuer: Organisation,
    holder_kind: str,
    validity_years: int | None,
    number_rule: str,
    number_prefix: str,
    several_per_holder: bool,
    items: list[ServiceItem],
    is_active: bool,
) -> CertificateType:
    """证照类型目录: a new type, or an existing one changed, by an administrator of the issuing organisation
    (or one above it). A type that has issued certificates keeps its code and issuer: both are part of
    every identifier issued (GB/T 36904-2018)."""
    for target in (issuer, certificate_type):
        if target is not None and not can(by, TYPE_EDIT, target):
            raise NotPermitted("您无权维护该机构的证照类型")
    errors: dict[str, list[str]] = {}
    code = _type_code(code)
    name = name.strip()
    if not name:
        errors["name"] = ["证照类型名称：必填"]
    if not issuer.uscc:
        errors["issuer"] = [
            f"颁发机构：“{issuer.name}”须先登记统一社会信用代码（电子证照标识含颁发机构代码）"
        ]
    if holder_kind not in ApplicantKind.values:
        errors["holder_kind"] = ["持证主体类型：自然人或法人"]
    if number_rule not in NumberRule.values:
        errors["number_rule"] = ["证照编号规则：流水号或持证主体代码"]
    if validity_years is not None and not 1 <= validity_years <= 100:
        errors["validity_years"] = ["有效期（年）：1至100年，长期有效的不填"]
    taken = CertificateType.objects.filter(code=code)
    if certificate_type is not None:
        taken = taken.exclude(pk=certificate_type.pk)
        if certificate_type.certificates.exists() and (
            code != certificate_type.code or issuer.pk != certificate_type.issuer_id
        ):
            errors["code"] = ["证照类型代码与颁发机构：已签发证照的类型不能修改（已写入电子证照标识）"]
    if taken.exists():
        errors.setdefault("code", []).append(f"证照类型代码：{code} 已被其他证照类型使用")
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    chosen = _type_items(issuer, items)
    before = (
        None
        if certificate_type is None
        else {
            "code": certificate_type.code,
            "name": certificate_type.name,
            "issuer": certificate_type.issuer_id,
            "is_active": certificate_type.is_active,
            "items": sorted(certificate_type.items.values_list("impl_code", flat=True)),
        }
    )
    saved = certificate_type or CertificateType()
    saved.code, saved.name, saved.issuer = code, name, issuer
    saved.holder_kind, saved.validity_years = holder_kind, validity_years
    saved.number_rule, saved.number_prefix = number_rule, number_prefix.strip()
    saved.several_per_holder, saved.is_active = several_per_holder, is_active
    saved.save()
    saved.items.set(chosen)
    audit.record(
        "certificates.type_saved",
        saved,
        actor=by,
        before=before,
        after={
            "code": code,
            "name": name,
            "issuer": issuer.pk,
            "is_active": is_active,
            "items": sorted(i.impl_code for i in chosen),
        },
        organisation_id=issuer.pk,
    )
    return saved


@batch.atomic
def reveal_holder(*, certificate: Certificate, by: Staff, reason: str) -> None:
    """查看持证主体代码: the holder's full ID number on one page, for a reason kept in the audit log
    (GB/T 22239-2019 8.1.4.3 a); the caller then shows it."""
    reason = reason.strip()
    if not reason:
        message = "查看理由：必填，请写明为何需要查看完整的持证主体代码"
        raise ApplicationError("请填写查看理由", fields={"reason": [message]})
    if len(reason) > REASON_LIMIT:
        message = f"查看理由：不能超过{REASON_LIMIT}个字"
        raise ApplicationError(message, fields={"reason": [message]})
    if not can(by, MANAGE, certificate):
        raise NotPermitted("您无权查看该证照")
    audit.record(
        HOLDER_VIEWED,
        certificate,
        actor=by,
        after={"查看": "持证主体代码", "reason": reason},
        organisation_id=certificate.issuer_id,
    )
