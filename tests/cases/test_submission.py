"""Filing a case (申报): the applicant is texted the 办件编号 and the 查询码 whatever the channel."""

from __future__ import annotations

import pytest

from tests.cases.conftest import APPLICANT, file
from yimen.cases import services
from yimen.cases.models import Channel
from yimen.core import events
from yimen.core.models import SmsMessage

pytestmark = pytest.mark.django_db


def _texts() -> list[str]:
    events.run_once()
    return list(SmsMessage.objects.filter(template="case.submitted").values_list("text", flat=True))


def test_an_online_application_is_texted_its_number_and_query_code_at_once(licence, cast) -> None:
    case = services.submit(item=licence, applicant=APPLICANT, channel=Channel.ONLINE)
    assert _texts() == [
        f"【咸宁市政务服务中心】您申请的食品经营许可证核发已收到，办件编号{case.number}，查询码{case.query_code}，"
        "凭编号和查询码可查询办理进度。"
    ]


def test_an_application_taken_at_a_window_is_texted_too(licence, cast) -> None:
    case = file(licence, cast)
    [text] = _texts()
    assert case.number in text and f"查询码{case.query_code}" in text
