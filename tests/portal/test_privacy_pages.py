"""个人信息保护 on the portal: the notice with every item 个人信息保护法 第十七条 asks for, linked from inside
every form that collects personal data; the rights request filed, tracked and its copy downloaded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

import yimen
from tests.cases.conftest import APPLICANT, file
from tests.cases.test_evaluation import concluded
from yimen.cases.links import evaluation_path
from yimen.cases.services import steps
from yimen.privacy import services
from yimen.privacy.models import RequestState, RightKind, RightsRequest

pytestmark = pytest.mark.django_db

NOTICE = "/privacy/"
PERSONAL = re.compile(
    r'name="(name|applicant_name|id_number|phone|address|email|uscc|legal_representative|postcode|contact_person)"'
)
# Every POST form the portal's templates hold: collects personal data (its page is checked below for the
# notice link), or why it does not. A new form fails here until it is placed.
FORMS = {
    "portal/apply.html": "网上申办: applicant's name, ID number, phone, address",
    "portal/combined/apply.html": "网上申办一件事: applicant's name, ID number or credit code, phone, address",
    "portal/disclosure/apply.html": "依申请公开: applicant's name, ID number, phone, email, address",
    "portal/privacy/request.html": "个人信息权利申请: name, phone, ID number",
    "portal/evaluate/form.html": "no personal data: a level, ratings and a comment on a case",
    "portal/disclosure/status.html": "no personal data: the text of a 补正",
    "portal/_number_code_form.html": "no personal data: a number and its 查询码",
    "portal/apply_done.html": "no personal data: a number and its 查询码 (办件查询)",
    "portal/certificates/verify.html": "nothing kept but the verification's outcome: a certificate's identifier "
    "and 核验码, or its file, compared with the register and not stored",
    "portal/certificates/_proof.html": "持证人身份核验: ID number or 统一社会信用代码, phone, SMS code",
    "portal/certificates/mine.html": "no personal data: 退出 (forgets the holder's proof)",
    "portal/opendata/dataset.html": "数据开放申请: the contact person's name, phone and email "
    "(tests/opendata/test_applications.py checks its notice link)",
}


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def forms_of(html: str) -> list[str]:
    return re.findall(r"<form\b.*?</form>", html, re.S)


def test_every_post_form_of_the_portal_is_known() -> None:
    root = Path(yimen.__file__).resolve().parent / "portal" / "templates"
    found = {
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if re.search(r'<form[^>]*method="post"', path.read_text(encoding="utf-8"), re.I)
    }
    assert found == set(FORMS)


def test_every_form_that_collects_personal_data_links_the_notice_from_inside(
    client: Client, licence, cast
) -> None:
    pages = {
        "网上申办": f"/guide/{licence.impl_code}/apply/",
        "网上申办（法人）": f"/guide/{licence.impl_code}/apply/?kind=legal",
        "依申请公开": "/disclosure/",
        "个人信息权利申请": "/privacy/request/",
        "好差评": evaluation_path(concluded(licence, cast)),
    }
    collecting = []
    for label, url in pages.items():
        page = client.get(url)
        assert page.status_code == 200, label
        for form in forms_of(page.content.decode()):
            if PERSONAL.search(form):
                collecting.append(label)
                assert f'href="{NOTICE}"' in form, (
                    f"{label}: the form collects personal data but has no notice link"
                )
    assert collecting == ["网上申办", "网上申办（法人）", "依申请公开", "个人信息权利申请"]


def test_the_notice_says_what_article_17_asks_for(client: Client, cast) -> None:
    page = client.get(NOTICE)
    assert page.status_code == 200
    html = page.content.decode()
    shown = text(html)
    assert "咸宁市政务服务中心" in shown and "0715-8126517" in shown  # who, and how to reach them
    for heading in ("处理目的和法律依据", "处理的个人信息种类", "处理方式", "保存期限", "您的权利和行使方式"):
        assert heading in shown
    assert "第十三条第一款第三项" in shown and "第三十五条" in shown and "第三十六条" in shown
    assert "六个月" in shown and "档案" in shown
    assert 'href="/privacy/request/"' in html
    assert "收到申请之日起 15 个工作日内答复" in shown and "法律未规定具体期限" in shown
    with override_settings(YIMEN={**settings.YIMEN, "PRIVACY_RESPONSE_WORKDAYS": 10}):
        assert "收到申请之日起 10 个工作日内答复" in text(client.get(NOTICE).content.decode())


def test_every_portal_page_links_the_notice_in_its_footer(client: Client, cast) -> None:
    for url in ("/", "/cases/", "/disclosure/"):
        assert 'data-testid="footer-privacy"' in client.get(url).content.decode()


# --- the request on the portal ----------------------------------------------------------------------


def by_case(case, **changes: str) -> dict[str, str]:
    return {
        "kind": RightKind.ACCESS,
        "verification": "case_code",
        "case_number": case.number,
        "query_code": case.query_code,
        "name": "张三",
        "phone": "13812345678",
        "content": "请提供本办件登记的我的个人信息",
    } | changes


def test_a_request_is_filed_tracked_and_its_copy_downloaded(client: Client, licence, cast) -> None:
    case = steps.accept(case=file(licence, cast), by=cast.clerk)
    other = file(licence, cast)
    response = client.post("/privacy/request/", by_case(case))
    assert response.status_code == 302 and response["Location"] == "/privacy/request/received/"
    filed = RightsRequest.objects.get()
    receipt = text(client.get("/privacy/request/received/").content.decode())
    assert filed.number in receipt and filed.query_code in receipt and filed.due_on.isoformat() in receipt

    services.provide_copy(request=services.accept(request=filed, by=cast.reviewer), by=cast.reviewer)
    stranger = Client()
    assert stranger.get(f"/privacy/track/{filed.number}/copy.json")["Location"] == "/privacy/track/"
    opened = stranger.post("/privacy/track/", {"number": filed.number, "code": filed.query_code})
    assert opened["Location"] == f"/privacy/track/{filed.number}/"
    status = text(stranger.get(opened["Location"]).content.decode())
    assert "已答复" in status and "已提供查阅、复制" in status
    download = stranger.get(f"/privacy/track/{filed.number}/copy.json")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]
    copy = json.loads(download.content)
    assert [c["办件编号"] for c in copy["办件"]] == [case.number]
    assert copy["办件"][0]["公民身份号码"] == APPLICANT.id_number
    assert other.number not in download.content.decode()


def test_bad_input_is_answered_in_chinese_next_to_its_field(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    response = client.post("/privacy/request/", by_case(case, phone="123", content=""))
    assert response.status_code == 422
    page = response.content.decode()
    assert "联系电话：应为11位手机号码，用于告知办理结果" in page
    assert "申请内容：必填" in page
    assert not RightsRequest.objects.exists()


def test_wrong_codes_ask_for_the_phone_tail_and_then_spend_the_address(client: Client, licence, cast) -> None:
    """As 办件查询 (core.throttle): a case number that failed 5 times asks for its phone's last four digits,
    so its owner still gets in; an address that failed 10 times is refused, the right code included."""
    case = file(licence, cast)
    wrong = "000000" if case.query_code != "000000" else "111111"
    for _ in range(5):
        response = client.post("/privacy/request/", by_case(case, query_code=wrong))
        assert response.status_code == 422 and "身份核验未通过" in response.content.decode()
    asked = client.post("/privacy/request/", by_case(case))
    assert asked.status_code == 403 and "请同时填写登记的手机号码后四位" in asked.content.decode()
    owner = Client()
    assert owner.post("/privacy/request/", by_case(case, phone_tail="0000")).status_code == 422
    assert owner.post("/privacy/request/", by_case(case, phone_tail="5678")).status_code == 302
    assert RightsRequest.objects.count() == 1
    for _ in range(4):
        client.post("/privacy/request/", by_case(case, query_code=wrong, phone_tail="5678"))
    spent = client.post("/privacy/request/", by_case(case, phone_tail="5678"))
    assert spent.status_code == 429 and "尝试次数过多" in spent.content.decode()
    assert RightsRequest.objects.count() == 1


def test_an_id_number_that_failed_often_rests(client: Client, licence, cast) -> None:
    file(licence, cast)
    fields = {
        "kind": RightKind.ACCESS,
        "verification": "id_phone",
        "organisation": str(cast.market.pk),
        "id_number": APPLICANT.id_number,
        "name": "张三",
        "phone": "13812345678",
        "content": "查阅",
    }
    for tail in ("0001", "0002", "0003", "0004", "0005"):
        assert Client().post("/privacy/request/", fields | {"phone_tail": tail}).status_code == 422
    rested = Client().post("/privacy/request/", fields | {"phone_tail": "5678"})
    assert rested.status_code == 429 and "改用办件编号和查询码核验" in rested.content.decode()
    assert not RightsRequest.objects.exists()


def test_the_id_number_and_phone_tail_prove_identity_for_a_chosen_organisation(
    client: Client, licence, cast
) -> None:
    file(licence, cast)
    fields = {
        "kind": RightKind.CORRECT,
        "verification": "id_phone",
        "organisation": str(cast.market.pk),
        "id_number": APPLICANT.id_number,
        "phone_tail": "5678",
        "name": "张三",
        "phone": "13812345678",
        "content": "联系地址改为咸宁市咸安区温泉路 2 号",
    }
    assert client.post("/privacy/request/", fields | {"phone_tail": "1234"}).status_code == 422
    assert client.post("/privacy/request/", fields).status_code == 302
    filed = RightsRequest.objects.get()
    assert (filed.organisation, filed.kind, filed.state) == (
        cast.market,
        RightKind.CORRECT,
        RequestState.RECEIVED,
    )


def test_tracking_asks_for_the_phone_tail_after_wrong_codes(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    client.post("/privacy/request/", by_case(case))
    filed = RightsRequest.objects.get()
    wrong = "000000" if filed.query_code != "000000" else "111111"
    stranger = Client()
    for _ in range(5):
        assert (
            "申请编号或查询码不正确"
            in stranger.post("/privacy/track/", {"number": filed.number, "code": wrong}).content.decode()
        )
    asked = Client().post("/privacy/track/", {"number": filed.number, "code": filed.query_code})
    assert asked.status_code == 403 and 'name="tail"' in asked.content.decode()
    owner = Client().post(
        "/privacy/track/", {"number": filed.number, "code": filed.query_code, "tail": "5678"}
    )
    assert owner["Location"] == f"/privacy/track/{filed.number}/"
