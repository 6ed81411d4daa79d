"""Every look at an applicant's or requester's personal data in full leaves one audit entry: who, from which
address, which object (GB/T 22239-2019 8.1.4.3 a, 8.1.4.11 b) — and never the full ID number itself."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cases import conftest as cases
from tests.cases.conftest import file
from tests.cases.test_uploads import PDF, upload
from tests.disclosure.conftest import filed, replied, started
from yimen.cases import uploads
from yimen.cases.models import Case
from yimen.cases.services import steps
from yimen.core import audit
from yimen.core.models import AuditEntry
from yimen.disclosure.models import Outcome

pytestmark = pytest.mark.django_db

licence = cases.licence
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def case(licence, cast) -> Case:
    return steps.accept(case=file(licence, cast), by=cast.clerk)


def _reads(action: str) -> list[tuple[str, str, str, str]]:
    return [
        (e.actor_label, e.object_type, e.object_repr, e.summary["after"]["address"])
        for e in AuditEntry.objects.filter(action=action).order_by("id")
    ]


def _no_full_id_number_in_the_log() -> None:
    audit.seal()
    for entry in AuditEntry.objects.all():
        assert ID_NUMBER not in f"{entry.object_repr} {entry.object_id} {entry.summary}", entry.action


def test_the_clerk_opening_a_case_in_full_is_audited_once_per_open(client: Client, case: Case, cast) -> None:
    client.force_login(cast.clerk)
    url = reverse("office_cases:detail", args=[case.pk])
    page = client.get(url, REMOTE_ADDR="10.0.0.7").content.decode()
    assert ID_NUMBER in page
    assert _reads("case.applicant_viewed") == [("李窗口", "cases.case", case.number, "10.0.0.7")]
    client.get(url, REMOTE_ADDR="10.0.0.8")
    assert len(_reads("case.applicant_viewed")) == 2
    _no_full_id_number_in_the_log()


def test_the_address_behind_the_trusted_proxy_is_the_clients(
    client: Client, case: Case, cast, settings
) -> None:
    settings.YIMEN = {**settings.YIMEN, "TRUSTED_PROXIES": ["127.0.0.1"]}
    client.force_login(cast.reviewer)
    client.get(
        reverse("office_cases:detail", args=[case.pk]),
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="10.9.8.7",
    )
    assert _reads("case.applicant_viewed") == [("王审批", "cases.case", case.number, "10.9.8.7")]


def test_a_masked_read_by_the_supervisor_is_not_a_full_read(client: Client, case: Case, cast) -> None:
    client.force_login(cast.supervisor)
    page = client.get(reverse("office_cases:detail", args=[case.pk])).content.decode()
    assert ID_NUMBER not in page
    assert _reads("case.applicant_viewed") == []


def test_a_material_download_is_audited(client: Client, case: Case, cast) -> None:
    stored = uploads.store_material(
        case=case, material="营业执照", upload=upload("a.pdf", PDF), by=cast.clerk
    )
    before = AuditEntry.objects.count()
    client.force_login(cast.clerk)
    response = client.get(reverse("office_cases:file", args=[stored.pk]), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200
    reads = AuditEntry.objects.filter(action="case.file_downloaded")
    assert [(e.actor_label, e.object_type, e.object_id, e.summary["after"]["address"]) for e in reads] == [
        ("李窗口", "cases.casefile", str(stored.pk), "10.0.0.9")
    ]
    assert AuditEntry.objects.count() == before + 1  # one insert, nothing else
    _no_full_id_number_in_the_log()


def test_the_disclosure_request_page_is_audited(client: Client, cast) -> None:
    request = filed(cast, timezone.localdate())
    client.force_login(cast.officer)
    page = client.get(f"/office/disclosure/{request.pk}/", REMOTE_ADDR="10.0.0.5").content.decode()
    assert "张三" in page
    assert _reads("disclosure.request_viewed") == [
        ("赵公开", "disclosure.disclosurerequest", request.number, "10.0.0.5")
    ]
    _no_full_id_number_in_the_log()


def test_the_disclosure_letter_download_is_audited(client: Client, cast) -> None:
    request = started(cast, date(2024, 9, 27))
    replied(cast, request, Outcome.NOT_HELD, date(2024, 10, 9), "经检索没有")
    client.force_login(cast.officer)
    response = client.get(f"/office/disclosure/{request.pk}/letter.pdf", REMOTE_ADDR="10.0.0.4")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert _reads("disclosure.letter_downloaded") == [
        ("赵公开", "disclosure.disclosurerequest", request.number, "10.0.0.4")
    ]


def test_the_disclosure_export_is_audited_without_the_searched_id_number(client: Client, cast) -> None:
    filed(cast, timezone.localdate())
    client.force_login(cast.officer)
    response = client.get(f"/office/disclosure/export/?q={ID_NUMBER}", REMOTE_ADDR="10.0.0.6")
    assert response.status_code == 200
    exported = AuditEntry.objects.get(action="disclosure.exported")
    assert exported.actor_label == "赵公开" and exported.summary["after"]["address"] == "10.0.0.6"
    assert exported.summary["after"]["q"] == "1101**********002X"
    _no_full_id_number_in_the_log()
