"""一件事一次办 (多证合一): defining a combined service, filing one application for it, splitting it on
acceptance into a sub-case per item, and concluding it when every sub-case has.

A combined service is kept like an item's guide: the catalogue's editor (item.edit) drafts it and submits
it, the 审改 reviewer (item.reform_review) publishes or returns it (table `COMBINED`). Its parts are
published items of any organisation; a part with `after` waits for that part to conclude 出证办结 (串联),
the others run side by side (并联).

The applicant fills one form and uploads one material list: the union of the parts' current guides, a
material several items need (the same name) asked once (`combined_queries.material_list`). Filing
makes a CombinedCase and a sub-case per part through the cases' own intake, a shared file stored for each
sub-case that lists it (each organisation keeps its copy with its case, downloads and retention as for any
case). The window accepts the combined case once (`accept`): the parallel parts are accepted at once, a
serial part by the system when its predecessor issues (`advance`, run from the case events, handlers.py),
refused when it did not. When every sub-case has ended the combined case concludes, once, with
`combined.concluded` and one SMS to the applicant (`settle`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import F, Max
from django.utils import timezone

from yimen.cases import uploads as case_uploads
from yimen.cases.models import ApplicantKind, Case, CaseState, Channel, Result
from yimen.cases.services import intake, steps
from yimen.cases.transitions import centre_name, may_act
from yimen.catalog.models import ItemVersion, ServiceItem
from yimen.certificates import reuse
from yimen.certificates.combined_queries import material_list
from yimen.certificates.events import COMBINED_CONCLUDED, CombinedConcluded
from yimen.certificates.models import (
    Certificate,
    CertificateCounter,
    CombinedCase,
    CombinedCasePart,
    CombinedPart,
    CombinedResult,
    CombinedService,
    CombinedState,
    HolderCodeType,
    UseChannel,
)
from yimen.core import audit, batch, events, notify, pages
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.people import Applicant
from yimen.core.workflow import Workflow
from yimen.org.models import Organisation, Staff, Window
from yimen.org.permissions import can

S = CombinedState
COMBINED = Workflow(
    states=CombinedState,
    transitions={
        "edit": ((S.DRAFT,), None),
        "submit": ((S.DRAFT,), S.REVIEW),
        "approve": ((S.REVIEW,), S.PUBLISHED),
        "return": ((S.REVIEW,), S.DRAFT),
        "retire": ((S.PUBLISHED,), S.RETIRED),
    },
    labels={
        "edit": "修改",
        "submit": "提交审核",
        "approve": "审核通过并发布",
        "return": "退回修改",
        "retire": "停用",
    },
    refusal="一件事当前为“{state}”，不能{action}",
)
# Who takes each action over the lead organisation: the catalogue's editor and its 审改 reviewer.
ACTION_PERMISSIONS = {
    "edit": "item.edit",
    "submit": "item.edit",
    "approve": "item.reform_review",
    "return": "item.reform_review",
    "retire": "item.edit",
}
MIN_PARTS = 2
# A sub-case in one of these has ended: the combined case waits for no more from it.
ENDED = (CaseState.CONCLUDED, CaseState.DELIVERED, CaseState.REFUSED, CaseState.WITHDRAWN)
NUMBER_PREFIX = "YJS"


@dataclass(frozen=True)
class PartSpec:
    """A part as the editor gives it: the item, and the item whose part must conclude first (None: 并联)."""

    item_id: int
    after_item_id: int | None = None


@dataclass(frozen=True)
class Definition:
    code: str
    name: str
    description: str
    organisation: Organisation
    applicant_kind: str
    parts: Sequence[PartSpec]


# --- the definition and its review ---------------------------------------------------------------------


def _require(by: Staff, action: str, service: CombinedService | Organisation) -> None:
    if not can(by, ACTION_PERMISSIONS[action], service):
        raise NotPermitted(f"您没有该一件事的{COMBINED.labels[action]}权限")


def serves(version: ItemVersion, kind: str) -> bool:
    """Whether the item's guide serves the applicant kind (服务对象); a guide naming neither serves both."""
    if not (version.for_person or version.for_legal):
        return True
    return version.for_person if kind == ApplicantKind.PERSON else version.for_legal


def _cycle(after: dict[int, int | None], names: dict[int, str]) -> str:
    """The first loop in the `after` chains, as 「A」→「B」→「A」, or "" when there is none."""
    for start in after:
        seen: list[int] = []
        current: int | None = start
        while current is not None:
            if current in seen:
                loop = [*seen[seen.index(current) :], current]
                return "→".join(f"“{names[i]}”" for i in loop)
            seen.append(current)
            current = after.get(current)
    return ""


def _part_errors(parts: Sequence[PartSpec], kind: str) -> dict[str, list[str]]:
    """The parts' rules: at least two, each a published item serving the applicant kind, once; every
    `after` one of the parts and no loop."""
    errors: dict[str, list[str]] = {}
    if len(parts) < MIN_PARTS:
        errors["parts"] = [f"包含的事项：一件事至少包含{MIN_PARTS}个事项"]
        if not parts:
            return errors
    ids = [part.item_id for part in parts]
    items = {item.pk: item for item in ServiceItem.objects.select_related("current").filter(pk__in=ids)}
    names = {pk: (item.current.name if item.current else item.impl_code) for pk, item in items.items()}
    problems = errors.setdefault("parts", [])
    repeated = sorted({names.get(pk, str(pk)) for pk in ids if ids.count(pk) > 1})
    if repeated:
        problems.append(f"包含的事项：“{'”“'.join(repeated)}”重复，每个事项只能包含一次")
    for pk in dict.fromkeys(ids):
        item = items.get(pk)
        if item is None:
            problems.append("包含的事项：所选事项不存在")
        elif not item.is_public:
            problems.append(f"包含的事项：“{names[pk]}”尚未发布或已废止，不能纳入一件事")
        elif kind in ApplicantKind.values:
            assert item.current is not None
            if not serves(item.current, kind):
                problems.append(
                    f"包含的事项：“{names[pk]}”不面向{ApplicantKind(kind).label}，与一件事的申请人类型不符"
                )
    if not problems:
        del errors["parts"]
    after: dict[int, int | None] = {}
    wrong: list[str] = []
    for part in parts:
        if part.after_item_id is None:
            continue
        if part.after_item_id == part.item_id:
            wrong.append(f"前置事项：“{names.get(part.item_id, '')}”不能以自己为前置事项")
        elif part.after_item_id not in ids:
            wrong.append(f"前置事项：“{names.get(part.item_id, '')}”的前置事项不在本一件事中")
        else:
            after[part.item_id] = part.after_item_id
    loop = _cycle(after, names) if not wrong else ""
    if loop:
        wrong.append(f"前置事项：{loop}形成循环，串联办理的事项须有先后")
    if wrong:
        errors["after"] = wrong
    return errors


def _check(definition: Definition, current: CombinedService | None) -> None:
    errors: dict[str, list[str]] = {}
    code, name = definition.code.strip(), definition.name.strip()
    if not code:
        errors["code"] = ["一件事编码：必填"]
    elif len(code) > 40:
        errors["code"] = ["一件事编码：不超过40个字符"]
    else:
        taken = CombinedService.objects.filter(code=code)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            errors["code"] = [f"一件事编码：“{code}”已被使用"]
    if not name:
        errors["name"] = ["一件事名称：必填"]
    elif len(name) > 100:
        errors["name"] = ["一件事名称：不超过100个字"]
    if definition.applicant_kind not in ApplicantKind.values:
        errors["applicant_kind"] = ["申请人类型：只能是自然人或法人"]
    errors |= _part_errors(definition.parts, definition.applicant_kind)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, fields=errors)


def specs_of(service: CombinedService) -> list[PartSpec]:
    """The service's parts as the editor gave them, in order."""
    parts = list(service.parts.select_related("after").order_by("order", "pk"))
    return [PartSpec(part.item_id, part.after.item_id if part.after else None) for part in parts]


def _write_parts(service: CombinedService, parts: Sequence[PartSpec]) -> None:
    """The parts replaced by the given ones: rows written, then their `after` linked by item."""
    service.parts.all().delete()
    made = CombinedPart.objects.bulk_create(
        CombinedPart(service=service, item_id=spec.item_id, order=n) for n, spec in enumerate(parts, 1)
    )
    by_item = {part.item_id: part for part in made}
    linked = []
    for spec, part in zip(parts, made, strict=True):
        if spec.after_item_id is not None:
            part.after = by_item[spec.after_item_id]
            linked.append(part)
    CombinedPart.objects.bulk_update(linked, ["after"])


def _locked(service: CombinedService, expected_version: int | None) -> CombinedService:
    current = CombinedService.objects.select_for_update().get(pk=service.pk)
    if expected_version is not None and current.lock_version != expected_version:
        raise TransitionError("该一件事已被他人更新，请刷新后重试")
    return current


@batch.atomic
def save_draft(
    *,
    definition: Definition,
    by: Staff,
    service: CombinedService | None = None,
    expected_version: int | None = None,
) -> CombinedService:
    """A new combined service (a draft), or a draft's name, description, lead organisation, applicant kind
    and parts changed. Every rule is checked at once and told per field."""
    _require(by, "edit", definition.organisation)
    if service is not None:
        service = _locked(service, expected_version)
        COMBINED.check(service.state, "edit")
        _require(by, "edit", service)
    _check(definition, service)
    creating = service is None
    if service is None:
        service = CombinedService(state=CombinedState.DRAFT)
    service.code, service.name = definition.code.strip(), definition.name.strip()
    service.description = definition.description.strip()
    service.organisation, service.applicant_kind = definition.organisation, definition.applicant_kind
    service.lock_version = 0 if creating else service.lock_version + 1
    service.save()
    _write_parts(service, definition.parts)
    audit.record(
        "certificates.combined_created" if creating else "certificates.combined_edited",
        service,
        actor=by,
        after={"code": service.code, "name": service.name, "parts": [p.item_id for p in definition.parts]},
    )
    return service


def _recheck(service: CombinedService) -> None:
    """The parts' rules again, on the items as they now are (one may have been retired meanwhile)."""
    errors = _part_errors(specs_of(service), service.applicant_kind)
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)


def _move(
    service: CombinedService, action: str, by: Staff, expected_version: int | None, comment: str = ""
) -> CombinedService:
    service = _locked(service, expected_version)
    target = COMBINED.target(service.state, action)
    _require(by, action, service)
    if action in ("submit", "approve"):
        _recheck(service)
    before = service.state
    service.state, service.lock_version = target, service.lock_version + 1
    fields = ["state", "lock_version"]
    if action in ("approve", "return"):
        service.reviewed_by, service.review_comment = by, comment
        fields += ["reviewed_by", "review_comment"]
    if action == "approve":
        service.published_at = timezone.now()
        fields.append("published_at")
    service.save(update_fields=fields)
    audit.record(
        f"certificates.combined_{action}",
        service,
        actor=by,
        before={"state": before},
        after={"state": target, **({"comment": comment} if comment else {})},
    )
    return service


@batch.atomic
def submit(*, service: CombinedService, by: Staff, expected_version: int | None = None) -> CombinedService:
    """提交审核: the draft goes to the 审改 reviewer, its parts checked again."""
    return _move(service, "submit", by, expected_version)


@batch.atomic
def approve(*, service: CombinedService, by: Staff, expected_version: int | None = None) -> CombinedService:
    """审核通过: the service is published: its guide is on the portal and it takes applications."""
    return _move(service, "approve", by, expected_version)


@batch.atomic
def return_for_changes(
    *, service: CombinedService, by: Staff, comment: str, expected_version: int | None = None
) -> CombinedService:
    """退回修改, with the reason the editor reads on the draft."""
    comment = comment.strip()
    if not comment:
        raise ApplicationError("请填写退回原因", fields={"comment": ["审核意见：退回时必须写明原因"]})
    return _move(service, "return", by, expected_version, comment[:300])


@batch.atomic
def retire(*, service: CombinedService, by: Staff, expected_version: int | None = None) -> CombinedService:
    """停用: the guide leaves the portal and no application is taken; cases filed before go on."""
    return _move(service, "retire", by, expected_version)


# --- one application -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    """What an application filed: its combined case, or (`repeated`) the one an earlier call with the
    same key filed."""

    combined: CombinedCase
    repeated: bool = False


def _number(on: datetime) -> str:
    """一件事办件编号: YJS + yyyyMMdd + a 5-digit serial of the day, never reused."""
    day = timezone.localdate(on)
    prefix = f"{NUMBER_PREFIX}:{day:%Y%m%d}"
    CertificateCounter.objects.get_or_create(prefix=prefix)
    CertificateCounter.objects.filter(prefix=prefix).update(last=F("last") + 1)
    last = CertificateCounter.objects.get(prefix=prefix).last
    return f"{NUMBER_PREFIX}{day:%Y%m%d}{last:05d}"


def _for_item(applicant: Applicant, version: ItemVersion) -> Applicant:
    """The applicant as each sub-case takes it: one form, the item's business type its first listed one
    (初次申领, 设立 …) unless the applicant named one the item lists."""
    types = [str(t) for t in version.business_types or []]
    chosen = applicant.business_type if applicant.business_type in types else (types[0] if types else "")
    return dataclasses.replace(applicant, business_type=chosen)


def _check_application(service: CombinedService, applicant: Applicant, materials: set[str]) -> None:
    if service.state != CombinedState.PUBLISHED:
        raise ApplicationError(
            "该一件事未发布或已停用", fields={"service": ["一件事：未发布或已停用，不能申报"]}
        )
    if applicant.kind != service.applicant_kind:
        label = ApplicantKind(service.applicant_kind).label
        raise ApplicationError(
            f"该一件事只受理{label}的申请", fields={"kind": [f"申请人类型：该一件事只受理{label}的申请"]}
        )
    listed = {material.name for material in material_list(service)}
    unknown = sorted(materials - listed)
    if unknown:
        message = f"材料“{unknown[0]}”不在该一件事的材料清单中"
        raise ApplicationError(message, fields={name: [f"材料名称：{message}"] for name in unknown})


@batch.atomic
def apply(
    *,
    service: CombinedService,
    applicant: Applicant,
    channel: str,
    by: Staff | None = None,
    window: Window | None = None,
    uploads: Sequence[case_uploads.Upload] = (),
    reused: Collection[str] = (),
    idempotency_key: str | None = None,
) -> Filed:
    """申报一件事: one form and one material list, a sub-case per part (each filed as the cases file any,
    online or at a window), each shared file stored with every sub-case whose guide lists it. `reused`
    names the materials the applicant (or the clerk) confirmed a live certificate of theirs replaces
    (免提交, certificates.reuse): each sub-case listing one records its use and keeps no file for it. All
    of it or nothing, files included. A second call with the same `idempotency_key` files nothing."""
    service = CombinedService.objects.get(pk=service.pk)
    _check_application(service, applicant, {upload.material for upload in uploads} | set(reused))
    uploads = [upload for upload in uploads if upload.material not in reused]
    parts = list(service.parts.select_related("item__current").order_by("order", "pk"))
    now = timezone.now()
    with case_uploads.all_or_nothing():
        combined = CombinedCase(service=service, submitted_at=now)
        links = []
        for n, part in enumerate(parts):
            assert part.item.current is not None
            submitted = intake.submit_once(
                item=part.item,
                applicant=_for_item(applicant, part.item.current),
                channel=channel,
                by=by,
                window=window,
                idempotency_key=f"{idempotency_key}:{part.item_id}" if idempotency_key else None,
            )
            if submitted.repeated and n == 0:
                earlier = CombinedCasePart.objects.select_related("combined").get(case=submitted.case)
                return Filed(earlier.combined, repeated=True)
            if n == 0:
                combined.number = _number(now)
                combined.save()
            links.append(CombinedCasePart(combined=combined, part=part, case=submitted.case))
        batch.flush()
        CombinedCasePart.objects.bulk_create(links)
        needs = {
            (version_id, name)
            for version_id, name in ItemVersion.objects.filter(
                pk__in=[part.item.current_id for part in parts]
            ).values_list("pk", "materials__name")
        }
        for link in links:
            _reuse(link.case, reused, by, channel)
        for upload in uploads:
            for link in links:
                if (link.case.version_id, upload.material) in needs:
                    upload.file.seek(0)
                    case_uploads.store_material(
                        case=link.case, material=upload.material, upload=upload.file, by=by
                    )
    audit.record(
        "certificates.combined_filed",
        combined,
        actor=by or "申请人",
        after={"service": service.code, "cases": [link.case.number for link in links], "channel": channel},
        organisation_id=service.organisation_id,
    )
    return Filed(combined)


def _reuse(case: Case, reused: Collection[str], by: Staff | None, channel: str) -> None:
    """The confirmed 免提交 materials this sub-case lists, recorded as uses of the holder's certificates;
    one no live certificate replaces any more is refused by name (reuse.reuse_at_intake)."""
    if not reused:
        return
    code_type, code = (
        (HolderCodeType.ID_CARD, case.id_number)
        if case.applicant_kind == ApplicantKind.PERSON
        else (HolderCodeType.USCC, case.uscc)
    )
    offered = {r.material: r for r in reuse.replaceable(case.version, code_type, code)}
    listed = set(case.version.materials.values_list("name", flat=True))
    missing = sorted(name for name in reused if name in listed and name not in offered)
    if missing:
        message = f"材料“{'、'.join(missing)}”没有可调用的电子证照，请提交材料"
        raise ApplicationError(message, fields={name: [message] for name in missing})
    use_channel = UseChannel.ONLINE if channel == Channel.ONLINE else UseChannel.WINDOW
    chosen = [offered[name] for name in reused if name in offered]
    reuse.reuse_at_intake(case=case, replacements=chosen, by=by, channel=use_channel)


def _sub_cases(combined: CombinedCase) -> list[CombinedCasePart]:
    return list(
        combined.parts.select_related("part__item__current", "case__version").order_by("part__order", "pk")
    )


def may_accept(staff: Staff, combined: CombinedCase) -> bool:
    """Who takes a 一件事 in (一窗受理): a window of its lead organisation (case.intake over it), or a clerk of
    the centre's 综合窗口, whoever's organisations its sub-cases go to — an application filed online has
    no window, and no department may accept another's sub-case by itself."""
    if can(staff, "case.intake", combined.service.organisation):
        return True
    window = staff.window
    return window is not None and window.is_comprehensive and can(staff, "case.intake")


@batch.atomic
def accept(*, combined: CombinedCase, by: Staff) -> CombinedCase:
    """受理 (一窗受理, 分类审批): the lead organisation's window or a 综合窗口 accepts the combined case once
    (may_accept); each parallel part's sub-case is accepted for its organisation now — by the clerk where the
    clerk may take that organisation's cases in, else by the system on the clerk's acceptance (the combined
    case names the clerk) — and a serial part when the part before it issues (`advance`)."""
    combined = (
        CombinedCase.objects.select_for_update().select_related("service__organisation").get(pk=combined.pk)
    )
    if not may_accept(by, combined):
        raise NotPermitted("您无权受理该一件事：由牵头机构的窗口或综合窗口受理")
    if combined.accepted_at is not None:
        raise TransitionError("该一件事已受理，不能重复受理")
    if combined.concluded_at is not None:
        raise TransitionError("该一件事已办结，不能受理")
    accepted = []
    for link in _sub_cases(combined):
        if link.part.after_id is None and link.case.state == CaseState.SUBMITTED:
            steps.accept(case=link.case, by=by if may_act(by, "case.intake", link.case) else None)
            accepted.append(link.case.number)
    combined.accepted_at, combined.accepted_by = timezone.now(), by
    combined.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        "certificates.combined_accepted",
        combined,
        actor=by,
        after={"accepted": accepted},
        organisation_id=combined.service.organisation_id,
    )
    return combined


def _ended(case: Case) -> bool:
    return case.state in ENDED


@batch.atomic
def advance(*, case_id: int) -> CombinedCase | None:
    """A sub-case ended (办结, 不予受理 or 撤件): the parts waiting for it are accepted when it issued and
    refused when it did not (their own refusal comes back here for the parts after them); the combined
    case concludes when every sub-case has ended. Not a combined case's sub-case: nothing."""
    link = CombinedCasePart.objects.filter(case_id=case_id).first()
    if link is None:
        return None
    combined = CombinedCase.objects.select_for_update().select_related("service").get(pk=link.combined_id)
    links = _sub_cases(combined)
    ended = next(x for x in links if x.case_id == case_id)
    issued = ended.case.state in (CaseState.CONCLUDED, CaseState.DELIVERED) and (
        ended.case.result == Result.ISSUED
    )
    name = ended.case.version.name
    for follower in links:
        if follower.part.after_id != ended.part_id or follower.case.state != CaseState.SUBMITTED:
            continue
        if issued:
            steps.accept(case=follower.case, by=None)
        elif _ended(ended.case):
            steps.refuse(
                case=follower.case,
                by=None,
                reason=f"前置事项“{name}”未出证办结（{_outcome(ended.case)}），本事项不能继续办理",
            )
    return settle(combined=combined)


def _outcome(case: Case) -> str:
    if case.state in (CaseState.CONCLUDED, CaseState.DELIVERED) and case.result:
        return Result(case.result).label
    return case.get_state_display()


def verify_page_url() -> str:
    """The public verification page the applicant's SMS links to."""
    return settings.YIMEN["PUBLIC_BASE_URL"].rstrip("/") + pages.path("certificate.verify")


@batch.atomic
def settle(*, combined: CombinedCase) -> CombinedCase:
    """办结 the combined case once every sub-case has ended: 全部办结 when each issued, else 部分办结;
    `combined.concluded` and the applicant's SMS, once however often it is asked."""
    combined = CombinedCase.objects.select_for_update().select_related("service").get(pk=combined.pk)
    if combined.concluded_at is not None:
        return combined
    cases = Case.objects.filter(combined_part__combined=combined)
    rows = list(cases.values_list("state", "result"))
    if not rows or any(state not in ENDED for state, _ in rows):
        return combined
    every = all(
        state in (CaseState.CONCLUDED, CaseState.DELIVERED) and result == Result.ISSUED
        for state, result in rows
    )
    combined.result = CombinedResult.ALL if every else CombinedResult.PARTIAL
    combined.concluded_at = cases.aggregate(last=Max("concluded_at"))["last"] or timezone.now()
    combined.save(update_fields=["result", "concluded_at"])
    count = Certificate.objects.filter(case__combined_part__combined=combined).count()
    events.emit(
        COMBINED_CONCLUDED,
        CombinedConcluded(
            combined=combined.pk,
            number=combined.number,
            service=combined.service.code,
            result=combined.result,
            certificates=count,
        ),
        key=f"{COMBINED_CONCLUDED.name}:{combined.pk}",
    )
    first = cases.order_by("pk").first()
    assert first is not None
    result = (
        "全部事项已出证办结，电子证照已全部出具"
        if every
        else "部分办结，有事项未出证，请凭各办件编号查询结果"
    )
    notify.queue_sms(
        phone=first.phone,
        template="combined.concluded",
        context={
            "centre": centre_name(),
            "service": combined.service.name,
            "number": combined.number,
            "result": result,
            "certificates": str(count),
            "verify_url": verify_page_url(),
        },
        key=f"sms:combined.concluded:{combined.pk}",
    )
    audit.record(
        "certificates.combined_concluded",
        combined,
        after={"result": combined.result, "certificates": count},
        organisation_id=combined.service.organisation_id,
    )
    return combined
