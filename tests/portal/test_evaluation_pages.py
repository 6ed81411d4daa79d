"""好差评 on the web: the form an SMS link opens for anyone holding it, the public statistics, and the
office's 差评整改工单 pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.cases import conftest as cases
from tests.cases.conftest import APPLICANT, local
from tests.cases.test_evaluation import concluded, rated
from tests.conftest import make_staff
from yimen.cases.links import evaluation_path
from yimen.cases.models import Channel, Evaluation, Level, WorkOrder, WorkOrderState
from yimen.cases.services import evaluations, intake, steps
from yimen.org.models import Role

licence = cases.licence  # the fixture, as tests/cases/ has it
pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    """What a reader sees: tags dropped, white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def row(html: str, table: str, first_cell: str) -> str:
    body = re.search(rf'data-testid="{table}".*?</table>', html, re.S)
    assert body, table
    for found in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(0), re.S):
        if text(found).startswith(first_cell):
            return text(found)
    raise AssertionError(f"{first_cell} not in {table}")


# --- the evaluation form -----------------------------------------------------------------------------


def test_the_sms_link_opens_the_form_for_an_anonymous_visitor(licence, cast) -> None:
    case = concluded(licence, cast)
    page = Client().get(evaluation_path(case))
    assert page.status_code == 200
    shown = text(page.content.decode())
    assert "食品经营许可证核发" in shown and case.number in shown and "申请人 张*" in shown
    assert "张三" not in shown and "13812345678" not in shown and "11010519491231002X" not in shown
    assert "非常满意 满意 基本满意 不满意 非常不满意" in shown
    assert all(label in shown for label in ["服务效率", "服务水平", "服务态度"])
    assert "平台操作性" not in shown


def test_an_online_case_is_asked_about_the_online_indicators(licence, cast) -> None:
    shown = text(
        Client().get(evaluation_path(concluded(licence, cast, channel=Channel.ONLINE))).content.decode()
    )
    assert all(label in shown for label in ["办事效率", "办事指南精确度", "办事便捷度", "平台操作性"])
    assert "服务态度" not in shown


def test_the_applicant_submits_an_evaluation_and_a_bad_one_opens_a_work_order(licence, cast) -> None:
    case = concluded(licence, cast)
    form = {"level": "1", "indicator_attitude": "1", "indicator_efficiency": "", "comment": "让我跑了三次"}
    page = Client().post(evaluation_path(case), form)
    assert page.status_code == 200
    assert "感谢您的评价 " in text(page.content.decode()) and "您的评价已提交： 非常不满意" in text(
        page.content.decode()
    )
    evaluation = Evaluation.objects.get(case=case)
    assert evaluation.indicators == {"overall": 1, "attitude": 1} and evaluation.comment == "让我跑了三次"
    assert evaluation.work_order.state == WorkOrderState.OPEN


def test_a_form_without_a_level_says_which_field(licence, cast) -> None:
    case = concluded(licence, cast)
    page = Client().post(evaluation_path(case), {"indicator_attitude": "9", "comment": "x"})
    assert page.status_code == 422
    shown = text(page.content.decode())
    assert "整体满意度：请选择一项" in shown and "服务态度：请从五个等级中选择一项" in shown
    assert not Evaluation.objects.exists()


def test_an_evaluated_case_shows_a_friendly_page_instead_of_the_form(licence, cast) -> None:
    case = concluded(licence, cast)
    evaluations.evaluate(case=case, level=Level.SATISFIED, channel=Channel.WINDOW)
    for response in (
        Client().get(evaluation_path(case)),
        Client().post(evaluation_path(case), {"level": "1"}),
    ):
        assert response.status_code == 200
        shown = text(response.content.decode())
        assert "该办件已评价" in shown and "满意" in shown and 'name="level"' not in response.content.decode()
    assert Evaluation.objects.get(case=case).level == Level.SATISFIED


def test_a_case_not_yet_concluded_cannot_be_evaluated(licence, cast) -> None:
    filed = intake.submit(item=licence, applicant=APPLICANT, channel=Channel.ONLINE)
    case = steps.accept(case=filed, by=cast.clerk)
    page = Client().post(evaluation_path(case), {"level": "5"})
    assert page.status_code == 409 and "办件办结后才能评价" in text(page.content.decode())
    assert not Evaluation.objects.exists()


def test_a_forged_or_altered_link_is_not_found(licence, cast) -> None:
    path = evaluation_path(concluded(licence, cast))
    token = path.rstrip("/").rsplit("/", 1)[1]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (f"/evaluate/{altered}/", "/evaluate/eyJudW1iZXIiOiIxIn0:1abc:forged/"):
        assert Client().get(bad).status_code == 404
        assert Client().post(bad, {"level": "1"}).status_code == 404
    assert not Evaluation.objects.exists()


# --- the public statistics ----------------------------------------------------------------------------


def test_the_public_statistics_show_both_rates_per_organisation_and_window_without_personal_data(
    licence, cast
) -> None:
    given = rated(licence, cast, Level.VERY_SATISFIED, Level.SATISFIED, Level.DISSATISFIED, 1)
    order = given[2].work_order
    evaluations.reply(order=order, by=cast.reviewer, reply="已整改。", at=local(2024, 10, 8, 10))
    evaluations.close(order=order, by=cast.reviewer)
    page = Client().get("/evaluate/stats/", {"start": "2024-09-01", "end": "2024-12-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert row(html, "by-organisation", "咸宁市市场监督管理局") == (
        "咸宁市市场监督管理局 4 1 1 0 1 1 50.0% 2 2 1 50.0%"
    )
    assert row(html, "by-window", "B012 市场监管窗口") == "B012 市场监管窗口 4 1 1 0 1 1 50.0% 2 2 1 50.0%"
    shown = text(html)
    assert "满意率 = （非常满意 + 满意 + 基本满意）评价数 ÷ 评价总数" in shown
    assert "整改期限为评价次日起 15 个工作日" in shown
    for private in ("张三", "张*", "13812345678", "138****5678", "11010519491231002X", "已整改"):
        assert private not in shown
    empty = text(Client().get("/evaluate/stats/", {"start": "2030-01-01", "end": "bad"}).content.decode())
    assert "截止日期：应为 年-月-日" in empty


# --- the office --------------------------------------------------------------------------------------


def signed_in(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def test_the_office_lists_its_orders_and_flags_the_overdue_ones(licence, cast) -> None:
    [late] = rated(licence, cast, Level.VERY_DISSATISFIED)
    page = signed_in(cast.reviewer).get("/office/workorders/")
    assert page.status_code == 200
    listed = row(page.content.decode(), "work-orders", str(late.work_order.pk))
    assert (
        late.case.number in listed
        and "非常不满意" in listed
        and "2024-10-23" in listed
        and "已超期" in listed
    )
    police = make_staff("police_reviewer", "周公安", cast.police, (Role.REVIEWER, cast.police))
    assert late.case.number not in signed_in(police).get("/office/workorders/").content.decode()
    assert signed_in(police).get(f"/office/workorders/{late.work_order.pk}/").status_code == 404
    assert signed_in(cast.clerk).get("/office/workorders/").status_code == 403
    overdue = signed_in(cast.supervisor).get("/office/workorders/overdue/")
    assert late.case.number in overdue.content.decode()
    assert signed_in(cast.reviewer).get("/office/workorders/overdue/").status_code == 403


def test_the_office_assigns_answers_and_closes_an_order(licence, cast) -> None:
    [evaluation] = rated(licence, cast, Level.DISSATISFIED)
    pk, client = evaluation.work_order.pk, signed_in(cast.reviewer)
    detail = text(client.get(f"/office/workorders/{pk}/").content.decode())
    assert "张三（13812345678，供回访核实）" in detail and "整改期限 2024-10-23 23:59" in detail
    refused = client.post(f"/office/workorders/{pk}/close/")
    assert refused.status_code == 409 and "须先答复申请人" in text(refused.content.decode())
    missing = client.post(f"/office/workorders/{pk}/reply/", {"findings": "已核实", "reply": ""})
    assert missing.status_code == 422 and "答复申请人：必填，将告知申请人" in text(missing.content.decode())
    assert client.post(f"/office/workorders/{pk}/assign/", {"owner": cast.reviewer.pk}).status_code == 302
    answered = client.post(
        f"/office/workorders/{pk}/reply/", {"findings": "已核实", "reply": "已约谈窗口人员。"}, follow=True
    )
    shown = text(answered.content.decode())
    assert "已答复申请人" in shown and "已约谈窗口人员。" in shown and "责任人 王审批" in shown
    closed = text(client.post(f"/office/workorders/{pk}/close/", follow=True).content.decode())
    assert "工单已办结。" in closed and f"差评整改工单 {pk} 已办结" in closed


def test_someone_who_may_only_watch_cannot_act_on_an_order(licence, cast) -> None:
    [evaluation] = rated(licence, cast, Level.DISSATISFIED)
    pk = evaluation.work_order.pk
    admin = signed_in(cast.admin)  # 监察 reach (supervision.view) without workorder.handle
    assert admin.get(f"/office/workorders/{pk}/").status_code == 200
    refused = admin.post(f"/office/workorders/{pk}/reply/", {"reply": "越权答复"})
    assert refused.status_code == 403 and "您无权处理该差评整改工单" in text(refused.content.decode())
    assert WorkOrder.objects.get(pk=pk).state == WorkOrderState.OPEN
