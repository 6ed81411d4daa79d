"""并联审批: each participating organisation's 并联审查 conclusion on a joint item's case."""

from __future__ import annotations

from django.utils import timezone

from yimen.cases.models import Case, Review, ReviewState
from yimen.cases.transitions import CASE, event, save, updated
from yimen.core import audit, batch
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.org.models import Staff
from yimen.org.permissions import can


@batch.atomic
def decide_review(*, review: Review, by: Staff, approve: bool, opinion: str = "") -> Review:
    """One organisation's 并联审查 conclusion. Reviews of one case are decided one at a time (row lock);
    a review already decided refuses a second decision with HTTP 409."""
    case = Case.objects.select_for_update().get(pk=review.case_id)
    review = Review.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=review.pk)
    CASE.check(case.state, "review")
    if not can(by, "case.review", review.organisation):
        raise NotPermitted("您不是该审查机构的审批人员")
    if review.state != ReviewState.PENDING:
        raise TransitionError(
            f"{review.organisation.name}已作出审查结论（{review.get_state_display()}），不能重复审查"
        )
    if not approve and not opinion.strip():
        raise ApplicationError("不同意时请写明理由", fields={"opinion": ["审查意见：不同意时必须写明理由"]})
    review.state = ReviewState.APPROVED if approve else ReviewState.REJECTED
    review.by, review.decided_at, review.opinion = by, timezone.now(), opinion.strip()[:500]
    review.save(update_fields=["state", "by", "decided_at", "opinion"])
    save(case, case.state)
    event(
        case, "review", by, note=f"{review.organisation.name}：{review.get_state_display()}。{review.opinion}"
    )
    audit.record(
        "cases.reviewed",
        case,
        actor=by,
        after={"organisation": review.organisation.name, "state": review.state},
    )
    updated(case, "review")
    return review
