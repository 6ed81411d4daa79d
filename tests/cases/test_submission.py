"""Filing a case (申报): the applicant is texted the 办件编号 and the 查询码 whatever the channel; the
business type (业务类型) chosen is kept and shown; an item below 三级 网办深度 is filed at a window only."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.test import Client

from tests.cases.conftest import APPLICANT, file
from tests.catalog.conftest import published
from yimen.cases.models import Case, Channel
from yimen.cases.services import intake
from yimen.catalog.models import ServiceItem
from yimen.core import events
from yimen.core.errors import ApplicationError
from yimen.core.models import SmsMessage

pytestmark = pytest.mark.django_db


def _texts() -> list[str]:
    events.run_once()
    return list(SmsMessage.objects.filter(template="case.submitted").values_list("text", flat=True))


def test_an_online_application_is_texted_its_number_and_query_code_at_once(licence, cast) -> None:
    case = intake.submit(item=licence, applicant=APPLICANT, channel=Channel.ONLINE)
    assert _texts() == [
        f"【咸宁市政务服务中心】您申请的食品经营许可证核发已收到，办件编号{case.number}，查询码{case.query_code}，"
        "凭编号和查询码可查询办理进度。"
    ]


def test_an_application_taken_at_a_window_is_texted_too(licence, cast) -> None:
    case = file(licence, cast)
    [text] = _texts()
    assert case.number in text and f"查询码{case.query_code}" in text


# --- 业务类型 -----------------------------------------------------------------------------------------


@pytest.fixture
def two_types(people) -> ServiceItem:
    version = published(people, basic_code="XK-3", business_types=["初次申领", "变更"])
    return ServiceItem.objects.select_related("current").get(pk=version.item_id)


def test_the_chosen_business_type_is_kept_on_the_case(two_types) -> None:
    chosen = replace(APPLICANT, business_type="变更")
    case = intake.submit(item=two_types, applicant=chosen, channel=Channel.ONLINE)
    assert Case.objects.get(pk=case.pk).business_type == "变更"


def test_an_item_with_several_business_types_needs_one_of_them(two_types) -> None:
    with pytest.raises(ApplicationError) as missing:
        intake.submit(item=two_types, applicant=APPLICANT, channel=Channel.ONLINE)
    assert missing.value.fields == {
        "business_type": ["业务类型：请选择本次办理的业务类型（该事项有：初次申领、变更）"]
    }
    with pytest.raises(ApplicationError) as unknown:
        intake.submit(
            item=two_types, applicant=replace(APPLICANT, business_type="注销"), channel=Channel.ONLINE
        )
    assert unknown.value.fields == {
        "business_type": ["业务类型：“注销”不是该事项的业务类型（可选：初次申领、变更）"]
    }
    assert not Case.objects.exists()


def test_an_item_with_one_business_type_files_every_case_under_it(licence) -> None:
    case = intake.submit(item=licence, applicant=APPLICANT, channel=Channel.ONLINE)
    assert case.business_type == "初次申领"


def test_the_business_type_is_shown_to_the_applicant_who_looks_the_case_up(client: Client, two_types) -> None:
    case = intake.submit(
        item=two_types, applicant=replace(APPLICANT, business_type="变更"), channel=Channel.ONLINE
    )
    page = client.post("/cases/", {"number": case.number, "code": case.query_code}).content.decode()
    assert '<dt>业务类型</dt><dd data-testid="business-type">变更</dd>' in page
    status = client.get(f"/api/v1/cases/{case.number}", {"code": case.query_code}).json()
    assert status["business_type"] == "变更"


def test_the_api_takes_the_business_type(client: Client, two_types) -> None:
    body = {"item": two_types.impl_code, "kind": "person", "name": "张三", "phone": "13812345678",
            "id_number": "11010519491231002X"}  # fmt: skip
    refused = client.post("/api/v1/cases", body, content_type="application/json")
    assert refused.status_code == 422 and "业务类型：请选择" in refused.json()["fields"]["business_type"][0]
    filed = client.post(
        "/api/v1/cases", {**body, "business_type": "初次申领"}, content_type="application/json"
    )
    assert filed.status_code == 201
    assert Case.objects.get(number=filed.json()["number"]).business_type == "初次申领"


# --- 网办深度 -----------------------------------------------------------------------------------------


@pytest.fixture
def window_only(people) -> ServiceItem:
    version = published(people, name="特种设备作业人员考核", basic_code="XK-2", online_depth="2")
    return ServiceItem.objects.select_related("current").get(pk=version.item_id)


WINDOW_ONLY = "事项“特种设备作业人员考核”的网办深度为“二级：表格下载”，低于三级（网上预审）的事项不受理网上申报，请到窗口办理"


def test_an_item_below_online_pre_review_is_not_filed_online_but_is_at_a_window(window_only, cast) -> None:
    with pytest.raises(ApplicationError) as refused:
        intake.submit(item=window_only, applicant=APPLICANT, channel=Channel.ONLINE)
    assert refused.value.fields == {"item": [WINDOW_ONLY]}
    assert not Case.objects.exists()
    assert file(window_only, cast).channel == Channel.WINDOW


def test_the_api_obeys_the_online_depth_too(client: Client, window_only) -> None:
    body = {"item": window_only.impl_code, "kind": "person", "name": "张三", "phone": "13812345678",
            "id_number": "11010519491231002X"}  # fmt: skip
    refused = client.post("/api/v1/cases", body, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["fields"] == {"item": [WINDOW_ONLY]}
    assert not Case.objects.exists()
