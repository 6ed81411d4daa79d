"""答复 (条例第三十六条): exactly one outcome of table 三, mapped to its reply type, with the reasons and
remedies in the letter; then delivery and closing. Status stays apart from outcome."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings

from tests.disclosure.conftest import clarification_asked, filed, replied, started
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.disclosure import letter_texts
from yimen.disclosure.models import EventKind, LetterTemplate, Outcome, RequestState
from yimen.disclosure.services import clock, steps

pytestmark = pytest.mark.django_db
RECEIVED = date(2024, 3, 4)
REPLIED = date(2024, 3, 20)
REPLIABLE = [o for o in Outcome.values if o not in ("r6_1", "r6_2", "r4_3")]


@pytest.mark.parametrize("outcome", REPLIABLE)
def test_every_outcome_has_its_legal_basis_and_the_remedies(cast, outcome: str) -> None:
    request = replied(
        cast,
        started(cast, RECEIVED),
        outcome,
        REPLIED,
        "经核查，理由如下。",
        how_to_obtain="已通过电子邮件发送",
    )
    body = request.reply.body
    assert (request.state, request.outcome, request.replied_on) == (RequestState.REPLIED, outcome, REPLIED)
    assert letter_texts.basis(outcome) in body
    assert "六十日内" in body and "咸宁市人民政府申请行政复议" in body and "六个月内" in body
    assert request.number in body and "2024年3月4日" in body


def test_each_outcome_maps_to_a_reply_type_of_article_36() -> None:
    assert letter_texts.reply_type(Outcome.DISCLOSED).item == "条例第三十六条第（二）项"
    assert letter_texts.reply_type(Outcome.PARTIAL).item == "条例第三十七条"
    assert letter_texts.reply_type(Outcome.PROCESS).item == "条例第三十六条第（三）项"
    assert letter_texts.reply_type(Outcome.NOT_HELD).item.startswith("条例第三十六条第（四）项")
    assert letter_texts.reply_type(Outcome.REPEATED).item == "条例第三十六条第（六）项"
    assert letter_texts.reply_type(Outcome.QUERY_MATTER).item == "条例第三十六条第（七）项"
    assert set(letter_texts.BASIS) == set(Outcome.values) == set(letter_texts.DEFAULTS)


def test_partial_disclosure_needs_reasons_for_what_is_withheld(cast) -> None:
    request = started(cast, RECEIVED)
    with pytest.raises(ApplicationError) as refused:
        replied(cast, request, Outcome.PARTIAL, REPLIED, how_to_obtain="邮寄")
    assert "第三十七条" in refused.value.fields["reasons"][0]
    request.refresh_from_db()
    assert request.state == RequestState.IN_PROGRESS and not hasattr(request, "reply")


def test_disclosure_says_how_to_obtain(cast) -> None:
    with pytest.raises(ApplicationError) as refused:
        replied(cast, started(cast, RECEIVED), Outcome.DISCLOSED, REPLIED)
    assert "how_to_obtain" in refused.value.fields


def test_information_already_published_links_to_the_publication(cast, desk) -> None:
    publication = desk.published()
    request = replied(cast, started(cast, RECEIVED), Outcome.DISCLOSED, REPLIED, publication=publication)
    assert request.publication == publication
    assert f"《{publication.title}》" in request.reply.body
    base = settings.YIMEN["PUBLIC_BASE_URL"].rstrip("/")
    assert f"{base}/open/{publication.pk}/" in request.reply.body
    assert "该信息已经主动公开" in request.reply.body


def test_an_unpublished_draft_cannot_be_linked(cast, desk) -> None:
    with pytest.raises(ApplicationError) as refused:
        replied(cast, started(cast, RECEIVED), Outcome.DISCLOSED, REPLIED, publication=desk.draft())
    assert "尚未发布" in refused.value.fields["publication"][0]


def test_outcomes_of_the_applicants_silence_are_not_chosen_by_hand(cast) -> None:
    for outcome in (Outcome.NO_CLARIFICATION, Outcome.FEE_UNPAID, Outcome.STILL_UNCLEAR):
        with pytest.raises(ApplicationError):
            replied(cast, started(cast, RECEIVED), outcome, REPLIED, "x")


def test_still_unclear_after_the_supplement(cast) -> None:
    request = clarification_asked(
        cast, started(cast, RECEIVED), date(2024, 3, 6), date(2024, 3, 22), "请写明文号"
    )
    request = clock.receive_clarification(
        request=request, by=None, content="不清楚文号", on=date(2024, 3, 11)
    )
    request = replied(cast, request, Outcome.STILL_UNCLEAR, REPLIED, "补正后仍无法确定所需信息")
    assert "2024年3月6日" in request.reply.body and request.outcome == "r4_3"


def test_an_answer_on_the_spot_needs_no_start(cast) -> None:
    request = replied(cast, filed(cast, RECEIVED), Outcome.PUBLICATION, RECEIVED, how_to_obtain="市图书馆")
    assert request.state == RequestState.REPLIED


def test_deliver_then_close(cast) -> None:
    request = replied(cast, started(cast, RECEIVED), Outcome.NOT_HELD, REPLIED, "未制作")
    with pytest.raises(TransitionError):
        steps.close(request=request, by=cast.officer, on=REPLIED)
    request = steps.deliver(request=request, by=cast.officer, on=date(2024, 3, 21))
    request = steps.close(request=request, by=cast.officer, on=date(2024, 3, 22))
    assert (request.state, request.delivered_on, request.closed_on) == (
        RequestState.CLOSED,
        date(2024, 3, 21),
        REPLIED,
    )
    assert list(request.events.values_list("kind", flat=True)) == [
        EventKind.RECEIVED,
        EventKind.STARTED,
        EventKind.REPLIED,
        EventKind.DELIVERED,
        EventKind.CLOSED,
    ]


def test_a_late_reply_is_recorded_as_late(cast) -> None:
    request = replied(cast, started(cast, RECEIVED), Outcome.NOT_HELD, date(2024, 4, 2), "未制作")
    assert "超过答复期限" in request.events.get(kind=EventKind.REPLIED).note


def test_an_edited_template_is_used(cast) -> None:
    LetterTemplate.objects.create(
        outcome=Outcome.NOT_HELD,
        title="信息不存在告知书",
        body="{{ applicant }}：经检索，{{ organisation }}没有该信息。{{ reasons }}",
    )
    request = replied(cast, started(cast, RECEIVED), Outcome.NOT_HELD, REPLIED, "请向档案馆咨询。")
    assert request.reply.body.startswith("张三：经检索，咸宁市政务服务中心没有该信息。请向档案馆咨询。")
    assert "六个月内" in request.reply.body


def test_other_department_cannot_reply(cast) -> None:
    with pytest.raises(NotPermitted):
        replied(cast, started(cast, RECEIVED), Outcome.NOT_HELD, REPLIED, "x", by=cast.other)
