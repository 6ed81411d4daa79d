"""The demo's disclosure requests: the seed's 165 a year over five years, with a realistic mix, stored
deadlines exactly as the services would store them, loaded in seconds."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date

import pytest
from django.db.models import Count
from django.db.models.functions import ExtractYear

from yimen.demo import disclosure as disclosure_demo
from yimen.demo import org as org_demo
from yimen.disclosure import deadlines
from yimen.disclosure.models import (
    Appeal,
    Clarification,
    Consultation,
    DisclosureRequest,
    EventKind,
    FeeNotice,
    Outcome,
    RequestState,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


@pytest.fixture
def loaded() -> tuple[str, float]:
    org_demo.load(scale="small")
    started = time.monotonic()
    summary = disclosure_demo.load(scale="small", today=TODAY)
    return summary, time.monotonic() - started


def test_five_years_of_about_165_requests_a_year_load_in_seconds(loaded: tuple[str, float]) -> None:
    summary, seconds = loaded
    per_year = dict(
        DisclosureRequest.objects.annotate(year=ExtractYear("received_on"))
        .values_list("year")
        .annotate(n=Count("id"))
        .values_list("year", "n")
    )
    full_years = [per_year[year] for year in range(2022, 2026)]
    assert all(140 <= n <= 190 for n in full_years), per_year
    assert 780 <= DisclosureRequest.objects.count() <= 830
    assert "件政府信息公开申请" in summary
    assert seconds < 15, f"the demo took {seconds:.1f} s"


def test_the_mix_has_every_kind_of_step_and_mostly_disclosures(loaded: tuple[str, float]) -> None:
    outcomes = Counter(DisclosureRequest.objects.exclude(outcome="").values_list("outcome", flat=True))
    answered = sum(outcomes.values())
    assert outcomes[Outcome.DISCLOSED] / answered > 0.3
    assert outcomes[Outcome.NOT_HELD] > outcomes[Outcome.SECRET]
    assert outcomes[Outcome.NO_CLARIFICATION] >= 1
    assert Clarification.objects.filter(received_on__isnull=False).count() >= 10
    assert Consultation.objects.count() >= 10
    assert DisclosureRequest.objects.filter(extension_workdays__gt=0).count() >= 10
    assert FeeNotice.objects.filter(paid_on__isnull=False).exists()
    assert Appeal.objects.exclude(result="").exists() and Appeal.objects.filter(result="").exists()
    assert DisclosureRequest.objects.filter(state=RequestState.IN_PROGRESS).exists()


def test_requests_received_in_late_december_are_answered_in_january(loaded: tuple[str, float]) -> None:
    carried = DisclosureRequest.objects.filter(
        received_on__year=2024, replied_on__year=2025, received_on__month=12
    )
    assert carried.count() >= 3


def test_every_stored_deadline_is_what_the_clock_computes_from_the_requests_rows(
    loaded: tuple[str, float],
) -> None:
    for request in DisclosureRequest.objects.prefetch_related("clarifications", "consultations"):
        due = deadlines.compute(request).due()
        assert (request.due_on, request.paused_workdays) == (due.on, due.paused_workdays), request.number
        received = request.events.get(kind=EventKind.RECEIVED)
        assert received.due_after == deadlines.explain(request)[0].due_after


def test_every_answered_request_has_its_letter_text(loaded: tuple[str, float]) -> None:
    answered = DisclosureRequest.objects.exclude(outcome="")
    assert answered.filter(reply__isnull=True).count() == 0
    sample = answered.select_related("reply").first()
    assert sample is not None and "行政复议" in sample.reply.body


def test_loading_twice_changes_nothing(loaded: tuple[str, float]) -> None:
    count = DisclosureRequest.objects.count()
    assert "跳过" in disclosure_demo.load(scale="small", today=TODAY)
    assert DisclosureRequest.objects.count() == count
