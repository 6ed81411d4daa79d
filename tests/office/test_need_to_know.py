"""Personal data on staff pages follows need-to-know: 郑法制 (法制审核), 冯审改 (审改审核), 吴编辑 (事项编辑) and
周管理 (系统管理) have no case work and open no case page, list, file or notice; 钱监察 (监察) reads a case
with the applicant's ID number, phone and address masked, does not download the materials, and sees them
in full on one page after giving a reason, which the audit log keeps (查看敏感信息)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases.conftest import file
from tests.cases.test_uploads import PDF, upload
from yimen.cases import uploads
from yimen.cases.models import Case
from yimen.cases.services import steps
from yimen.core.models import AuditEntry

pytestmark = pytest.mark.django_db

ID_NUMBER, PHONE, ADDRESS = "11010519491231002X", "13812345678", "咸宁市咸安区温泉路 1 号"


@pytest.fixture
def case(licence, cast) -> Case:
    return steps.accept(case=file(licence, cast), by=cast.clerk)


def _between(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"', 1)[1].split("</", 1)[0]


def test_roles_without_case_work_open_no_case_page_list_file_or_notice(
    client: Client, case: Case, people, cast
) -> None:
    stored = uploads.store_material(
        case=case, material="营业执照", upload=upload("a.pdf", PDF), by=cast.clerk
    )
    urls = [
        reverse("office_cases:list"),
        reverse("office_cases:detail", args=[case.pk]),
        reverse("office_cases:file", args=[stored.pk]),
        reverse("case_notices:pdf", args=[case.number, "accepted"]),
        reverse("case_notices:docx", args=[case.number, "accepted"]),
    ]
    for person in (people.legal, people.reform, people.editor, cast.admin):
        client.force_login(person)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 403, (person, url)
            assert "无权访问" in response.content.decode() and ID_NUMBER not in response.content.decode()
        posted = client.post(reverse("office_cases:reveal", args=[case.pk]), {"reason": "核查"})
        assert posted.status_code == 403
        refuse = client.post(reverse("office_cases:action", args=[case.pk, "refuse"]), {"reason": "x"})
        assert refuse.status_code == 403
        assert "办件列表" not in client.get(reverse("office:home")).content.decode()
    assert not AuditEntry.objects.filter(action="case.reveal").exists()


def test_the_supervisor_reads_the_applicant_masked_and_cannot_download_the_materials(
    client: Client, case: Case, cast
) -> None:
    stored = uploads.store_material(
        case=case, material="营业执照", upload=upload("a.pdf", PDF), by=cast.clerk
    )
    client.force_login(cast.supervisor)
    assert case.number in client.get(reverse("office_cases:list")).content.decode()
    page = client.get(reverse("office_cases:detail", args=[case.pk])).content.decode()
    assert _between(page, "id-number") == ">1101**********002X"
    assert _between(page, "phone") == ">138****5678"
    assert _between(page, "address") == ">（已隐藏）"
    assert ID_NUMBER not in page and PHONE not in page and ADDRESS not in page
    assert "张三" in page and 'data-testid="reveal"' in page
    assert reverse("office_cases:file", args=[stored.pk]) not in page
    download = client.get(reverse("office_cases:file", args=[stored.pk]))
    assert download.status_code == 403 and "仅办理该办件的工作人员可以下载" in download.content.decode()
    notice = client.get(reverse("case_notices:pdf", args=[case.number, "accepted"]))
    assert notice.status_code == 200  # the decision sent to the applicant: name and number, no ID or phone

    client.force_login(cast.clerk)  # the window that handles the case reads it in full, with no form
    page = client.get(reverse("office_cases:detail", args=[case.pk])).content.decode()
    assert ID_NUMBER in page and PHONE in page and 'data-testid="reveal"' not in page


def test_an_unmask_without_a_reason_is_refused_naming_the_field(client: Client, case: Case, cast) -> None:
    client.force_login(cast.supervisor)
    refused = client.post(reverse("office_cases:reveal", args=[case.pk]), {"reason": "   "})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "查看理由：必填" in _between(page, "error-reason")
    assert ID_NUMBER not in page and PHONE not in page
    long = client.post(reverse("office_cases:reveal", args=[case.pk]), {"reason": "查" * 201})
    assert long.status_code == 422 and "查看理由：不能超过200个字" in long.content.decode()
    assert not AuditEntry.objects.filter(action="case.reveal").exists()


def test_an_unmask_with_a_reason_shows_the_full_data_once_and_is_audited(
    client: Client, case: Case, cast
) -> None:
    client.force_login(cast.supervisor)
    reason = "群众投诉办件超期，核实申请人联系方式"
    shown = client.post(reverse("office_cases:reveal", args=[case.pk]), {"reason": reason})
    assert shown.status_code == 200
    page = shown.content.decode()
    assert _between(page, "id-number") == f">{ID_NUMBER}"
    assert _between(page, "phone") == f">{PHONE}" and ADDRESS in page
    assert "本次查看已记入审计日志" in page
    entry = AuditEntry.objects.get(action="case.reveal")
    assert (entry.actor_id, entry.object_id, entry.organisation_id) == (
        cast.supervisor.pk,
        str(case.pk),
        cast.market.pk,
    )
    assert entry.summary["after"] == {"查看": "查看敏感信息", "reason": reason}
    again = client.get(reverse("office_cases:detail", args=[case.pk])).content.decode()
    assert ID_NUMBER not in again and PHONE not in again  # for that page only
