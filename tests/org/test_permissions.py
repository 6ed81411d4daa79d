"""One helper answers who may see or act on what: roles reach their organisation and the ones below."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from yimen.org.models import Window
from yimen.org.permissions import can, organisations_for

pytestmark = pytest.mark.django_db


class Record:
    """Stands for any record a later capability owns (a case, a request): it names its organisation."""

    def __init__(self, organisation_id: int):
        self.organisation_id = organisation_id


def test_clerk_may_act_on_their_own_departments_records(cast) -> None:
    assert can(cast.clerk, "view", Record(cast.market.pk))
    assert can(cast.clerk, "case.intake", Record(cast.market.pk))


def test_other_department_may_not_see_or_act(cast) -> None:
    assert not can(cast.other, "view", Record(cast.market.pk))
    assert not can(cast.other, "case.intake", Record(cast.market.pk))


def test_a_role_grants_only_its_actions(cast) -> None:
    assert not can(cast.clerk, "case.review", Record(cast.market.pk))
    assert can(cast.reviewer, "case.review", Record(cast.market.pk))
    assert not can(cast.clerk, "calendar.manage")


def test_a_supervisor_at_the_government_reaches_every_department_below(cast) -> None:
    assert can(cast.supervisor, "supervision.view", Record(cast.market.pk))
    assert can(cast.supervisor, "supervision.view", Record(cast.police.pk))
    assert not can(cast.supervisor, "case.intake", Record(cast.police.pk))


def test_organisations_for_lists_the_reach(cast) -> None:
    assert organisations_for(cast.clerk) == {cast.market.pk}
    assert organisations_for(cast.supervisor, "supervision.view") == {
        cast.government.pk,
        cast.centre.pk,
        cast.market.pk,
        cast.police.pk,
    }
    assert organisations_for(cast.clerk, "calendar.manage") == set()


def test_the_public_and_inactive_staff_may_do_nothing(cast) -> None:
    assert not can(AnonymousUser(), "view", Record(cast.market.pk))
    cast.clerk.is_active = False
    assert not can(cast.clerk, "view", Record(cast.market.pk))


def test_an_object_without_an_organisation_is_refused(cast) -> None:
    window = Window.objects.get(number="B012")
    assert not can(cast.clerk, "view", window)


def test_organisations_themselves_are_objects(cast) -> None:
    assert can(cast.admin, "org.manage", cast.police)
    assert not can(cast.officer, "org.manage", cast.centre)
