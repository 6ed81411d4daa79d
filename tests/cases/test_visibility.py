"""One rule for who sees a case: 孙其他 of the police finds a 市场监管 case nowhere — not through the office
pages, its files, its notices or any API step — and each answer is the one an unknown number gets, before
the case's state or version is looked at. A 联办 reviewer of the police reads the case they review and
its notices; someone who sees a case but lacks a step's role gets 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases.conftest import file
from tests.cases.test_uploads import PDF, upload
from tests.conftest import make_staff, sign_in
from yimen.api import api
from yimen.cases import uploads
from yimen.cases.models import Case, CaseState
from yimen.cases.services import steps
from yimen.office.case_views import PERFORMERS
from yimen.org.models import Role, Staff

pytestmark = pytest.mark.django_db

UNKNOWN = "SJJ0100001000000209901010001"
CASES = "/api/v1/cases/"
# A valid body for every staff step of /api/v1/cases/{number}/…, so only the case decides the answer.
STEP_BODIES: dict[str, dict[str, Any]] = {
    "accept": {},
    "refuse": {"reason": "不属于本机关职权范围"},
    "supplement": {"materials": ["营业执照"]},
    "supplement/received": {},
    "advance": {"opinion": "同意"},
    "conclude": {"result": "issued", "certificate_no": "JY14212000001"},
    "deliver": {"method": "pickup"},
    "withdraw": {"reason": "申请人主动撤回"},
}


def signed_in(username: str) -> Client:
    """Password and, for 监察, the TOTP code (tests/conftest.py: sign_in)."""
    return sign_in(Client(), Staff.objects.get(username=username))


def api_steps() -> list[str]:
    """Every POST under /api/v1/cases/{number}/ the API offers, read from its OpenAPI document."""
    paths = api.get_openapi_schema()["paths"]
    prefix = CASES + "{number}/"
    return sorted(
        path.removeprefix(prefix) for path, ops in paths.items() if path.startswith(prefix) and "post" in ops
    )


def step(client: Client, number: str, name: str, version: int) -> Any:
    body = {"expected_version": version, **STEP_BODIES[name]}
    return client.post(f"{CASES}{number}/{name}", body, content_type="application/json")


def test_every_api_step_is_covered_here() -> None:
    assert api_steps() == sorted(STEP_BODIES)


@pytest.mark.parametrize("state", ["submitted", "handling"])
def test_every_api_step_on_another_organisations_case_answers_as_an_unknown_number(
    licence, cast, state: str
) -> None:
    """In 办理中 a 不予受理 would be refused for the state (409) and with a stale version (409) too: neither
    may show through, nor the 403 of a missing role."""
    case = file(licence, cast)
    if state == "handling":
        case = steps.accept(case=case, by=cast.clerk)
    other = signed_in("other")
    for name in STEP_BODIES:
        for version in (case.lock_version, case.lock_version + 7):
            hidden = step(other, case.number, name, version)
            unknown = step(other, UNKNOWN, name, version)
            assert (hidden.status_code, unknown.status_code) == (404, 404), name
            assert hidden.json() == unknown.json() == {"message": "没有该办件编号的办件", "fields": {}}
    assert Case.objects.filter(pk=case.pk, state=state, lock_version=case.lock_version).exists()


def test_a_person_who_sees_the_case_but_lacks_the_role_gets_403_before_the_state_is_looked_at(
    licence, cast
) -> None:
    """王审批 may read the case but 不予受理 is the window's: 403, though the state would refuse it too."""
    case = steps.accept(case=file(licence, cast), by=cast.clerk)
    refused = step(signed_in("reviewer"), case.number, "refuse", case.lock_version)
    assert refused.status_code == 403 and refused.json()["message"] == "您无权办理该办件"
    wrong_state = step(signed_in("clerk"), case.number, "refuse", case.lock_version)
    assert wrong_state.status_code == 409 and "不能不予受理" in wrong_state.json()["message"]


def test_the_office_pages_files_and_notices_of_another_organisation_answer_404(
    client: Client, licence, cast
) -> None:
    case = steps.accept(case=file(licence, cast), by=cast.clerk)
    stored = uploads.store_material(
        case=case, material="营业执照", upload=upload("a.pdf", PDF), by=cast.clerk
    )
    missing = Case.objects.order_by("-pk").first().pk + 100
    client.force_login(cast.other)
    pages = [
        (reverse("office_cases:detail", args=[case.pk]), reverse("office_cases:detail", args=[missing])),
        (
            reverse("office_cases:file", args=[stored.pk]),
            reverse("office_cases:file", args=[stored.pk + 100]),
        ),
    ]
    for fmt in ("pdf", "docx"):
        pages.append(
            (
                reverse(f"case_notices:{fmt}", args=[case.number, "accepted"]),
                reverse(f"case_notices:{fmt}", args=[UNKNOWN, "accepted"]),
            )
        )
    for hidden, unknown in pages:
        assert (client.get(hidden).status_code, client.get(unknown).status_code) == (404, 404), hidden
    for action in PERFORMERS:
        for pk in (case.pk, missing):
            url = reverse("office_cases:action", args=[pk, action])
            response = client.post(url, {"expected_version": str(case.lock_version), "reason": "x"})
            assert response.status_code == 404, action
    reveal = client.post(reverse("office_cases:reveal", args=[case.pk]), {"reason": "核查"})
    assert reveal.status_code == 404
    assert Case.objects.get(pk=case.pk).state == CaseState.HANDLING


def test_a_joint_reviewer_sees_the_case_they_review_and_its_notices(client: Client, joint, cast) -> None:
    case = steps.accept(case=file(joint, cast), by=cast.clerk)
    stored = uploads.store_material(
        case=case, material="营业执照", upload=upload("a.pdf", PDF), by=cast.clerk
    )
    police = make_staff("police_reviewer", "陈公安", cast.police, (Role.REVIEWER, cast.police))
    client.force_login(police)
    page = client.get(reverse("office_cases:detail", args=[case.pk])).content.decode()
    assert f'href="/office/cases/notices/{case.number}/accepted.pdf"' in page
    assert "11010519491231002X" in page  # they work on the case: the applicant in full
    notice = client.get(reverse("case_notices:pdf", args=[case.number, "accepted"]))
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"
    assert client.get(reverse("case_notices:docx", args=[case.number, "accepted"])).status_code == 200
    assert b"".join(client.get(reverse("office_cases:file", args=[stored.pk])).streaming_content) == PDF
    client.force_login(cast.other)  # a police clerk reviews nothing
    assert client.get(reverse("case_notices:pdf", args=[case.number, "accepted"])).status_code == 404
