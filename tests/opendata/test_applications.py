"""Applications to 有条件开放 data sets: filed on the data set's page (budgeted, personal data sealed and
never audited), approved with a key for the approved data sets or refused with a reason; every refusal
in Chinese naming the field and the rule, changing nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from tests.conftest import make_staff
from tests.opendata.conftest import APPLICANT, PURPOSE, application, dataset
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.opendata import services
from yimen.opendata.models import AccessApplication, ApplicationState, Openness, SourceCode
from yimen.org import services as org_services
from yimen.org.models import ApiKey, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(licence, cast):
    return dataset(
        cast, title="各单位月度好差评统计", source=SourceCode.EVALUATIONS, openness=Openness.CONDITIONAL
    )


def form(found, **changes: str) -> dict[str, str]:
    return {
        "datasets": str(found.pk),
        "organisation": APPLICANT.organisation,
        "uscc": "",
        "contact_person": APPLICANT.contact_person,
        "phone": APPLICANT.phone,
        "email": APPLICANT.email,
        "purpose": PURPOSE,
    } | changes


def apply_url(found) -> str:
    return f"/opendata/datasets/{found.pk}/apply/"


def later(days: int = 30):
    return timezone.localdate() + timedelta(days=days)


# --- on the portal --------------------------------------------------------------------------------------


def test_the_page_of_a_conditional_data_set_offers_the_form_with_the_privacy_notice(restricted, cast) -> None:
    page = Client().get(f"/opendata/datasets/{restricted.pk}/").content.decode()
    assert 'data-testid="opendata-application-form"' in page
    form_html = page[page.index("<form") : page.index("</form>")]
    assert 'name="contact_person"' in form_html and 'name="phone"' in form_html
    assert 'href="/privacy/"' in form_html
    assert (
        'data-testid="opendata-application-form"'
        not in Client().get(f"/opendata/datasets/{dataset(cast).pk}/").content.decode()
    )


def test_an_application_is_filed_and_its_receipt_shown_to_its_browser(restricted) -> None:
    client = Client()
    response = client.post(apply_url(restricted), form(restricted))
    assert response.status_code == 302
    assert response["Location"] == f"/opendata/datasets/{restricted.pk}/apply/received/"
    filed = AccessApplication.objects.get()
    receipt = client.get(response["Location"]).content.decode()
    assert filed.number in receipt and "咸宁市人民政府" in receipt and restricted.identifier in receipt
    assert (filed.state, filed.publisher_id, filed.phone) == (
        ApplicationState.SUBMITTED,
        restricted.publisher_id,
        "13900001234",
    )
    # Another browser sees no receipt.
    assert Client().get(response["Location"])["Location"] == f"/opendata/datasets/{restricted.pk}/"
    # The phone is sealed at rest, and the audit log keeps no contact details.
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM opendata_accessapplication")
        assert "13900001234" not in cursor.fetchone()[0]
    entry = AuditEntry.objects.get(action="opendata.application_filed")
    assert "13900001234" not in str(entry.summary) and "林研究" not in str(entry.summary)
    assert OutboxMessage.objects.filter(name="opendata.application_filed").count() == 1


def test_bad_input_is_answered_next_to_its_field_and_files_nothing(restricted) -> None:
    response = Client().post(
        apply_url(restricted),
        form(restricted, organisation="", phone="12345", purpose="", uscc="9135", email="not-mail"),
    )
    assert response.status_code == 422
    page = response.content.decode()
    for message in (
        "申请单位：必填",
        "联系电话：应为11位手机号码或带区号的固定电话",
        "数据用途：必填",
        "统一社会信用代码应为18位",
        "电子邮箱：格式不正确",
    ):
        assert message in page
    assert not AccessApplication.objects.exists()


def test_only_published_conditional_data_sets_of_one_provider_are_applied_for(restricted, cast) -> None:
    police = dataset(
        cast,
        title="公安窗口统计",
        publisher=cast.police,
        source=SourceCode.WINDOWS,
        openness=Openness.CONDITIONAL,
    )
    with pytest.raises(ApplicationError) as caught:
        application(restricted, police)
    assert caught.value.fields == {"datasets": ["申请的数据集：一次申请只能选择同一数据提供方的数据集"]}
    with pytest.raises(ApplicationError, match="请选择已发布的有条件开放数据集"):
        application(dataset(cast))
    with pytest.raises(ApplicationError, match="请选择已发布的有条件开放数据集"):
        services.file_application(datasets=[], applicant=APPLICANT, purpose=PURPOSE)
    open_one = dataset(cast, title="事项")
    assert Client().post(apply_url(open_one), form(open_one)).status_code == 404
    # The form offers only the provider's conditional data sets: another's is an invalid choice.
    response = Client().post(apply_url(restricted), form(restricted, datasets=str(police.pk)))
    assert response.status_code == 422 and "申请的数据集：请从列出的数据集中选择" in response.content.decode()
    assert not AccessApplication.objects.exists()


@override_settings(YIMEN={**settings.YIMEN, "APPLY_SUBMISSIONS_PER_HOUR": 2})
def test_applications_are_budgeted_per_address(restricted) -> None:
    client = Client()
    assert client.post(apply_url(restricted), form(restricted, phone="")).status_code == 422  # not counted
    for _ in range(2):
        assert client.post(apply_url(restricted), form(restricted)).status_code == 302
    refused = client.post(apply_url(restricted), form(restricted))
    assert refused.status_code == 429 and "1小时内提交的申请已达上限" in refused.content.decode()
    assert AccessApplication.objects.count() == 2


# --- the decision ---------------------------------------------------------------------------------------


def test_approval_issues_a_key_for_the_approved_data_sets_once(restricted, cast) -> None:
    asked = application(restricted)
    approved, plain = services.approve(
        application=asked, by=cast.admin, datasets=[restricted], expires_on=later()
    )
    assert approved.state == ApplicationState.APPROVED and list(approved.approved.all()) == [restricted]
    key = ApiKey.objects.get()
    assert approved.api_key == key and plain.startswith(f"ym_{key.key_id}_")
    assert timezone.localtime(key.expires_at).date() == later()
    assert plain not in str(list(AuditEntry.objects.values_list("summary", flat=True)))
    entry = AuditEntry.objects.get(action="opendata.application_approved")
    assert entry.summary["after"]["datasets"] == [restricted.identifier]
    assert entry.summary["after"]["key"] == key.key_id
    assert AuditEntry.objects.filter(action="apikey.issued").count() == 1
    decided = OutboxMessage.objects.get(name="opendata.application_decided")
    assert decided.payload["state"] == "approved" and decided.payload["datasets"] == [restricted.identifier]
    with pytest.raises(TransitionError, match="申请当前为“已批准”，不能批准"):
        services.approve(application=asked, by=cast.admin, datasets=[restricted], expires_on=later())
    assert ApiKey.objects.count() == 1


def test_an_approval_is_refused_in_chinese_naming_the_field(restricted, cast) -> None:
    other = dataset(cast, title="办件统计", source=SourceCode.CASE_STATS, openness=Openness.CONDITIONAL)
    asked = application(restricted)
    for datasets, expires_on, field, message in (
        ([], later(), "datasets", "批准的数据集：至少选择一个，且只能从申请的数据集中选择"),
        ([other], later(), "datasets", "批准的数据集：至少选择一个，且只能从申请的数据集中选择"),
        ([restricted], timezone.localdate(), "expires_on", "密钥有效期至：应晚于今天，且不超过365天"),
        ([restricted], later(400), "expires_on", "密钥有效期至：应晚于今天，且不超过365天"),
    ):
        with pytest.raises(ApplicationError) as caught:
            services.approve(application=asked, by=cast.admin, datasets=datasets, expires_on=expires_on)
        assert caught.value.status == 422 and caught.value.fields == {field: [message]}
    asked.refresh_from_db()
    assert asked.state == ApplicationState.SUBMITTED and not ApiKey.objects.exists()


def test_a_refusal_keeps_its_reason(restricted, cast) -> None:
    asked = application(restricted)
    with pytest.raises(ApplicationError) as caught:
        services.refuse(application=asked, by=cast.admin, reason="  ")
    assert caught.value.fields == {"reason": ["不予批准的理由：必填"]}
    refused = services.refuse(application=asked, by=cast.admin, reason="用途与数据集的开放范围不符")
    assert (refused.state, refused.reason, refused.decided_by) == (
        ApplicationState.REFUSED,
        "用途与数据集的开放范围不符",
        cast.admin,
    )
    assert AuditEntry.objects.get(action="opendata.application_refused").summary["after"]["reason"] == (
        "用途与数据集的开放范围不符"
    )
    with pytest.raises(TransitionError, match="申请当前为“不予批准”，不能批准"):
        services.approve(application=asked, by=cast.admin, datasets=[restricted], expires_on=later())
    assert not ApiKey.objects.exists()


def test_only_the_providers_administrator_decides(restricted, cast, police_admin) -> None:
    asked = application(restricted)
    for who in (police_admin, cast.supervisor, cast.clerk):
        with pytest.raises(NotPermitted):
            services.approve(application=asked, by=who, datasets=[restricted], expires_on=later())
        with pytest.raises(NotPermitted):
            services.refuse(application=asked, by=who, reason="不行")
    asked.refresh_from_db()
    assert asked.state == ApplicationState.SUBMITTED and not ApiKey.objects.exists()


def test_a_contact_phone_may_be_a_landline(restricted) -> None:
    filed = services.file_application(
        datasets=[restricted], applicant=replace(APPLICANT, phone="0715-8123456"), purpose=PURPOSE
    )
    assert filed.phone == "0715-8123456"


def test_the_open_data_key_is_issued_only_by_the_providers_administrator(cast) -> None:
    security = make_staff("security", "陈安全", cast.centre, (Role.SECURITY_ADMIN, cast.government))
    expires = timezone.now() + timedelta(days=30)
    for who in (security, cast.officer):
        with pytest.raises(NotPermitted, match="只有数据提供方的系统管理员可以签发数据开放接口密钥"):
            org_services.issue_open_data_key(
                name="研究", organisation=cast.government, expires_at=expires, by=who
            )
    with pytest.raises(ApplicationError) as caught:
        org_services.issue_open_data_key(
            name="研究", organisation=cast.government, expires_at=expires + timedelta(days=400), by=cast.admin
        )
    assert caught.value.fields == {"expires_at": ["有效期至：应晚于现在，且不超过366天"]}
    assert not ApiKey.objects.exists()


def test_contact_data_past_the_retention_is_blanked_unless_the_key_is_live(restricted, cast) -> None:
    from yimen.core.people import ERASED_NAME

    refused = services.refuse(application=application(restricted), by=cast.admin, reason="用途不符")
    approved = application(restricted)
    services.approve(application=approved, by=cast.admin, datasets=[restricted], expires_on=later(300))
    recent = services.refuse(application=application(restricted), by=cast.admin, reason="用途不符")
    four_years_ago = timezone.now() - timedelta(days=4 * 366)
    AccessApplication.objects.filter(pk__in=[refused.pk, approved.pk]).update(decided_at=four_years_ago)
    assert services.purge_applications(today=timezone.localdate()) == 1
    refused.refresh_from_db()
    assert (refused.contact_person, refused.phone, refused.email) == (ERASED_NAME, "", "")
    assert refused.purpose == PURPOSE and refused.reason == "用途不符"  # the record of the decision stays
    for kept in (approved, recent):
        kept.refresh_from_db()
        assert kept.contact_person == APPLICANT.contact_person and kept.phone == APPLICANT.phone
    assert AuditEntry.objects.filter(action="opendata.application_purged").count() == 1
    assert services.purge_applications(today=timezone.localdate()) == 0
