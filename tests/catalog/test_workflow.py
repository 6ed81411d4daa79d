"""Items are drafted, reviewed by 法制审核 then 审改审核, published as versions, and retired."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.catalog.conftest import make_guide, published
from yimen.catalog import services
from yimen.catalog.events import ITEM_PUBLISHED
from yimen.catalog.models import ItemVersion, ServiceItem, VersionState
from yimen.core import audit
from yimen.core.errors import NotPermitted, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage

pytestmark = pytest.mark.django_db


def _draft(people, **fields):
    return services.create_item(
        organisation=people.base.market, basic_code="XK-00001", guide=make_guide(**fields), by=people.editor
    )


def test_the_whole_path_publishes_version_one(people) -> None:
    version = published(people)
    item = version.item
    item.refresh_from_db()
    assert item.current == version and version.state == VersionState.PUBLISHED
    assert version.legal_reviewed_by == people.legal and version.reform_reviewed_by == people.reform
    assert version.published_at is not None
    assert OutboxMessage.objects.filter(name=ITEM_PUBLISHED.name, payload__version=1).exists()
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "catalog.item_created",
        "catalog.submitted",
        "catalog.legal_approved",
        "catalog.published",
    ]
    assert audit.verify()[1] is None


def test_the_default_impl_code_follows_the_layout(people) -> None:
    people.base.market.uscc = "11421200MB1234567X"
    people.base.market.save()
    version = _draft(people)
    assert version.item.impl_code == "11421200MB1234567X0100001000000"
    assert len(version.item.impl_code) == 31


def test_steps_cannot_be_skipped(people) -> None:
    draft = _draft(people)
    with pytest.raises(TransitionError, match="“草稿”状态的版本不能法制审核通过"):
        services.legal_approve(version=draft, by=people.legal)
    services.submit(version=draft, by=people.editor)
    with pytest.raises(TransitionError, match="不能审改审核通过并发布"):
        services.reform_approve(version=draft, by=people.reform)


def test_each_review_needs_its_own_role(people) -> None:
    draft = _draft(people)
    services.submit(version=draft, by=people.editor)
    with pytest.raises(NotPermitted):
        services.legal_approve(version=draft, by=people.reform)
    with pytest.raises(NotPermitted):
        services.legal_approve(version=draft, by=people.base.clerk)
    assert ItemVersion.objects.get(pk=draft.pk).state == VersionState.LEGAL_REVIEW


def test_other_departments_cannot_edit(people) -> None:
    with pytest.raises(NotPermitted):
        services.create_item(
            organisation=people.base.police, basic_code="X", guide=make_guide(), by=people.editor
        )
    draft = _draft(people)
    with pytest.raises(NotPermitted):
        services.update_draft(version=draft, guide=make_guide(name="改名"), by=people.base.other)


def test_a_reviewer_cannot_approve_their_own_edit(people) -> None:
    from yimen.org.models import Role, StaffRole

    StaffRole.objects.create(staff=people.legal, role=Role.ITEM_EDITOR, organisation=people.base.market)
    draft = services.create_item(
        organisation=people.base.market, basic_code="X", guide=make_guide(), by=people.legal
    )
    services.submit(version=draft, by=people.legal)
    with pytest.raises(NotPermitted, match="不能审核自己编辑的版本"):
        services.legal_approve(version=draft, by=people.legal)


def test_rejection_returns_the_draft_with_the_reason(people) -> None:
    draft = _draft(people)
    services.submit(version=draft, by=people.editor)
    services.legal_approve(version=draft, by=people.legal)
    with pytest.raises(Exception, match="退回原因"):
        services.reject(version=draft, by=people.reform, comment=" ")
    services.reject(version=draft, by=people.reform, comment="设定依据条款有误")
    draft.refresh_from_db()
    assert draft.state == VersionState.DRAFT and draft.review_comment == "设定依据条款有误"
    services.update_draft(
        version=draft, guide=make_guide(name="食品经营许可证核发（新办）"), by=people.editor
    )
    services.submit(version=draft, by=people.editor)
    assert ItemVersion.objects.get(pk=draft.pk).review_comment == ""


def test_published_versions_never_change_and_a_revision_makes_version_two(people) -> None:
    v1 = published(people)
    with pytest.raises(TransitionError, match="不能修改"):
        services.update_draft(version=v1, guide=make_guide(name="改名"), by=people.editor)
    v2 = services.start_revision(item=v1.item, by=people.editor, change_note="减少材料")
    assert v2.number == 2 and v2.name == v1.name and v2.materials.count() == 3 and v2.steps.count() == 4
    assert list(v2.themes.values_list("code", flat=True)) == ["l01"]
    with pytest.raises(TransitionError, match="已有未发布的修订版本"):
        services.start_revision(item=v1.item, by=people.editor)

    services.update_draft(
        version=v2,
        guide=make_guide(
            promised_limit=Decimal(5),
            materials=[
                {
                    "name": "食品经营许可申请书",
                    "form": "original",
                    "copies": 1,
                    "source": "applicant",
                    "required": True,
                }
            ],
        ),
        by=people.editor,
    )
    services.submit(version=v2, by=people.editor)
    services.legal_approve(version=v2, by=people.legal)
    services.reform_approve(version=v2, by=people.reform)

    v1.refresh_from_db()
    item = ServiceItem.objects.get(pk=v1.item_id)
    assert item.current_id == v2.pk and v1.state == VersionState.SUPERSEDED
    # A case filed under version 1 still reads version 1 as it was.
    assert v1.promised_limit == Decimal(10) and v1.materials.count() == 3
    assert ItemVersion.objects.get(pk=v2.pk).previous_id == v1.pk


def test_retiring_takes_an_item_off_the_portal_and_out_of_search(people) -> None:
    from yimen.catalog.queries import ItemFilter, public_items

    version = published(people)
    assert [row.pk for row in public_items(ItemFilter(q="食品经营"))] == [version.item_id]
    with pytest.raises(Exception, match="废止原因"):
        services.retire_item(item=version.item, by=people.editor, reason="")
    services.retire_item(item=version.item, by=people.editor, reason="依据国发〔2026〕1号取消")
    assert list(public_items(ItemFilter(q="食品经营"))) == []
    assert list(public_items()) == []
    with pytest.raises(TransitionError):
        services.retire_item(item=version.item, by=people.editor, reason="again")
