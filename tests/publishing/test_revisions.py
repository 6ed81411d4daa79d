"""修订: a published item is changed through a draft copy that is reviewed like any draft. The public
keeps reading the published text until the change is approved; then the text is replaced under the
same 索引号, 变更日期 restarts the 20 working days (条例第二十六条), and the 变更记录 keeps the old text."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from tests.conftest import make_staff
from tests.publishing.test_attachments import docx_file, xlsx_file
from yimen.core import audit
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.org.models import Role
from yimen.publishing import queries
from yimen.publishing.models import Attachment, Publication, PublicationState, PublicationVersion
from yimen.publishing.services import publications, revisions

pytestmark = pytest.mark.django_db

NEW_BODY = "<p>各进驻单位：</p><p>办理时限由5个工作日压缩为3个工作日。</p>"


def _at(monkeypatch, *moment: int) -> None:
    local = timezone.make_aware(datetime(*moment))
    monkeypatch.setattr(timezone, "now", lambda: local)


def _revise(desk, published: Publication, **fields) -> Publication:
    """Open a revision of `published`, save `fields` into it and submit it."""
    revision = revisions.open_revision(publication=published, by=desk.base.officer)
    fields = {"body": NEW_BODY, "changed_on": "2025-01-20", "revision_note": "压缩办理时限"} | fields
    publications.update_draft(
        publication=revision, by=desk.base.officer, lock_version=revision.lock_version, fields=fields
    )
    return publications.submit(publication=revision, by=desk.base.officer)


def test_the_public_keeps_the_published_text_until_the_revision_is_approved(
    desk, client, monkeypatch
) -> None:
    _at(monkeypatch, 2024, 10, 8, 9, 0)
    published = desk.published()
    first_published_at, index_number = published.published_at, published.index_number
    audit.seal()  # as the worker does every second, before months pass
    _at(monkeypatch, 2025, 1, 21, 9, 0)
    revision = _revise(desk, published)
    assert revision.state == PublicationState.REVIEW and revision.revision_of_id == published.pk
    assert revision.index_number is None
    page = client.get(f"/open/{published.pk}/").content.decode()
    assert "为进一步压缩办理时限" in page and "3个工作日" not in page
    assert client.get(f"/open/{revision.pk}/").status_code == 404
    assert list(queries.public_publications()) == [published]

    audit.seal()
    _at(monkeypatch, 2025, 2, 10, 15, 0)
    revised = publications.approve(publication=revision, by=desk.base.head)

    assert revised.pk == published.pk
    published.refresh_from_db()
    assert "3个工作日" in published.body and "3个工作日" in published.body_text
    assert published.index_number == index_number and published.published_at == first_published_at
    assert published.changed_on == date(2025, 1, 20)
    # 2025-01-20 + 20 working days across the Spring Festival (see test_timeliness) = 2025-02-21.
    assert published.due_on == date(2025, 2, 21)
    assert published.revised_at == timezone.now()
    assert not Publication.objects.filter(pk=revision.pk).exists()
    change = published.versions.order_by("-number").first()
    assert change is not None and change.note == "压缩办理时限"
    assert change.published_at == published.revised_at and change.due_on == date(2025, 2, 21)
    assert change.snapshot["body"] == published.body
    first = published.versions.filter(published_at__isnull=False).order_by("number").first()
    assert first is not None and first.published_at == first_published_at
    assert first.due_on == date(2024, 10, 30) and "为进一步压缩办理时限" in first.snapshot["body"]
    assert desk.index_calls[-1] == ("index", published.pk)
    event = OutboxMessage.objects.get(name="publication.revised")
    assert event.payload == {
        "id": published.pk,
        "index_number": index_number,
        "organisation_id": desk.base.centre.pk,
        "version": change.number,
    }
    entry = AuditEntry.objects.get(action="publishing.revised")
    assert entry.object_id == str(published.pk) and entry.summary["after"]["note"] == "压缩办理时限"
    assert audit.verify()[1] is None


def test_the_portal_shows_the_change_record_and_keeps_the_old_text_readable(desk, client) -> None:
    draft = desk.draft(title="初稿标题")
    publications.update_draft(
        publication=draft, by=desk.base.officer, lock_version=draft.lock_version, fields={"title": "定稿标题"}
    )
    publications.submit(publication=draft, by=desk.base.officer)
    published = publications.approve(publication=draft, by=desk.base.head)
    revision = _revise(desk, published)
    publications.approve(publication=revision, by=desk.base.head)
    page = client.get(f"/open/{published.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "变更记录" in html and "2025-01-20" in html and "压缩办理时限" in html and "首次发布" in html
    first = published.versions.filter(published_at__isnull=False).order_by("number").first()
    assert first is not None and f"/open/{published.pk}/versions/{first.number}/" in html
    old = client.get(f"/open/{published.pk}/versions/{first.number}/")
    assert old.status_code == 200
    text = old.content.decode()
    assert "为进一步压缩办理时限" in text and "3个工作日" not in text and "历史版本" in text
    assert published.index_number in text and "定稿标题" in text
    latest = published.versions.order_by("-number").first()
    assert latest is not None
    current = client.get(f"/open/{published.pk}/versions/{latest.number}/")
    assert current.status_code == 302 and current["Location"] == f"/open/{published.pk}/"
    draft_version = published.versions.get(number=1)  # 初稿标题: saved, never published
    assert draft_version.published_at is None
    assert client.get(f"/open/{published.pk}/versions/{draft_version.number}/").status_code == 404


def test_a_rejected_revision_goes_back_to_the_editor_and_the_public_version_is_untouched(desk) -> None:
    published = desk.published()
    before = Publication.objects.values().get(pk=published.pk)
    versions = published.versions.count()
    calls = list(desk.index_calls)
    revision = _revise(desk, published)
    publications.reject(publication=revision, by=desk.base.head, reason="变更日期应为发文日期")
    revision.refresh_from_db()
    assert revision.state == PublicationState.DRAFT
    assert revision.rejection_reason == "变更日期应为发文日期" and revision.rejected_at is not None
    assert Publication.objects.values().get(pk=published.pk) == before
    assert published.versions.count() == versions
    assert desk.index_calls == calls
    assert not OutboxMessage.objects.filter(name="publication.revised").exists()
    # corrected and sent again, it is published and the reason is cleared with it
    publications.update_draft(
        publication=revision, by=desk.base.officer, lock_version=revision.lock_version, fields={}
    )
    publications.submit(publication=revision, by=desk.base.officer)
    publications.approve(publication=revision, by=desk.base.head)
    published.refresh_from_db()
    assert published.rejection_reason == "" and "3个工作日" in published.body


def test_a_revision_must_say_what_changed(desk) -> None:
    published = desk.published()
    revision = revisions.open_revision(publication=published, by=desk.base.officer)
    assert revision.changed_on == timezone.localdate()
    with pytest.raises(ApplicationError) as refused:
        publications.submit(publication=revision, by=desk.base.officer)
    assert list(refused.value.fields) == ["revision_note"]
    with pytest.raises(ApplicationError) as refused:
        publications.update_draft(
            publication=revision,
            by=desk.base.officer,
            lock_version=revision.lock_version,
            fields={"changed_on": "", "revision_note": "改"},
        )
    assert refused.value.fields["changed_on"][0].startswith("变更日期：修订已发布的信息时必填")


def test_one_revision_at_a_time_of_a_published_item_by_its_editors(desk) -> None:
    draft = desk.draft()
    with pytest.raises(TransitionError, match="“草稿”状态的信息不能修订"):
        revisions.open_revision(publication=draft, by=desk.base.officer)
    published = desk.published(document_number="咸政务发〔2024〕6号")
    revisions.open_revision(publication=published, by=desk.base.officer)
    with pytest.raises(TransitionError, match="已有修订稿"):
        revisions.open_revision(publication=published, by=desk.base.officer)
    outsider = make_staff("editor2", "吴编辑", desk.base.centre, (Role.OFFICER, desk.base.centre))
    desk.nodes["zcwj-gfxwj"].editors.add(desk.base.officer)
    other = desk.published(node="gzdt", document_number="咸政务发〔2024〕7号")
    desk.nodes["gzdt"].editors.add(desk.base.officer)
    with pytest.raises(NotPermitted):
        revisions.open_revision(publication=other, by=outsider)


def test_the_reviewer_does_not_approve_a_revision_they_wrote(desk) -> None:
    both = make_staff(
        "both",
        "钱两用",
        desk.base.centre,
        (Role.OFFICER, desk.base.centre),
        (Role.DISCLOSURE_HEAD, desk.base.centre),
    )
    published = desk.published()
    revision = revisions.open_revision(publication=published, by=both)
    publications.update_draft(
        publication=revision,
        by=both,
        lock_version=revision.lock_version,
        fields={"revision_note": "改正错字"},
    )
    publications.submit(publication=revision, by=both)
    with pytest.raises(NotPermitted, match="不能审核发布自己起草的信息"):
        publications.approve(publication=revision, by=both)


def test_a_revision_of_a_withdrawn_item_cannot_be_published_and_can_be_discarded(desk) -> None:
    published = desk.published()
    revision = _revise(desk, published)
    publications.withdraw(publication=published, by=desk.base.head, reason="已被新文件替代")
    with pytest.raises(TransitionError, match="所修订的信息当前为“已撤回”"):
        publications.approve(publication=revision, by=desk.base.head)
    publications.reject(publication=revision, by=desk.base.head, reason="原文件已撤回")
    assert revisions.discard_draft(publication=revision, by=desk.base.officer) == published
    assert not Publication.objects.filter(pk=revision.pk).exists()
    assert AuditEntry.objects.filter(
        action="publishing.revision_discarded", object_id=str(published.pk)
    ).exists()


def test_attachments_are_replaced_on_approval_and_shared_files_survive_a_discard(
    desk, django_capture_on_commit_callbacks
) -> None:
    storage = Attachment._meta.get_field("file").storage
    draft = publications.create_draft(
        by=desk.base.officer,
        node=desk.nodes["zcwj-gfxwj"],
        fields={"title": "收费目录", "kind": "document", "written_on": "2024-09-27", "body": "正文"},
        files=[docx_file("旧附件正文")],
    )
    publications.submit(publication=draft, by=desk.base.officer)
    published = publications.approve(publication=draft, by=desk.base.head)
    old = published.attachments.get()

    given_up = revisions.open_revision(publication=published, by=desk.base.officer)
    assert given_up.attachments.get().file.name == old.file.name
    with django_capture_on_commit_callbacks(execute=True):
        revisions.discard_draft(publication=given_up, by=desk.base.officer)
    assert storage.exists(old.file.name) and published.attachments.get() == old

    revision = revisions.open_revision(publication=published, by=desk.base.officer)
    with django_capture_on_commit_callbacks(execute=True):
        publications.update_draft(
            publication=revision,
            by=desk.base.officer,
            lock_version=revision.lock_version,
            fields={"remove_attachments": [str(revision.attachments.get().pk)], "revision_note": "更换附件"},
            files=[xlsx_file([["新收费目录"]])],
        )
    assert storage.exists(old.file.name)  # still the published item's
    assert [a.name for a in published.attachments.all()] == [old.name]
    publications.submit(publication=revision, by=desk.base.officer)
    with django_capture_on_commit_callbacks(execute=True):
        publications.approve(publication=revision, by=desk.base.head)
    assert [a.name for a in published.attachments.all()] == ["附件2.xlsx"]
    assert "新收费目录" in published.attachments.get().text
    assert not storage.exists(old.file.name)


def test_a_revised_item_is_judged_by_its_change_in_the_year_of_the_change(desk, monkeypatch) -> None:
    _at(monkeypatch, 2024, 10, 8, 9, 0)
    published = desk.published()
    assert queries.timeliness(desk.base.centre, 2024).on_time == 1
    _at(monkeypatch, 2025, 2, 24, 9, 0)  # one working day after 2025-02-21
    revision = _revise(desk, published)
    revised = publications.approve(publication=revision, by=desk.base.head)
    assert not publications.publication_on_time(revised)
    this_year = queries.timeliness(desk.base.centre, 2025)
    assert (this_year.published, this_year.on_time, this_year.late) == (1, 0, 1)
    assert queries.timeliness(desk.base.centre, 2024).published == 0
    assert list(queries.published_late({desk.base.centre.pk}, 2025)) == [revised]
    first = PublicationVersion.objects.filter(publication=revised, published_at__isnull=False).first()
    assert first is not None and first.published_at.date() <= first.due_on  # the first one was on time


def test_a_draft_never_published_can_be_deleted_by_its_editor(desk) -> None:
    draft = desk.draft()
    with pytest.raises(NotPermitted):
        revisions.discard_draft(publication=draft, by=desk.base.head)  # not an editor of the node
    assert revisions.discard_draft(publication=draft, by=desk.base.officer) is None
    assert not Publication.objects.filter(pk=draft.pk).exists()
    entry = AuditEntry.objects.get(action="publishing.draft_discarded")
    assert entry.object_id == str(draft.pk)
    published = desk.published(document_number="咸政务发〔2024〕6号")
    with pytest.raises(TransitionError, match="不能删除"):
        revisions.discard_draft(publication=published, by=desk.base.officer)
