"""A publication is drafted, reviewed and published with its 索引号; versions are kept; a withdrawn item
leaves a notice; responsibility for a catalogue node decides who may publish into it."""

from __future__ import annotations

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps

from tests.conftest import make_staff
from tests.publishing.conftest import normative
from yimen.core import audit
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.org.models import Role
from yimen.publishing import queries
from yimen.publishing.models import Kind, Publication, PublicationState, PublicationVersion, Validity
from yimen.publishing.services import publications

pytestmark = pytest.mark.django_db


def test_draft_review_publish_assigns_the_index_number_and_announces_it(desk) -> None:
    published = desk.published()
    assert published.state == PublicationState.PUBLISHED
    assert published.index_number == f"MB1534962/{published.published_at.year}-00001"
    assert published.organisation == desk.base.centre
    assert queries.public_publications().filter(pk=published.pk).exists()
    event = OutboxMessage.objects.get(name="publication.published")
    assert event.payload == {
        "id": published.pk,
        "index_number": published.index_number,
        "organisation_id": desk.base.centre.pk,
    }
    assert desk.index_calls == [("index", published.pk)]
    actions = list(
        AuditEntry.objects.filter(action__startswith="publishing.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "publishing.catalogue_created",
        "publishing.draft_created",
        "publishing.submitted",
        "publishing.published",
    ]
    assert audit.verify()[1] is None


def test_a_draft_is_not_public_and_gets_no_index_number(desk) -> None:
    draft = desk.draft()
    assert draft.index_number is None
    assert not queries.public_publications().filter(pk=draft.pk).exists()
    assert queries.public_page(draft.pk) is None


def test_steps_cannot_be_skipped(desk) -> None:
    draft = desk.draft()
    with pytest.raises(TransitionError, match="“草稿”状态的信息不能审核发布"):
        publications.approve(publication=draft, by=desk.base.head)
    publications.submit(publication=draft, by=desk.base.officer)
    with pytest.raises(TransitionError, match="“待审核”状态的信息不能修改"):
        publications.update_draft(
            publication=draft, by=desk.base.officer, lock_version=1, fields={"title": "改"}
        )


def test_only_a_reviewer_publishes_and_never_their_own_draft(desk) -> None:
    draft = desk.draft()
    publications.submit(publication=draft, by=desk.base.officer)
    with pytest.raises(NotPermitted):
        publications.approve(publication=draft, by=desk.base.officer)
    both = make_staff(
        "both",
        "钱两用",
        desk.base.centre,
        (Role.OFFICER, desk.base.centre),
        (Role.DISCLOSURE_HEAD, desk.base.centre),
    )
    own = publications.create_draft(by=both, node=desk.nodes["gzdt"], fields=normative(kind=Kind.NEWS))
    publications.submit(publication=own, by=both)
    with pytest.raises(NotPermitted, match="不能审核发布自己起草的信息"):
        publications.approve(publication=own, by=both)


def test_a_rejected_draft_goes_back_with_the_reason(desk) -> None:
    draft = desk.draft()
    publications.submit(publication=draft, by=desk.base.officer)
    with pytest.raises(ApplicationError) as refused:
        publications.reject(publication=draft, by=desk.base.head, reason=" ")
    assert refused.value.fields == {"reason": ["退回原因：退回时必须写明原因"]}
    publications.reject(publication=draft, by=desk.base.head, reason="文号有误")
    draft.refresh_from_db()
    assert draft.state == PublicationState.DRAFT
    assert draft.rejection_reason == "文号有误" and draft.rejected_at is not None
    entry = AuditEntry.objects.get(action="publishing.rejected")
    assert entry.summary["after"] == {"reason": "文号有误"}
    publications.submit(publication=draft, by=desk.base.officer)
    draft.refresh_from_db()
    assert draft.rejection_reason == "文号有误"  # the reviewer still sees why it came back
    published = publications.approve(publication=draft, by=desk.base.head)
    assert published.rejection_reason == "" and published.rejected_at is None


def test_existing_rejections_are_copied_from_the_audit_log_onto_their_drafts(desk) -> None:
    """Migration 0003 fills the new columns: the reason of a draft last rejected, and which version of a
    published item the public saw."""
    fill_in = import_module("yimen.publishing.migrations.0003_revisions_and_rejections").fill_in
    returned, resubmitted = desk.draft(), desk.draft(document_number="咸政务发〔2024〕6号")
    for draft in (returned, resubmitted):
        publications.submit(publication=draft, by=desk.base.officer)
        publications.reject(publication=draft, by=desk.base.head, reason=f"退回{draft.pk}")
    publications.submit(publication=resubmitted, by=desk.base.officer)
    published = desk.published(document_number="咸政务发〔2024〕7号")
    Publication.objects.update(rejection_reason="", rejected_at=None)
    PublicationVersion.objects.update(published_at=None, due_on=None)
    fill_in(apps, None)
    returned.refresh_from_db()
    assert returned.rejection_reason == f"退回{returned.pk}" and returned.rejected_at is not None
    assert Publication.objects.exclude(rejection_reason="").get() == returned  # in review: no reason
    version = published.versions.get()
    assert (version.published_at, version.due_on) == (published.published_at, published.due_on)


def test_every_saved_draft_is_kept_as_a_version(desk) -> None:
    draft = desk.draft()
    publications.update_draft(
        publication=draft, by=desk.base.officer, lock_version=draft.lock_version, fields={"title": "第二稿"}
    )
    versions = list(draft.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].snapshot["title"].startswith("咸宁市政务服务中心关于")
    assert versions[1].snapshot["title"] == "第二稿"
    assert versions[1].snapshot["written_on"] == "2024-09-27"


def test_a_stale_form_is_refused(desk) -> None:
    draft = desk.draft()
    stale = draft.lock_version
    publications.update_draft(
        publication=draft, by=desk.base.officer, lock_version=stale, fields={"title": "第二稿"}
    )
    with pytest.raises(TransitionError, match="已被他人修改"):
        publications.update_draft(
            publication=draft, by=desk.base.officer, lock_version=stale, fields={"title": "第三稿"}
        )


def test_bad_input_names_each_field_and_changes_nothing(desk) -> None:
    with pytest.raises(ApplicationError) as refused:
        publications.create_draft(
            by=desk.base.officer,
            node=desk.nodes["zcwj-gfxwj"],
            fields=normative(title="", document_number="", written_on="2024-13-01"),
        )
    assert refused.value.fields == {
        "title": ["标题：必填"],
        "document_number": ["文号：行政规范性文件必须填写文号"],
        "written_on": ["成文日期：应为日期，格式如 2024-05-20"],
    }
    with pytest.raises(ApplicationError) as refused:
        publications.create_draft(
            by=desk.base.officer, node=desk.nodes["gzdt"], fields=normative(written_on=date(2099, 1, 1))
        )
    assert refused.value.fields == {"written_on": ["成文日期：不能晚于今天"]}
    assert not desk.base.centre.publications.exists()


def test_a_withdrawn_item_leaves_a_public_notice(desk) -> None:
    published = desk.published()
    publications.withdraw(publication=published, by=desk.base.head, reason="内容已被新文件替代")
    assert not queries.public_publications().filter(pk=published.pk).exists()
    page = queries.public_page(published.pk)
    assert page is not None and page.state == PublicationState.WITHDRAWN
    assert page.withdrawn_reason == "内容已被新文件替代"
    assert desk.index_calls[-1] == ("remove", published.pk)
    assert OutboxMessage.objects.filter(name="publication.withdrawn", payload__id=published.pk).exists()
    with pytest.raises(TransitionError):
        publications.withdraw(publication=published, by=desk.base.head, reason="再次")


def test_repealing_a_document_records_the_date_and_reindexes_it(desk) -> None:
    published = desk.published()
    publications.change_validity(
        publication=published, by=desk.base.officer, validity=Validity.REPEALED, on=date(2025, 6, 30)
    )
    published.refresh_from_db()
    assert published.validity == Validity.REPEALED and published.repealed_on == date(2025, 6, 30)
    assert desk.index_calls[-1] == ("index", published.pk)
    with pytest.raises(ApplicationError) as refused:
        publications.change_validity(
            publication=published, by=desk.base.officer, validity=Validity.EXPIRED, on=None
        )
    assert refused.value.fields == {"expired_on": ["失效日期：有效性为“失效”时必填"]}


def test_the_body_is_sanitised_and_its_text_kept_for_search(desk) -> None:
    draft = desk.draft(body='<p onclick="steal()">第一条<script>alert(1)</script></p><p>第二条</p>')
    assert draft.body == "<p>第一条</p><p>第二条</p>"
    assert draft.body_text == "第一条\n第二条"
    assert draft.summary == "第一条 第二条"


def test_a_generated_document_is_published_at_once_under_its_node(desk) -> None:
    report = publications.publish_now(
        by=desk.base.head,
        organisation=desk.base.centre,
        node_code="ndbg",
        fields={
            "title": "咸宁市政务服务中心2025年政府信息公开工作年度报告",
            "kind": Kind.ANNUAL_REPORT,
            "written_on": date(2026, 1, 20),
            "body": "一、总体情况",
        },
    )
    assert report.state == PublicationState.PUBLISHED and report.node.code == "ndbg"
    assert report.index_number.endswith("-00001")
    with pytest.raises(NotPermitted):
        publications.publish_now(
            by=desk.base.other, organisation=desk.base.centre, node_code="ndbg", fields={"title": "x"}
        )


# --- responsibility (栏目责任到人) -------------------------------------------------------------


def test_an_editor_publishes_only_into_the_nodes_they_are_responsible_for(desk) -> None:
    colleague = make_staff("officer2", "钱编辑", desk.base.centre, (Role.OFFICER, desk.base.centre))
    desk.nodes["zcwj-gfxwj"].editors.add(colleague)
    with pytest.raises(NotPermitted, match="不是公开目录“行政规范性文件”的责任编辑"):
        desk.draft()
    publications.create_draft(by=colleague, node=desk.nodes["zcwj-gfxwj"], fields=normative())
    # a node that names no editors is open to every editor of its organisation
    assert publications.create_draft(
        by=desk.base.officer, node=desk.nodes["gzdt"], fields=normative(kind=Kind.NEWS)
    )


def test_other_organisations_cannot_draft_into_the_centres_catalogue(desk) -> None:
    market_officer = make_staff("mo", "马公开", desk.base.market, (Role.OFFICER, desk.base.market))
    with pytest.raises(NotPermitted):
        publications.create_draft(
            by=market_officer, node=desk.nodes["gzdt"], fields=normative(kind=Kind.NEWS)
        )
    with pytest.raises(NotPermitted):
        publications.create_draft(
            by=desk.base.clerk, node=desk.nodes["gzdt"], fields=normative(kind=Kind.NEWS)
        )


def test_moving_a_draft_needs_responsibility_for_the_new_node(desk) -> None:
    draft = desk.draft()
    colleague = make_staff("officer2", "钱编辑", desk.base.centre, (Role.OFFICER, desk.base.centre))
    desk.nodes["zcwj-gz"].editors.add(colleague)
    with pytest.raises(NotPermitted):
        publications.update_draft(
            publication=draft,
            by=desk.base.officer,
            lock_version=draft.lock_version,
            fields={"node": "zcwj-gz"},
        )
