"""查看敏感信息: a person who sees a case without handling it (监察) reads its applicant masked, and may
unmask one case for one page by saying why; the reason is kept in the audit log, so every look at an
applicant's full ID number, phone and address outside case work can be accounted for."""

from __future__ import annotations

from yimen.cases.models import Case
from yimen.cases.queries import visibility
from yimen.core import audit, batch
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.org.models import Staff

REVEAL = "case.reveal"
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
