"""网上申办, one form one case: a double click, a reload, going back and submitting again, or two racing
requests file one case and show its receipt; another application needs a fresh form. And one address
may file only so many cases an hour."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.cases.conftest import race
from tests.portal.applying import application, files_on_disk, fresh_token, post, url
from yimen.cases.models import Case, CaseFile
from yimen.core.models import AuditEntry
from yimen.core.throttle import SUBMISSIONS

pytestmark = pytest.mark.django_db
TOO_MANY = SUBMISSIONS.message

# --- one form, one case -------------------------------------------------------------------------


def test_the_same_form_submitted_twice_files_one_case_and_shows_it_both_times(
    client: Client, licence
) -> None:
    token = fresh_token(client, licence)
    first = post(client, licence, application(client, licence, token=token))
    on_disk = files_on_disk()
    again = post(client, licence, application(client, licence, token=token))

    case = Case.objects.get()
    assert first.status_code == again.status_code == 200
    for response in (first, again):
        assert case.number in response.content.decode() and case.query_code in response.content.decode()
    assert "此前已经提交，没有重复提交" in again.content.decode()
    assert CaseFile.objects.count() == 2
    assert files_on_disk() == on_disk  # the repeat's files were removed with its rollback
    assert AuditEntry.objects.filter(action="cases.submitted").count() == 1


def test_a_corrected_form_keeps_its_token_so_a_repeat_after_an_error_still_files_one_case(
    client: Client, licence
) -> None:
    token = fresh_token(client, licence)
    refused = post(client, licence, application(client, licence, token=token, phone="12345"))
    assert f'value="{token}"' in refused.content.decode()
    post(client, licence, application(client, licence, token=token))
    post(client, licence, application(client, licence, token=token))
    assert Case.objects.count() == 1


def test_going_back_to_the_form_after_filing_says_so_and_a_resubmission_files_nothing_new(
    client: Client, licence
) -> None:
    post(client, licence, application(client, licence))
    case = Case.objects.get()

    back = client.get(url(licence)).content.decode()  # the browser fetches the form again
    assert f"本浏览器已提交过本事项的申请（办件编号 {case.number}）" in back
    again = post(client, licence, application(client, licence))
    assert (
        "此前已经提交，没有重复提交" in again.content.decode() and case.query_code in again.content.decode()
    )
    assert Case.objects.count() == 1


def test_another_application_from_the_same_browser_starts_from_the_receipts_link(
    client: Client, licence
) -> None:
    receipt = post(client, licence, application(client, licence)).content.decode()
    link = re.search(r'href="(/guide/[^"]+/apply/\?again=[0-9a-f]{8})"', receipt)
    assert link is not None

    blank = client.get(link.group(1)).content.decode()
    assert "本浏览器已提交过" not in blank
    token = re.search(r'name="token" value="([^"]+)"', blank)
    assert token is not None
    post(client, licence, application(client, licence, token=token.group(1)))
    assert Case.objects.count() == 2

    # Back to the link's page later: it is spent, the second case's token is offered again.
    stale = client.get(link.group(1)).content.decode()
    assert f"办件编号 {Case.objects.latest('pk').number}" in stale
    post(client, licence, application(client, licence))
    assert Case.objects.count() == 2


def test_two_browsers_file_two_cases(licence) -> None:
    for browser in (Client(), Client()):
        assert post(browser, licence, application(browser, licence)).status_code == 200
    assert Case.objects.count() == 2


# --- abuse ----------------------------------------------------------------------------------------


def test_one_address_may_file_a_limited_number_of_cases_an_hour(client: Client, licence) -> None:
    with override_settings(YIMEN={**settings.YIMEN, "APPLY_SUBMISSIONS_PER_HOUR": 2}):
        for browser in (Client(), Client()):
            assert post(browser, licence, application(browser, licence)).status_code == 200
        blocked = post(client, licence, application(client, licence))
        assert blocked.status_code == 429 and TOO_MANY in blocked.content.decode()
        elsewhere = Client()
        assert post(elsewhere, licence, application(elsewhere, licence), ip="198.51.100.2").status_code == 200
    assert Case.objects.count() == 3


def test_corrected_attempts_do_not_count_toward_the_limit(client: Client, licence) -> None:
    with override_settings(YIMEN={**settings.YIMEN, "APPLY_SUBMISSIONS_PER_HOUR": 1}):
        for _ in range(3):
            assert post(client, licence, application(client, licence, phone="1")).status_code == 422
        assert post(client, licence, application(client, licence)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_one_form_file_one_case(licence) -> None:
    """Two requests racing with one token: the case's idempotency key makes the second one wait for the
    first and take its case (PostgreSQL; SQLite's writers are serialised at BEGIN IMMEDIATE anyway)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers; the test database on SQLite is in memory")
    browser = Client()
    token = fresh_token(browser, licence)

    def send() -> tuple[int, bool]:
        response = post(Client(), licence, application(browser, licence, token=token))
        return response.status_code, "没有重复提交" in response.content.decode()

    answers = race(send, send)
    assert sorted(answers) == [(200, False), (200, True)]
    assert Case.objects.count() == 1 and CaseFile.objects.count() == 2
