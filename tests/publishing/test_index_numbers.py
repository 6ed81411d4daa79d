"""索引号: `{机构代码}/{年份}-{5位流水号}` by default, unique per organisation and year, even when many
reviewers publish at the same moment; the layout and the organisation code are configurable."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from tests.conftest import make_staff
from tests.publishing.conftest import normative
from yimen.org.models import Role
from yimen.publishing import search
from yimen.publishing.models import DisclosureSettings, IndexCounter, Kind, Publication
from yimen.publishing.services import catalogue, publications

pytestmark = pytest.mark.django_db


def test_serials_count_up_within_the_year(desk) -> None:
    first, second = desk.published(), desk.published(document_number="咸政务发〔2024〕6号")
    year = timezone.localdate().year
    assert [first.index_number, second.index_number] == [f"MB1534962/{year}-00001", f"MB1534962/{year}-00002"]
    assert IndexCounter.objects.get(organisation=desk.base.centre, year=year).last == 2


def test_a_new_year_starts_again_at_one(desk, monkeypatch) -> None:
    desk.published()
    new_year = timezone.make_aware(datetime(timezone.localdate().year + 1, 1, 1, 0, 5))
    monkeypatch.setattr(timezone, "now", lambda: new_year)
    published = desk.published(written_on="2024-12-30")
    assert published.index_number == f"MB1534962/{new_year.year}-00001"


def test_each_organisation_counts_on_its_own(desk) -> None:
    market_nodes = {n.code: n for n in catalogue.ensure_catalogue(organisation=desk.base.market)}
    officer = make_staff("mo", "马公开", desk.base.market, (Role.OFFICER, desk.base.market))
    head = make_staff("mh", "马主任", desk.base.market, (Role.DISCLOSURE_HEAD, desk.base.market))
    desk.published()
    draft = publications.create_draft(by=officer, node=market_nodes["gzdt"], fields=normative(kind=Kind.NEWS))
    publications.submit(publication=draft, by=officer)
    published = publications.approve(publication=draft, by=head)
    # no credit code: the organisation's own code stands in
    assert published.index_number == f"SJJ/{timezone.localdate().year}-00001"


def test_the_code_set_in_the_guide_settings_wins(desk) -> None:
    DisclosureSettings.objects.create(
        organisation=desk.base.centre,
        index_code="011523887",
        office_name="办公室",
        address="x",
        office_hours="x",
        phone="x",
    )
    assert desk.published().index_number.startswith("011523887/")


def test_the_layout_is_a_setting(desk, settings) -> None:
    settings.YIMEN = {**settings.YIMEN, "INDEX_NUMBER_LAYOUT": "{code}-{year}-{serial:06d}"}
    assert desk.published().index_number == f"MB1534962-{timezone.localdate().year}-000001"


@pytest.fixture
def index_emptied_after() -> Iterator[None]:
    """A transactional test leaves rows in the search index (not a model): rebuild it from nothing."""
    yield
    with contextlib.suppress(NotImplementedError):
        search.reindex()


@pytest.mark.django_db(transaction=True)
def test_index_numbers_stay_unique_when_reviewers_publish_at_the_same_moment(
    desk, index_emptied_after
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "threads with their own connections need a server database (the suite also runs on PostgreSQL)"
        )
    drafts = []
    for n in range(8):
        draft = desk.draft(document_number=f"咸政务发〔2024〕{n + 10}号")
        publications.submit(publication=draft, by=desk.base.officer)
        drafts.append(draft)
    barrier = threading.Barrier(len(drafts))
    failures: list[BaseException] = []

    def publish(draft: Publication) -> None:
        try:
            barrier.wait()
            publications.approve(publication=draft, by=desk.base.head)
        except BaseException as exc:
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=publish, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    numbers = sorted(Publication.objects.values_list("index_number", flat=True))
    year = timezone.localdate().year
    assert numbers == [f"MB1534962/{year}-{n:05d}" for n in range(1, 9)]
