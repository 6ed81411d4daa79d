"""Filing a request: the portal's online form with its receipt (number, 查询码, receipt day, deadline),
and the officer's counter entry for every other channel, each with the receipt date 条例第三十一条 gives."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.disclosure.conftest import person
from yimen.core import calendar
from yimen.disclosure.models import ApplicantType, Channel, DisclosureRequest, RequestEvent

pytestmark = pytest.mark.django_db


def signed_in(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


# --- the portal ----------------------------------------------------------------------------------------


def test_the_portal_navigation_offers_disclosure_requests(client: Client, cast) -> None:
    page = client.get("/").content.decode()
    assert '<a href="/disclosure/"' in page and "依申请公开" in page


def test_an_online_request_gets_a_receipt_with_number_code_receipt_day_and_deadline(
    client: Client, cast
) -> None:
    response = client.post("/disclosure/", person(organisation=cast.centre.pk))

    assert response.status_code == 302 and response["Location"] == "/disclosure/received/"
    filed = DisclosureRequest.objects.get()
    today = timezone.localdate()
    received = today if calendar.is_workday(today) else calendar.add_workdays(today, 1).date
    assert (filed.channel, filed.received_on, filed.created_by) == (Channel.ONLINE, received, None)
    assert filed.due_on == calendar.add_workdays(received, 20).date
    receipt = client.get("/disclosure/received/").content.decode()
    assert filed.number in receipt and filed.query_code in receipt
    assert f'data-testid="received-on">{received:%Y-%m-%d}<' in receipt
    assert f"{filed.due_on:%Y-%m-%d}" in receipt and "张*" in receipt and "11010519491231002X" not in receipt


def test_an_organisation_asks_with_its_credit_code_and_is_counted_by_its_kind(client: Client, cast) -> None:
    company = person(
        organisation=cast.centre.pk,
        applicant_type="legal_service",
        applicant_name="湖北咸宁某律师事务所",
        id_number="",
        uscc="91350100M000100Y43",
        legal_representative="李四",
        contact_person="王五",
    )
    assert client.post("/disclosure/", company).status_code == 302
    filed = DisclosureRequest.objects.get()
    assert (filed.applicant_type, filed.uscc, filed.id_number) == (
        ApplicantType.LEGAL_SERVICE,
        "91350100M000100Y43",
        "",
    )


def test_a_wrong_id_number_is_refused_next_to_its_field_and_nothing_is_filed(client: Client, cast) -> None:
    response = client.post(
        "/disclosure/", person(organisation=cast.centre.pk, id_number="110105194912310021")
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="error-id_number"' in page and "公民身份号码" in page
    assert not DisclosureRequest.objects.exists()


def test_an_organisation_without_credit_code_or_representative_is_told_both(client: Client, cast) -> None:
    data = person(
        organisation=cast.centre.pk, applicant_type="business", applicant_name="某公司", id_number=""
    )
    response = client.post("/disclosure/", data)

    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="error-uscc"' in page and 'data-testid="error-legal_representative"' in page
    assert not DisclosureRequest.objects.exists()


def test_blank_form_names_every_missing_field(client: Client, cast) -> None:
    response = client.post("/disclosure/", {"organisation": cast.centre.pk})

    page = response.content.decode()
    assert response.status_code == 422
    for message in ("申请人姓名或名称：必填", "联系电话：必填", "所需政府信息的名称、文号或特征性描述：必填"):
        assert message in page


def test_the_form_proposes_the_centre_when_the_applicant_does_not_know_whom_to_ask(
    client: Client, cast
) -> None:
    page = client.get("/disclosure/").content.decode()
    assert f'<option value="{cast.centre.pk}" selected>咸宁市政务服务中心</option>' in page


def test_the_same_form_sent_twice_files_one_request(client: Client, cast) -> None:
    data = person(organisation=cast.centre.pk)
    first, again = client.post("/disclosure/", data), client.post("/disclosure/", data)
    assert first["Location"] == again["Location"] == "/disclosure/received/"
    assert DisclosureRequest.objects.count() == 1
    client.post("/disclosure/", data | {"description": "另一份文件"})
    assert DisclosureRequest.objects.count() == 2


@override_settings(YIMEN={**settings.YIMEN, "APPLY_SUBMISSIONS_PER_HOUR": 2})
def test_one_address_files_at_most_the_hourly_limit_of_online_submissions(client: Client, cast) -> None:
    for topic in ("甲", "乙"):
        assert (
            client.post("/disclosure/", person(organisation=cast.centre.pk, description=topic)).status_code
            == 302
        )
    response = client.post("/disclosure/", person(organisation=cast.centre.pk, description="丙"))
    assert response.status_code == 429 and "1小时内提交的申请已达上限" in response.content.decode()
    assert DisclosureRequest.objects.count() == 2


def test_the_receipt_page_is_only_for_the_browser_that_filed(client: Client, cast) -> None:
    assert client.post("/disclosure/", person(organisation=cast.centre.pk)).status_code == 302
    stranger = Client()
    assert stranger.get("/disclosure/received/")["Location"] == "/disclosure/"


# --- the counter ---------------------------------------------------------------------------------------


def counter(**changes: Any) -> dict[str, Any]:
    return person(channel="in_person", submitted_on="2024-09-27", signed_on="", confirmed_on="") | changes


def test_a_registered_letter_is_received_on_the_day_it_was_signed_for(client: Client, cast) -> None:
    """第三十一条第（二）项. Posted 2024-09-27, signed for 2024-10-08 after 国庆: the 20 working days run
    from 10-09, the Saturday 10-12 being a 调休 working day, to 2024-11-04."""
    signed_in(client, "officer")
    data = counter(organisation=cast.centre.pk, channel="registered_mail", signed_on="2024-10-08")
    response = client.post("/office/disclosure/new/", data)

    filed = DisclosureRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/office/disclosure/{filed.pk}/"
    assert (filed.submitted_on, filed.received_on, filed.due_on) == (
        date(2024, 9, 27),
        date(2024, 10, 8),
        date(2024, 11, 4),
    )
    assert filed.created_by == cast.officer
    page = client.get(response["Location"]).content.decode()
    assert filed.query_code in page and "条例第三十一条第（二）项" in page


def test_an_oral_request_is_written_down_and_received_the_day_it_is_made(client: Client, cast) -> None:
    signed_in(client, "officer")
    client.post("/office/disclosure/new/", counter(organisation=cast.centre.pk, channel="oral"))
    filed = DisclosureRequest.objects.get()
    assert (filed.channel, filed.received_on, filed.due_on) == (
        Channel.ORAL,
        date(2024, 9, 27),
        date(2024, 10, 30),
    )
    event = RequestEvent.objects.get(request=filed, kind="received")
    assert "口头提出" in event.note


def test_ordinary_mail_needs_the_day_the_office_confirmed_it(client: Client, cast) -> None:
    signed_in(client, "officer")
    response = client.post(
        "/office/disclosure/new/", counter(organisation=cast.centre.pk, channel="ordinary_mail")
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="error-confirmed_on"' in page and "确认之日" in page
    assert not DisclosureRequest.objects.exists()


def test_a_fax_confirmed_on_monday_is_received_on_monday(client: Client, cast) -> None:
    signed_in(client, "officer")
    data = counter(
        organisation=cast.centre.pk, channel="fax", submitted_on="2024-03-02", confirmed_on="2024-03-04"
    )
    client.post("/office/disclosure/new/", data)
    filed = DisclosureRequest.objects.get()
    assert filed.received_on == date(2024, 3, 4)
    assert filed.due_on == calendar.add_workdays(date(2024, 3, 4), 20).date == date(2024, 4, 1)


def test_the_counter_offers_only_the_organisations_the_officer_handles(client: Client, cast) -> None:
    signed_in(client, "officer")
    response = client.post("/office/disclosure/new/", counter(organisation=cast.police.pk))
    assert response.status_code == 422
    assert 'data-testid="error-organisation"' in response.content.decode()


def test_a_clerk_without_the_disclosure_role_cannot_open_the_counter(client: Client, cast) -> None:
    signed_in(client, "clerk")
    assert client.get("/office/disclosure/new/").status_code == 403
    assert client.get("/office/disclosure/").status_code == 403


def test_the_office_home_links_the_desk_for_the_officer(client: Client, cast) -> None:
    signed_in(client, "officer")
    assert 'href="/office/disclosure/"' in client.get("/office/").content.decode()
