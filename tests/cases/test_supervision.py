"""电子监察: yellow and red cards from the stored deadlines, the board by organisation and window, the digest.

The worked example: a licence (承诺 20 working days) accepted Friday 2024-09-27 10:00 is due at the end
of 2024-10-30 (国庆 excluded, the 调休 Sunday 09-29 counted).
"""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.cases.conftest import APPLICANT, file, local
from tests.conftest import PASSWORD, make_staff
from yimen.cases.models import Case, Channel, Result
from yimen.cases.queries import supervision
from yimen.cases.queries.supervision import Scope
from yimen.cases.services import intake, steps
from yimen.catalog.models import ServiceItem
from yimen.core.models import OutboxMessage
from yimen.org.models import Role

pytestmark = pytest.mark.django_db

ACCEPTED = local(2024, 9, 27, 10)


def accepted(item: ServiceItem, cast, at: datetime = ACCEPTED) -> Case:
    return steps.accept(case=file(item, cast), by=cast.clerk, at=at)


def board(now: datetime, **scope) -> dict[str, tuple[str, str]]:
    """{case number: (card, reason)} as the board shows it at `now`."""
    return {c.case.number: (c.card, c.reason) for c in supervision.cards(Scope(now=now, **scope))}


def test_one_working_day_before_the_deadline_the_case_gets_a_yellow_card(licence, cast) -> None:
    case = accepted(licence, cast)
    assert case.promised_due == local(2024, 10, 30, 23, 59, 59)
    assert board(local(2024, 10, 29, 10)) == {case.number: ("yellow", "due_soon")}
    assert supervision.days_left(case, date(2024, 10, 29)) == 1


def test_early_in_its_time_a_case_has_no_card(licence, cast) -> None:
    accepted(licence, cast)
    assert board(local(2024, 10, 14, 10)) == {}


def test_a_case_that_has_used_80_percent_of_its_time_gets_a_yellow_card(licence, cast) -> None:
    """Friday 10-25: three working days left (not yet due soon), but 28 of 33.6 days used (83%)."""
    case = accepted(licence, cast)
    assert board(local(2024, 10, 25, 10)) == {case.number: ("yellow", "time_used")}


def test_an_open_case_past_its_deadline_gets_a_red_card(licence, cast) -> None:
    case = accepted(licence, cast)
    assert board(local(2024, 10, 31, 9)) == {case.number: ("red", "overdue")}


def test_a_case_concluded_after_its_deadline_gets_a_red_card(licence, cast) -> None:
    late = accepted(licence, cast)
    steps.conclude(
        case=late, by=cast.reviewer, result=Result.ISSUED, certificate_no="JY1", at=local(2024, 10, 31, 9)
    )
    on_time = accepted(licence, cast)
    steps.conclude(
        case=on_time, by=cast.reviewer, result=Result.ISSUED, certificate_no="JY2", at=local(2024, 10, 30, 15)
    )
    assert board(local(2024, 11, 1, 9)) == {late.number: ("red", "late")}
    # A late conclusion leaves the board once it is older than the window the supervisor looks at.
    assert board(local(2024, 11, 20, 9)) == {}
    assert board(local(2024, 11, 20, 9), late_since=local(2024, 10, 1)) == {late.number: ("red", "late")}


def test_an_item_may_set_its_own_thresholds(licence, cast) -> None:
    case = accepted(licence, cast)
    # Wednesday 10-23: five working days left and 77% of the time used — no card by the defaults.
    assert board(local(2024, 10, 23, 10)) == {}
    ServiceItem.objects.filter(pk=licence.pk).update(yellow_days_left=5)
    assert board(local(2024, 10, 23, 10)) == {case.number: ("yellow", "due_soon")}
    # 10-14: 17 of 33.6 days used (51%): yellow once the item warns at 50%.
    assert board(local(2024, 10, 14, 10)) == {}
    ServiceItem.objects.filter(pk=licence.pk).update(yellow_percent_used=50)
    assert board(local(2024, 10, 14, 10)) == {case.number: ("yellow", "time_used")}


def test_a_case_in_a_special_procedure_carries_no_card(licence, cast) -> None:
    case = accepted(licence, cast)
    steps.start_special(case=case, by=cast.reviewer, reason="现场核查", on=date(2024, 10, 28))
    assert board(local(2024, 10, 31, 9)) == {}


def test_the_cards_come_red_first_by_deadline_and_a_page_is_a_slice_of_them(licence, cast) -> None:
    """At 10-31 09:00: two cases accepted 09-27 (due 10-30), one still open, one concluded that morning;
    one accepted 09-20 (due earlier); one accepted 10-08 that has used 82% of its time."""
    overdue = accepted(licence, cast)
    late = accepted(licence, cast)
    steps.conclude(
        case=late, by=cast.reviewer, result=Result.ISSUED, certificate_no="JY1", at=local(2024, 10, 31, 8)
    )
    earlier = accepted(licence, cast, at=local(2024, 9, 20, 10))
    warned = accepted(licence, cast, at=local(2024, 10, 8, 10))
    scope = Scope(now=local(2024, 10, 31, 9))

    cards = supervision.cards(scope)
    assert [(c.case.number, c.card, c.reason) for c in cards] == [
        (earlier.number, "red", "overdue"),
        (overdue.number, "red", "overdue"),
        (late.number, "red", "late"),
        (warned.number, "yellow", "time_used"),
    ]
    assert [c.case.number for c in cards[1:3]] == [overdue.number, late.number] and len(cards) == 4
    [row] = supervision.counts(scope)
    assert (row["organisation__name"], row["window__number"], row["red"], row["yellow"]) == (
        "咸宁市市场监督管理局",
        "B012",
        3,
        1,
    )


def police_case(people, cast) -> Case:
    """An overdue case of 市公安局, applied for online (no window)."""
    from tests.catalog.conftest import published

    version = published(people, name="户口迁移", basic_code="GA-1", promised_limit=20)
    ServiceItem.objects.filter(pk=version.item_id).update(organisation=cast.police)
    case = intake.submit(
        item=ServiceItem.objects.get(pk=version.item_id), applicant=APPLICANT, channel=Channel.ONLINE
    )
    return steps.accept(case=case, by=cast.other, at=local(2024, 9, 2, 9))


def test_counts_are_grouped_by_organisation_and_window(licence, people, cast) -> None:
    accepted(licence, cast)
    police_case(people, cast)
    rows = supervision.counts(Scope(now=local(2024, 10, 29, 10)))
    assert [(r["organisation__name"], r["window__number"], r["red"], r["yellow"]) for r in rows] == [
        ("咸宁市公安局", None, 1, 0),
        ("咸宁市市场监督管理局", "B012", 0, 1),
    ]
    only_police = supervision.counts(Scope(now=local(2024, 10, 29, 10), organisations={cast.police.pk}))
    assert [(r["organisation__name"], r["red"]) for r in only_police] == [("咸宁市公安局", 1)]


def test_the_daily_digest_tells_supervisors_each_organisations_cards_once_a_day(
    licence, people, cast
) -> None:
    accepted(licence, cast)
    police_case(people, cast)
    out = StringIO()
    call_command("supervise", "--at", "2024-10-29T10:00", stdout=out)
    call_command("supervise", "--at", "2024-10-29T18:00", stdout=StringIO())
    digest = OutboxMessage.objects.get(name="supervision.digest")
    assert digest.payload["date"] == "2024-10-29"
    assert (digest.payload["red"], digest.payload["yellow"]) == (1, 1)
    assert sorted((o["code"], o["red"], o["yellow"]) for o in digest.payload["organisations"]) == [
        ("GAJ", 1, 0),
        ("SJJ", 0, 1),
    ]
    assert "红牌 1 件，黄牌 1 件" in out.getvalue()


# The board page (cards counted against the real clock: a case accepted 40 days ago is overdue).


def overdue_now(item: ServiceItem, cast) -> Case:
    return accepted(item, cast, at=timezone.now() - timezone.timedelta(days=60))


def test_the_board_lists_cards_by_organisation_and_window(client: Client, licence, cast) -> None:
    case = overdue_now(licence, cast)
    client.force_login(cast.supervisor)
    page = client.get("/office/supervision/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "咸宁市市场监督管理局" in html and "B012 市场监管窗口" in html
    assert case.number in html and "超期未办结" in html and "红牌" in html and "已超期" in html


def test_a_supervisor_of_another_organisation_sees_only_its_cards(client: Client, licence, cast) -> None:
    case = overdue_now(licence, cast)
    client.force_login(make_staff("police_sup", "周公安", cast.police, (Role.SUPERVISOR, cast.police)))
    html = client.get("/office/supervision/").content.decode()
    assert case.number not in html and "咸宁市市场监督管理局" not in html


def test_a_clerk_may_not_open_the_board(client: Client, licence, cast) -> None:
    client.login(username="clerk", password=PASSWORD)
    assert client.get("/office/supervision/").status_code == 403


def test_supervisors_are_texted_the_digest_within_their_reach(licence, cast) -> None:
    from tests.cases.conftest import file, local
    from yimen.cases.services.supervision import emit_digest
    from yimen.core import events
    from yimen.core.fields import matching
    from yimen.core.models import SmsMessage

    cast.supervisor.phone = "13900001111"
    cast.supervisor.save()
    steps.accept(case=file(licence, cast), by=cast.clerk, at=local(2024, 9, 27, 10))
    emit_digest(now=local(2024, 10, 31, 8))
    events.run_once()
    events.run_once()
    text = SmsMessage.objects.get(
        matching(SmsMessage, "phone", "13900001111"), template="supervision.digest"
    ).text
    assert "电子监察日报（2024-10-31）：红牌1件，黄牌0件。红牌较多：咸宁市市场监督管理局1件。" in text
