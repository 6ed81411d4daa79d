"""The demo year of cases: the seed's shape (95.1% 即办件), valid data, numbers that never collide."""

from __future__ import annotations

import pytest
from django.db.models import Count, F

from yimen.cases.models import Case, CaseEvent, CaseState, Evaluation, Result, WorkOrder
from yimen.core.identity import is_valid_id_number
from yimen.demo import cases as demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(licence, instant) -> str:
    return demo.load(count=3000)


def test_a_year_of_cases_with_the_seeds_immediate_share(year: str) -> None:
    assert Case.objects.count() <= 3000 and "件办件" in year
    concluded = Case.objects.filter(concluded_at__isnull=False)
    immediate = concluded.filter(version__promised_limit=0).count()
    assert 0.93 < immediate / concluded.count() < 0.97


def test_every_case_is_consistent(year: str) -> None:
    assert not Case.objects.filter(promised_due__lt=F("accepted_at")).exists()
    assert not Case.objects.filter(result=Result.ISSUED, certificate_no="").exists()
    assert not Case.objects.filter(state=CaseState.HANDLING, concluded_at__isnull=False).exists()
    assert Case.objects.values("number").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    assert all(is_valid_id_number(n) for n in Case.objects.values_list("id_number", flat=True)[:500])


def test_the_last_week_has_timelines_and_evaluations_exist(year: str) -> None:
    assert CaseEvent.objects.filter(action="accept").exists()
    assert Evaluation.objects.exists()
    assert WorkOrder.objects.count() == Evaluation.objects.filter(level__lte=2).count()


def test_loading_twice_changes_nothing(year: str) -> None:
    count = Case.objects.count()
    assert "已存在" in demo.load(count=10) and Case.objects.count() == count
