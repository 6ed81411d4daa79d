"""查看敏感信息, and the applicant's rights over their own data.

查看敏感信息: a person who sees a case without handling it (监察) reads its applicant masked, and may
unmask one case for one page by saying why; the reason is kept in the audit log, so every look at an
applicant's full ID number, phone and address outside case work can be accounted for.

个人信息保护法 第四十六条、第四十七条: the applicant's data corrected or erased on a rights request, and
`anonymise`, the one way a case's applicant is removed — on such a request, or when the case is past its
retention (privacy.retention)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import F

from yimen.cases.models import ApplicantKind, Case, CaseFile, CaseState
from yimen.cases.queries import visibility
from yimen.cases.transitions import updated
from yimen.core import audit, batch, identity, people
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.fields import index_of
from yimen.org.models import Staff
from yimen.org.permissions import can

REVEAL = "case.reveal"
CORRECTED = "case.applicant_corrected"
ERASED = "case.applicant_erased"
REASON_LIMIT = 200


@batch.atomic
def reveal_applicant(*, case: Case, by: Staff, reason: str) -> None:
    """Record that `by` views the applicant's full data of `case`, and why; the caller then shows it."""
    reason = reason.strip()
    if not reason:
        message = "查看理由：必填，请写明为何需要查看完整的公民身份号码、手机号码和联系地址"
        raise ApplicationError("请填写查看理由", fields={"reason": [message]})
    if len(reason) > REASON_LIMIT:
        message = f"查看理由：不能超过{REASON_LIMIT}个字"
        raise ApplicationError(message, fields={"reason": [message]})
    if not visibility.cases_visible_to(by).filter(pk=case.pk).exists():
        raise NotPermitted("您无权查看该办件")
    audit.record(REVEAL, case, actor=by, after={"查看": "查看敏感信息", "reason": reason})


# --- 个人信息保护法 第四十六条、第四十七条: the applicant's fields corrected or erased on request ---------
# Called by the privacy app when it answers a rights request; the request's number is the reason.

HANDLE = "privacy.handle"
CORRECTABLE = {
    "applicant_name": ("申请人", 100),
    "phone": ("手机号码", 20),
    "address": ("联系地址", 200),
    "legal_representative": ("法定代表人", 50),
}
ERASED_NAME = people.ERASED_NAME


def _masked(field: str, value: str) -> str:
    """What the audit log keeps of a value: never an applicant's data in full (GB/T 22239-2019 8.1.4.3 b)."""
    if not value:
        return ""
    if field == "phone":
        return identity.mask_phone(value)
    return identity.mask_name(value)


def _checked_changes(case: Case, changes: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    checked: dict[str, str] = {}
    for field, raw in changes.items():
        if field not in CORRECTABLE:
            known = "、".join(label for label, _ in CORRECTABLE.values())
            errors[field] = [
                f"{field}：不能在此更正（可更正：{known}；公民身份号码等身份信息请持证件到窗口核验）"
            ]
            continue
        label, limit = CORRECTABLE[field]
        value = identity.normalize(raw) if field == "phone" else raw.strip()
        if field == "phone" and not (
            len(value) == 11 and value.isdigit() and value[0] == "1" and value[1] in "3456789"
        ):
            errors[field] = [f"{label}：应为11位手机号码"]
        elif field in ("applicant_name", "phone") and not value:
            errors[field] = [f"{label}：不能为空"]
        elif len(value) > limit:
            errors[field] = [f"{label}：不能超过{limit}个字"]
        elif field == "legal_representative" and case.applicant_kind != ApplicantKind.LEGAL:
            errors[field] = [f"{label}：自然人申请的办件没有法定代表人"]
        elif value != getattr(case, field):
            checked[field] = value
    if errors:
        raise ApplicationError("更正内容有误", fields=errors)
    if not checked:
        message = "更正内容：与办件登记的信息相同，没有需要更正的内容"
        raise ApplicationError(message, fields={"changes": [message]})
    return checked


def _write(case: Case, values: dict[str, str]) -> None:
    """The applicant's fields written only if the case is as the caller read it (its lock_version), which
    every write to a case bumps; a case changed meanwhile is refused (409), not overwritten."""
    # The sealed fields' blind indexes are written with them (core/fields.py: an update names its index).
    indexes = {
        f"{name}_index": index_of(Case, name, values[name])
        for name in ("id_number", "phone")
        if name in values
    }
    written = Case.objects.filter(pk=case.pk, lock_version=case.lock_version).update(
        **values, **indexes, lock_version=F("lock_version") + 1
    )
    if written != 1:
        raise TransitionError(f"办件 {case.number} 已被他人修改，请刷新后重试")
    for field, value in {**values, **indexes}.items():
        setattr(case, field, value)
    case.lock_version += 1


@batch.atomic
def correct_applicant(*, case: Case, changes: Mapping[str, str], by: Staff, reason: str) -> Case:
    """第四十六条: the applicant's name, phone, address or legal representative set right on the case, after
    the handler has checked them (「应当对其个人信息予以核实，并及时更正、补充」). The audit entry keeps
    the fields and their masked values before and after, and the reason (the request's number)."""
    if not can(by, HANDLE, case):
        raise NotPermitted("您无权更正该办件的申请人信息")
    checked = _checked_changes(case, changes)
    before = {field: _masked(field, getattr(case, field)) for field in checked}
    _write(case, checked)
    after = {field: _masked(field, value) for field, value in checked.items()}
    audit.record(CORRECTED, case, actor=by, before=before, after={**after, "reason": reason})
    updated(case, "applicant_corrected")
    return case


def erasable(case: Case) -> bool:
    """第四十七条第一款第一项 (处理目的无法实现): a case withdrawn before it was accepted formed no file to keep,
    so its applicant's data may be deleted. Every other case is kept under the archive rules (第二款)."""
    return case.state == CaseState.WITHDRAWN and case.accepted_at is None


ERASE_REFUSAL = (
    "该办件已受理，办件记录和申请材料须按照档案管理规定保存，保存期限未届满，不予删除"
    "（个人信息保护法第四十七条第二款：法律、行政法规规定的保存期限未届满的，停止除存储和采取必要的安全保护措施之外的处理）"
)


def anonymise(case: Case) -> int:
    """The one way a case's applicant is anonymised: name replaced by ERASED_NAME, ID number, credit code,
    legal representative, phone and address blanked (with their blind indexes), and the uploaded materials
    removed (the files once the transaction commits). The case itself stays — its item, organisation,
    dates, state and result — so every statistic and report counts it as before. Returns how many files
    were removed. Checks nothing and audits nothing: its callers do (erase_applicant for a rights request,
    privacy.retention for records past their retention)."""
    files = list(CaseFile.objects.filter(case=case))
    stored = [f.file.name for f in files if f.file]
    blank = dict.fromkeys(("id_number", "uscc", "legal_representative", "phone", "address"), "")
    _write(case, {"applicant_name": ERASED_NAME, **blank})
    CaseFile.objects.filter(case=case).delete()
    if files:
        storage = files[0].file.storage

        def remove_files() -> None:
            for name in stored:
                storage.delete(name)

        transaction.on_commit(remove_files)
    return len(files)


@batch.atomic
def erase_applicant(*, case: Case, by: Staff, reason: str) -> int:
    """第四十七条: the applicant's data on an erasable case blanked and its uploaded materials removed
    (`anonymise`). Returns how many files were removed."""
    if not can(by, HANDLE, case):
        raise NotPermitted("您无权删除该办件的申请人信息")
    if not erasable(case):
        raise ApplicationError(f"办件 {case.number}：{ERASE_REFUSAL}")
    removed = anonymise(case)
    audit.record(ERASED, case, actor=by, after={"files": removed, "reason": reason})
    updated(case, "applicant_erased")
    return removed
