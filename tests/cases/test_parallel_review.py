"""并联审批: each participating organisation reviews on its own; the case goes on when all agree."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.cases.conftest import file, race
from tests.conftest import make_staff
from yimen.cases.models import Case, Result, Review, ReviewState
from yimen.cases.services import reviews, steps
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.org.models import Role


@pytest.fixture
def reviewers(cast):
    return {
        "police": make_staff("police_reviewer", "陈公安", cast.police, (Role.REVIEWER, cast.police)),
        "centre": make_staff("centre_reviewer", "林中心", cast.centre, (Role.REVIEWER, cast.centre)),
    }


def _accepted(joint, cast) -> Case:
    return steps.accept(case=file(joint, cast), by=cast.clerk)


def _review(case: Case, org) -> Review:
    return Review.objects.get(case=case, organisation=org)


@pytest.mark.django_db
def test_acceptance_creates_one_review_per_participating_organisation(joint, cast) -> None:
    case = _accepted(joint, cast)
    assert set(case.reviews.values_list("organisation__name", "state")) == {
        ("咸宁市公安局", "pending"),
        ("咸宁市政务服务中心", "pending"),
    }


@pytest.mark.django_db
def test_the_case_goes_on_only_when_all_agree(joint, cast, reviewers) -> None:
    case = _accepted(joint, cast)
    reviews.decide_review(review=_review(case, cast.police), by=reviewers["police"], approve=True)
    with pytest.raises(TransitionError, match="还有联办机构未作出审查结论"):
        steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="C1")
    reviews.decide_review(
        review=_review(case, cast.centre), by=reviewers["centre"], approve=True, opinion="同意"
    )
    case = steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="C1")
    assert case.result == Result.ISSUED


@pytest.mark.django_db
def test_one_rejection_sends_the_case_to_a_refusal(joint, cast, reviewers) -> None:
    case = _accepted(joint, cast)
    with pytest.raises(ApplicationError, match="不同意时请写明理由"):
        reviews.decide_review(review=_review(case, cast.police), by=reviewers["police"], approve=False)
    reviews.decide_review(
        review=_review(case, cast.police), by=reviewers["police"], approve=False, opinion="消防不合格"
    )
    reviews.decide_review(review=_review(case, cast.centre), by=reviewers["centre"], approve=True)
    with pytest.raises(TransitionError, match="有联办机构不同意"):
        steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="C1")
    case = steps.conclude(case=case, by=cast.reviewer, result=Result.DENIED, reason="消防审查未通过")
    assert case.result == Result.DENIED


@pytest.mark.django_db
def test_each_organisation_reviews_only_its_own_part(joint, cast, reviewers) -> None:
    case = _accepted(joint, cast)
    with pytest.raises(NotPermitted):
        reviews.decide_review(review=_review(case, cast.police), by=reviewers["centre"], approve=True)
    reviews.decide_review(review=_review(case, cast.police), by=reviewers["police"], approve=True)
    with pytest.raises(TransitionError, match="已作出审查结论"):
        reviews.decide_review(
            review=_review(case, cast.police), by=reviewers["police"], approve=False, opinion="改主意"
        )


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_the_same_moment_never_corrupt_the_case(joint, cast, reviewers) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "threads with their own connections need a server database (the suite also runs on PostgreSQL)"
        )
    case = _accepted(joint, cast)
    before = Case.objects.get(pk=case.pk).lock_version
    outcomes = race(
        lambda: reviews.decide_review(
            review=_review(case, cast.police), by=reviewers["police"], approve=True
        ),
        lambda: reviews.decide_review(
            review=_review(case, cast.centre), by=reviewers["centre"], approve=True
        ),
    )
    assert not [o for o in outcomes if isinstance(o, BaseException)]
    assert set(Review.objects.filter(case=case).values_list("state", flat=True)) == {ReviewState.APPROVED}
    assert Case.objects.get(pk=case.pk).lock_version == before + 2
    assert case.events.filter(action="review").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_review_decided_twice_at_once_has_one_winner(joint, cast, reviewers) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "threads with their own connections need a server database (the suite also runs on PostgreSQL)"
        )
    case = _accepted(joint, cast)
    review = _review(case, cast.police)
    outcomes = race(
        lambda: reviews.decide_review(review=review, by=reviewers["police"], approve=True),
        lambda: reviews.decide_review(review=review, by=reviewers["police"], approve=False, opinion="不同意"),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Review", "TransitionError"]
    assert case.events.filter(action="review").count() == 1
