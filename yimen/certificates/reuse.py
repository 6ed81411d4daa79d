"""免提交: at intake, each application material that a live certificate of the applicant replaces is shown
as 「已调用电子证照，无需提交」; what the clerk (or the applicant online) confirms is recorded as a use
(用证记录: purpose, case, operator, time) in the transaction that files the case, and its upload is skipped.

A material names the certificate it can be replaced by in `catalog.Material.certificate_type`, which holds
either a certificate type's code (`11100000000013338W032`) or its name (`营业执照`, as the demo's guides and
the catalogue's Excel sheets write it); both are matched. The holder is found by the applicant's code
(111 公民身份号码 for a natural person, 001 统一社会信用代码 for a legal person), through its blind index.

A case's 免提交材料数 is the number of its uses that name a material (`queries.replaced_count`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from yimen.cases import uploads
from yimen.cases.models import ApplicantKind, Case
from yimen.cases.services import intake
from yimen.catalog.models import ItemVersion, ServiceItem
from yimen.certificates import queries, services
from yimen.certificates.models import Certificate, HolderCodeType
from yimen.core import batch, identity
from yimen.core.errors import ApplicationError
from yimen.core.people import Applicant
from yimen.org.models import Staff, Window


@dataclass(frozen=True)
class Replacement:
    """A material of the item's list and the holder's live certificate that replaces it."""

    material_id: int
    material: str  # the material's name, as the case's uses and files name it
    certificate: int  # the Certificate's id
    type_name: str
    identifier: str
    number: str


def holder_of(applicant: Applicant) -> tuple[str, str] | None:
    """(code type, code) of an applicant as typed, normalised, or None when the code is not a valid one."""
    try:
        if applicant.kind == ApplicantKind.PERSON:
            return HolderCodeType.ID_CARD, identity.validate_id_number(applicant.id_number)
        if applicant.kind == ApplicantKind.LEGAL:
            return HolderCodeType.USCC, identity.validate_uscc(applicant.uscc)
    except identity.IdentityError:
        return None
    return None


def replaceable(version: ItemVersion, holder_code_type: str, holder_code: str) -> list[Replacement]:
    """The materials of `version` that a live certificate of the holder replaces, in the list's order:
    a material whose `certificate_type` is the code or the name of a type the holder has a live
    certificate of (有效, within its validity). Another holder's certificates are never looked at."""
    if not holder_code:
        return []
    linked = [m for m in version.materials.all() if m.certificate_type.strip()]
    if not linked:
        return []
    live: dict[str, Certificate] = {}
    for certificate in queries.live_of_holder(holder_code_type, holder_code):  # newest first
        live.setdefault(certificate.type.code, certificate)
        live.setdefault(certificate.type.name, certificate)
    found = []
    for material in linked:
        match = live.get(material.certificate_type.strip())
        if match is not None:
            found.append(
                Replacement(
                    material_id=material.pk,
                    material=material.name,
                    certificate=match.pk,
                    type_name=match.type.name,
                    identifier=match.identifier,
                    number=match.number,
                )
            )
    return found


def purpose_of(case: Case) -> str:
    """用证事由, as the holder reads it among their uses."""
    return f"办理{case.version.name}（办件编号 {case.number}）"


@batch.atomic
def reuse_at_intake(
    *, case: Case, replacements: Sequence[Replacement], by: Staff | None, channel: str
) -> list[Replacement]:
    """Record a use (用证) for each confirmed replacement of a case just filed: exactly once per material
    (a repeat changes nothing), audited, `certificate.used` emitted (services.use). Each is checked again
    against the case's own applicant and list: a certificate that is no longer live, another holder's, or
    a material not on the case's list is refused, and nothing is recorded."""
    if not replacements:
        return []
    code_type, code = queries.holder_of_case(case)
    offered = {(r.material, r.certificate) for r in replaceable(case.version, code_type, code)}
    wrong = [r.material for r in replacements if (r.material, r.certificate) not in offered]
    if wrong:
        message = f"材料“{'、'.join(wrong)}”已不能调用电子证照（证照已失效或不属于申请人），请提交材料"
        raise ApplicationError(message, fields={name: [message] for name in wrong})
    certificates = Certificate.objects.in_bulk([r.certificate for r in replacements])
    purpose = purpose_of(case)
    for replacement in replacements:
        services.use(
            certificate=certificates[replacement.certificate],
            purpose=purpose,
            organisation=case.organisation,
            channel=channel,
            case=case,
            material=replacement.material,
            by=by,
        )
    return list(replacements)


def submit_reusing(
    *,
    item: ServiceItem,
    applicant: Applicant,
    channel: str,
    uploads_given: Sequence[uploads.Upload],
    replacements: Sequence[Replacement],
    use_channel: str,
    by: Staff | None = None,
    window: Window | None = None,
    idempotency_key: str | None = None,
) -> intake.Submitted:
    """申报 with its files and the confirmed 免提交 materials, all or nothing: the case is filed
    (cases.uploads.submit_with_materials), a file given for a replaced material is not kept, and each
    replacement is recorded as a use in the same transaction. A repeat of a keyed submission records
    nothing again. Call inside `uploads.all_or_nothing()` to add further steps."""
    replaced = {r.material for r in replacements}
    kept = [u for u in uploads_given if u.material not in replaced]
    with uploads.all_or_nothing():
        submitted = uploads.submit_with_materials(
            item=item,
            applicant=applicant,
            channel=channel,
            uploads=kept,
            by=by,
            window=window,
            idempotency_key=idempotency_key,
        )
        if not submitted.repeated:
            reuse_at_intake(case=submitted.case, replacements=replacements, by=by, channel=use_channel)
    return submitted
