"""修订: changing an item that is already published, and dropping a draft nobody will publish.

A revision is a draft `Publication` row with `revision_of` set (why a row: see
`publishing.services.publications`). Opening one copies the item's content and its attachment rows (the
stored files are shared); while it is edited and reviewed the public keeps reading the item as published.
Approval (`publications.approve` calls `publish`) replaces the item's content and attachments with the
revision's, keeps a version with the change note, and deletes the revision row.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from yimen.core import audit, batch
from yimen.core.errors import TransitionError
from yimen.org.models import Staff
from yimen.publishing import attachments, content
from yimen.publishing.events import REVISED
from yimen.publishing.models import Attachment, Publication, PublicationState
from yimen.publishing.workflow import PUBLICATION, emit, locked, require_responsible

# What a revision carries over to the item. The validity and its dates are not among them: they are
# changed on the item itself (`publications.change_validity`), also while a revision is open.
REPLACED_FIELDS = (
    *content.TEXT_FIELDS,
    "kind",
    "summary",
    "body",
    "body_text",
    "written_on",
    "changed_on",
    "effective_on",
    "node",
    "due_on",
)
COPIED_FIELDS = (*REPLACED_FIELDS, "validity", "expired_on", "repealed_on")


def _copy_attachments(source: Publication, into: Publication) -> None:
    Attachment.objects.bulk_create(
        [
            Attachment(
                publication=into,
                name=a.name,
                file=a.file.name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                text=a.text,
                position=a.position,
                uploaded_at=a.uploaded_at,
            )
            for a in source.attachments.all()
        ]
    )


@batch.atomic
def open_revision(*, publication: Publication, by: Staff) -> Publication:
    """修订 a published item: a draft copy of it, its 变更日期 today (the editor may correct it), so its
    due date runs from the change (条例第二十六条). One revision at a time per item."""
    original = locked(publication)
    PUBLICATION.check(original.state, "revise")
    require_responsible(by, original.node)
    if original.revisions.exists():
        raise TransitionError("该信息已有修订稿，请在修订稿上继续修改")
    revision = Publication(
        organisation=original.organisation,
        node=original.node,
        created_by=by,
        revision_of=original,
        state=PublicationState.DRAFT,
    )
    for name in COPIED_FIELDS:
        setattr(revision, name, getattr(original, name))
    content.apply(revision, {"changed_on": timezone.localdate()})
    revision.save()
    _copy_attachments(original, revision)
    content.keep_version(revision, by, f"修订 {original.index_number}")
    audit.record(
        "publishing.revision_opened",
        original,
        actor=by,
        after={"revision": revision.pk, "changed_on": revision.changed_on, "due_on": revision.due_on},
    )
    return revision


def publish(revision: Publication, *, by: Staff) -> Publication:
    """The approved revision (locked, in review, checked by `publications.approve`) becomes the item's
    public content. Returns the item."""
    from yimen.publishing import search

    assert revision.revision_of_id is not None
    original = locked(revision.revision_of_id)
    if original.state != PublicationState.PUBLISHED:
        raise TransitionError(
            f"所修订的信息当前为“{original.get_state_display()}”，修订稿不能发布；请删除修订稿"
        )
    before: dict[str, Any] = {
        "title": original.title,
        "changed_on": original.changed_on,
        "due_on": original.due_on,
    }
    for name in REPLACED_FIELDS:
        setattr(original, name, getattr(revision, name))
    original.revised_at = timezone.now()
    replaced = list(original.attachments.values_list("file", flat=True))
    original.attachments.all().delete()
    revision.attachments.update(publication=original)
    transaction.on_commit(lambda: attachments.discard_unused(replaced))
    original.lock_version += 1
    original.save()
    version = content.keep_version(
        original, revision.created_by, revision.revision_note, published_at=original.revised_at
    )
    revision_id = revision.pk
    revision.delete()
    search.index(original)
    emit(original, REVISED, key=f"{REVISED.name}:{original.pk}:{version.number}", version=version.number)
    audit.record(
        "publishing.revised",
        original,
        actor=by,
        before=before,
        after={
            "version": version.number,
            "note": revision.revision_note,
            "changed_on": original.changed_on,
            "due_on": original.due_on,
            "revision": revision_id,
        },
    )
    return original


@batch.atomic
def discard_draft(*, publication: Publication, by: Staff) -> Publication | None:
    """删除 a draft that will not be published (a revision given up, or a draft never sent). The audit
    entries stay. Returns the item a revision belonged to."""
    draft = locked(publication)
    PUBLICATION.check(draft.state, "discard")
    require_responsible(by, draft.node)
    original = draft.revision_of
    names = list(draft.attachments.values_list("file", flat=True))
    if original is not None:
        audit.record("publishing.revision_discarded", original, actor=by, after={"revision": draft.pk})
    else:
        audit.record("publishing.draft_discarded", draft, actor=by, before={"title": draft.title})
    draft.delete()
    transaction.on_commit(lambda: attachments.discard_unused(names))
    return original
