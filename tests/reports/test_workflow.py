"""草稿 → 待审核 → 已发布: the officer submits, the head of the OGI office returns or publishes; publishing makes
a publication in the 年度报告 node with the PDF and Word files, and freezes the figures."""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports.conftest import make_request
from tests.reports.test_office_pages import signed_in, started
from yimen.core.errors import NotPermitted, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.disclosure.models import ApplicantType, Outcome
from yimen.publishing.models import Kind, PublicationState
from yimen.reports import services
from yimen.reports.models import AnnualReport, ReportState

pytestmark = pytest.mark.django_db


def in_review(cast) -> AnnualReport:
    return services.submit_for_review(report=started(cast), by=cast.officer)


def test_the_officer_submits_and_the_head_publishes(requests, cast) -> None:
    report = started(cast)
    officer, head = signed_in("officer"), signed_in("head")
    assert (
        officer.post(
            f"/office/reports/{report.pk}/submit/", {"lock_version": report.lock_version}
        ).status_code
        == 302
    )
    report.refresh_from_db()
    assert report.state == ReportState.REVIEW
    response = head.post(f"/office/reports/{report.pk}/publish/", {"lock_version": report.lock_version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.PUBLISHED and report.published_at is not None
    publication = report.publication
    assert publication is not None
    assert (publication.node.code, publication.kind, publication.state) == (
        "ndbg",
        Kind.ANNUAL_REPORT,
        PublicationState.PUBLISHED,
    )
    assert publication.title == "咸宁市政务服务中心2023年政府信息公开工作年度报告"
    assert publication.index_number
    assert "（七）总计" in publication.body and 'rowspan="22"' in publication.body
    assert sorted(a.name.rsplit(".", 1)[1] for a in publication.attachments.all()) == ["docx", "pdf"]
    assert (
        report.figures["三、收到和处理政府信息公开申请情况"]["一、本年新收政府信息公开申请数量"]["总计"] == 8
    )
    assert AuditEntry.objects.filter(action="reports.published", object_id=str(report.pk)).exists()
    assert OutboxMessage.objects.filter(name="report.published").exists()
    assert "已发布" in head.get(f"/office/reports/{report.pk}/").content.decode()


def test_a_published_report_keeps_its_figures_when_records_change(requests, cast) -> None:
    report = services.approve_and_publish(report=in_review(cast), by=cast.head)
    make_request(
        cast.centre, "Z", ApplicantType.NATURAL, date(2023, 6, 1), date(2023, 6, 5), Outcome.DISCLOSED
    )
    html = signed_in("officer").get(f"/office/reports/{report.pk}/").content.decode()
    assert "全年新收政府信息公开申请8件" in html  # as published, not 9


def test_the_officer_cannot_publish_and_the_head_returns_with_a_reason(requests, cast) -> None:
    report = in_review(cast)
    refused = signed_in("officer").post(f"/office/reports/{report.pk}/publish/", {})
    assert refused.status_code == 403 and "您没有审核发布该机构年度报告的权限" in refused.content.decode()
    head = signed_in("head")
    no_reason = head.post(f"/office/reports/{report.pk}/return/", {"reason": ""})
    assert no_reason.status_code == 422 and "退回理由：必填" in no_reason.content.decode()
    assert (
        head.post(f"/office/reports/{report.pk}/return/", {"reason": "第五部分过于简略"}).status_code == 302
    )
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT


def test_steps_out_of_order_are_refused(requests, cast) -> None:
    report = started(cast)
    with pytest.raises(TransitionError, match="报告当前为“草稿”，不能改为“已发布”"):
        services.approve_and_publish(report=report, by=cast.head)
    services.submit_for_review(report=report, by=cast.officer)
    with pytest.raises(TransitionError, match="只有草稿可以修改"):
        services.edit_narrative(report=report, by=cast.officer, texts={"一、总体情况": "x"})
    with pytest.raises(TransitionError):
        services.submit_for_review(report=report, by=cast.officer)


def test_a_year_not_yet_over_cannot_be_published(cast) -> None:
    from django.utils import timezone

    this_year = timezone.localdate().year
    report = services.submit_for_review(report=started(cast, year=this_year), by=cast.officer)
    with pytest.raises(TransitionError, match=f"{this_year}年尚未结束"):
        services.approve_and_publish(report=report, by=cast.head)


def test_a_report_whose_table_three_is_inconsistent_cannot_be_published(requests, cast) -> None:
    make_request(cast.centre, "M", ApplicantType.RESEARCH, date(2023, 4, 1), date(2023, 4, 20), "")
    report = in_review(cast)
    response = signed_in("head").post(f"/office/reports/{report.pk}/publish/", {})
    assert response.status_code == 409
    assert "表三勾稽关系不成立（科研机构、总计）" in response.content.decode()
    report.refresh_from_db()
    assert report.state == ReportState.REVIEW and report.publication is None


def test_only_a_report_role_may_start_or_change_a_report(requests, cast) -> None:
    with pytest.raises(NotPermitted):
        services.start_report(organisation=cast.centre, year=2023, by=cast.clerk)
    report = started(cast)
    with pytest.raises(NotPermitted):
        services.edit_narrative(report=report, by=cast.supervisor, texts={"一、总体情况": "x"})


def test_a_seed_era_report_is_published_the_same_way(cast) -> None:
    report = services.submit_for_review(report=started(cast, year=2018), by=cast.officer)
    report = services.approve_and_publish(report=report, by=cast.head)
    assert report.format == "2008"
    assert report.publication is not None
    assert report.publication.title == "咸宁市政务服务中心2018年度政府信息公开工作报告"
    assert "八、其他需要报告的事项" in report.publication.body
