"""条例第三十一条: the receipt date (day 0 of the answer period) by channel, with worked dates."""

from __future__ import annotations

from datetime import date

import pytest

from tests.disclosure.conftest import COMPANY, filed
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.core.people import Applicant
from yimen.disclosure import deadlines
from yimen.disclosure.models import Channel, DeliveryMethod, EventKind, FormWanted

pytestmark = pytest.mark.django_db


def test_in_person_is_received_the_day_it_is_handed_in(cast) -> None:
    """Handed in Monday 2024-09-23 (day 0): 09-24..27, 09-29 (Sunday, 调休), 09-30, then after 国庆
    (10-01..07) 10-08..11, 10-12 (Saturday, 调休), 10-14..18, 10-21..24: the 20th is Thursday 2024-10-24."""
    request = filed(cast, date(2024, 9, 23))
    assert request.received_on == date(2024, 9, 23)
    assert request.due_on == date(2024, 10, 24)
    assert request.rules == "2019"


def test_receipt_day_is_day_zero(cast) -> None:
    """民法典第二百零一条: received Monday 2024-03-04, day 1 is Tuesday, day 20 is Monday 2024-04-01."""
    assert filed(cast, date(2024, 3, 4)).due_on == date(2024, 4, 1)


def test_oral_request_written_down_by_the_officer_counts_from_that_day(cast) -> None:
    request = filed(cast, date(2024, 3, 4), channel=Channel.ORAL)
    assert request.received_on == date(2024, 3, 4)


def test_registered_mail_is_received_the_day_the_office_signs_for_it(cast) -> None:
    """Posted Friday 2024-03-01, signed for Tuesday 03-05: due Tuesday 2024-04-02."""
    request = filed(
        cast,
        date(2024, 3, 5),
        channel=Channel.REGISTERED_MAIL,
        submitted_on=date(2024, 3, 1),
        signed_on=date(2024, 3, 5),
    )
    assert (request.received_on, request.due_on) == (date(2024, 3, 5), date(2024, 4, 2))


@pytest.mark.parametrize("channel", [Channel.ORDINARY_MAIL, Channel.FAX, Channel.EMAIL])
def test_mail_fax_and_email_are_received_the_day_both_sides_confirm(cast, channel: str) -> None:
    """Sent Thursday 2024-03-07, confirmed with the applicant Friday 03-08 (day 0): 04-03 is the 18th
    working day, 清明 takes 04-04..06, Sunday 04-07 (调休) is the 19th, Monday 2024-04-08 the 20th."""
    request = filed(
        cast, date(2024, 3, 8), channel=channel, submitted_on=date(2024, 3, 7), confirmed_on=date(2024, 3, 8)
    )
    assert (request.received_on, request.due_on) == (date(2024, 3, 8), date(2024, 4, 8))


def test_online_request_on_a_working_day_is_received_that_day(cast) -> None:
    request = filed(cast, date(2024, 3, 6), channel=Channel.ONLINE)
    assert request.received_on == date(2024, 3, 6)


def test_online_request_on_a_rest_day_is_confirmed_the_next_working_day(cast) -> None:
    """Filed online Saturday 2024-09-14 (中秋 weekend; 09-14 is a 调休 working day in 2024!) → received
    that day; filed Sunday 2024-09-15 (中秋 holiday 09-15..17) → received Wednesday 09-18."""
    assert filed(cast, date(2024, 9, 14), channel=Channel.ONLINE).received_on == date(2024, 9, 14)
    assert filed(cast, date(2024, 9, 15), channel=Channel.ONLINE).received_on == date(2024, 9, 18)


def test_registered_mail_without_a_signing_date_is_refused_naming_the_field(cast) -> None:
    with pytest.raises(ApplicationError) as refused:
        filed(cast, date(2024, 3, 5), channel=Channel.REGISTERED_MAIL)
    assert "签收日期" in refused.value.fields["signed_on"][0]


def test_a_fax_confirmed_before_it_was_sent_is_refused(cast) -> None:
    with pytest.raises(ApplicationError) as refused:
        filed(
            cast,
            date(2024, 3, 4),
            channel=Channel.FAX,
            submitted_on=date(2024, 3, 5),
            confirmed_on=date(2024, 3, 4),
        )
    assert "确认日期" in refused.value.fields["confirmed_on"][0]


def test_registration_gives_a_number_a_code_and_a_receipt_step(cast) -> None:
    first, second = filed(cast, date(2024, 3, 4)), filed(cast, date(2024, 3, 4), applicant=COMPANY)
    assert (first.number, second.number) == ("ZWFW-YSQ-2024-00001", "ZWFW-YSQ-2024-00002")
    assert len(first.query_code) == 6 and first.query_code.isdigit()
    event = first.events.get()
    assert (event.kind, event.on, event.workdays, event.due_after) == (
        EventKind.RECEIVED,
        date(2024, 3, 4),
        20,
        date(2024, 4, 1),
    )


def test_bad_identity_is_reported_per_field_and_nothing_is_saved(cast) -> None:
    from yimen.disclosure.models import DisclosureRequest

    bad = Applicant(kind="natural", name="", phone="12", id_number="110105194912310021")
    with pytest.raises(ApplicationError) as refused:
        filed(cast, date(2024, 3, 4), applicant=bad, description="", form_wanted=FormWanted.PAPER)
    fields = refused.value.fields
    assert {"name", "phone", "id_number", "description", "address"} <= set(fields)
    assert "校验码" in fields["id_number"][0]
    assert not DisclosureRequest.objects.exists()


def test_other_department_cannot_register_for_the_centre(cast) -> None:
    with pytest.raises(NotPermitted):
        filed(cast, date(2024, 3, 4), applicant=COMPANY, by=cast.other)


def test_the_portal_files_without_staff(cast) -> None:
    request = filed(
        cast,
        date(2024, 3, 4),
        channel=Channel.ONLINE,
        applicant=COMPANY,
        by=None,
        delivery_method=DeliveryMethod.ONLINE,
    )
    assert request.created_by is None and request.received_on == date(2024, 3, 4)
    assert deadlines.receipt_date(channel=Channel.ONLINE, submitted_on=date(2024, 3, 4)) == date(2024, 3, 4)
