"""Write paths of proactive disclosure: draft, review, publish, revise, withdraw, change validity.

One transition table (`workflow.PUBLICATION`) takes a publication from 草稿 through 待审核 to 已发布
(and 已撤回). Publishing assigns the 索引号 and updates the search index in the same transaction (the
index lives in the same database), and writes the `publication.published` event to the outbox. Each
service is one transaction with one audit entry; attachments stored by a failed call are deleted with
it. Who may act where: `workflow` (栏目责任到人).

Revising a published item (条例第二十六条: information 形成或者变更 is published within 20 working
days): the editor opens a revision, which is a second publication row in 草稿 with `revision_of`
pointing at the item, a copy of its content and of its attachment rows (the files are shared). It is
edited, submitted, rejected and approved exactly like a draft. On approval its content replaces the
item's, its attachments become the item's, a version is kept with the change note, `changed_on` and
`due_on` (20 working days from the change) are the revision's, and the revision row is deleted; the
item keeps its id, 索引号 and first 发布日期, so every link and citation stays valid.

Why a separate row rather than a pending JSON copy on the item: the editor, its form and uploads, the
review queue, the due list and the rejection all work on publication rows already and are reused as
they are; and everything the public reads (lists, search, feeds, API, attachment downloads) filters on
the item's own state and attachment rows, so nothing of the revision can show before approval.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from yimen.core import audit, batch
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can
from yimen.publishing import attachments, content
from yimen.publishing.events import PUBLISHED, VALIDITY_CHANGED, WITHDRAWN
from yimen.publishing.index_numbers import assign
from yimen.publishing.models import CatalogueNode, Publication, PublicationState, Validity
from yimen.publishing.services import revisions
from yimen.publishing.services.catalogue import ensure_catalogue
from yimen.publishing.workflow import (
    PUBLICATION,
    active_node,
    emit,
    is_responsible,
    locked,
    require_responsible,
    require_reviewer,
    save_state,
    with_files,
)

# --- drafting ----------------------------------------------------------------------------------------


def create_draft(
    *, by: Staff, node: CatalogueNode, fields: dict[str, Any], files: Sequence[UploadedFile] = ()
) -> Publication:
    """A new draft in `node`, with its first version; its 第二十六条 due date is set at once."""
    node = active_node(node)
    require_responsible(by, node)
    with with_files(files) as (checked, stored):
        publication = Publication(organisation=node.organisation, node=node, created_by=by)
        content.apply(publication, fields)
        publication.save()
        attachments.store(publication, checked, stored)
        content.keep_version(publication, by, "起草")
        audit.record(
            "publishing.draft_created",
            publication,
            actor=by,
            after={"title": publication.title, "node": node.code, "due_on": publication.due_on},
        )
    return publication


def update_draft(
    *,
    publication: Publication,
    by: Staff,
    lock_version: int,
    fields: dict[str, Any],
    files: Sequence[UploadedFile] = (),
) -> Publication:
    """Save a draft's changes as a new version. `fields["node"]` moves it to another node of the same
    organisation; `fields["remove_attachments"]` lists attachment ids to drop."""
    with with_files(files) as (checked, stored):
        publication = locked(publication, lock_version)
        PUBLICATION.check(publication.state, "edit")
        require_responsible(by, publication.node)
        if fields.get("node") not in (None, "", publication.node_id, publication.node.code):
            node = active_node(fields["node"], publication.organisation)
            require_responsible(by, node)
            publication.node = node
        before = {"title": publication.title, "due_on": publication.due_on}
        content.apply(publication, fields)
        removed = [int(i) for i in fields.get("remove_attachments") or () if str(i).isdigit()]
        if removed:
            dropped = publication.attachments.filter(pk__in=removed)
            names = [a.file.name for a in dropped]
            dropped.delete()
            transaction.on_commit(lambda: attachments.discard_unused(names))
        attachments.store(publication, checked, stored)
        publication.lock_version += 1
        publication.save()
        version = content.keep_version(publication, by, "修改草稿")
        audit.record(
            "publishing.draft_saved",
            publication,
            actor=by,
            before=before,
            after={"title": publication.title, "due_on": publication.due_on, "version": version.number},
        )
    return publication


@batch.atomic
def submit(*, publication: Publication, by: Staff) -> Publication:
    """提交审核. The rules are checked again (the calendar or the kind's needs may have changed), and a
    revision must say what changed."""
    publication = locked(publication)
    next_state = PUBLICATION.target(publication.state, "submit")
    require_responsible(by, publication.node)
    content.apply(publication, {})
    content.check_submittable(publication)
    save_state(publication, next_state, "summary", "due_on")
    audit.record("publishing.submitted", publication, actor=by, after={"state": next_state})
    return publication


# --- review and publication --------------------------------------------------------------------------


def _publish(publication: Publication, state: str, *, at: Any = None) -> None:
    """Assign the 索引号 in the year of publication, index the item and announce it."""
    from yimen.publishing import search

    publication.published_at = at or timezone.now()
    year = timezone.localtime(publication.published_at).year
    publication.index_number, publication.index_serial = assign(publication.organisation, year)
    publication.index_year = year
    publication.rejection_reason, publication.rejected_at = "", None
    save_state(
        publication,
        state,
        "published_at",
        "index_number",
        "index_serial",
        "index_year",
        "rejection_reason",
        "rejected_at",
    )
    content.mark_published(publication)
    search.index(publication)
    emit(publication, PUBLISHED, key=f"{PUBLISHED.name}:{publication.pk}")


@batch.atomic
def approve(*, publication: Publication, by: Staff) -> Publication:
    """审核发布: the reviewer (not the editor who drafted it) publishes; the 索引号 is assigned now. A
    revision is published into the item it revises, which is returned."""
    publication = locked(publication)
    next_state = PUBLICATION.target(publication.state, "approve")
    require_reviewer(by, publication)
    if publication.created_by_id == by.pk:
        raise NotPermitted("审核人不能审核发布自己起草的信息")
    if publication.revision_of_id is not None:
        return revisions.publish(publication, by=by)
    _publish(publication, next_state)
    audit.record(
        "publishing.published",
        publication,
        actor=by,
        after={"index_number": publication.index_number, "on_time": publication_on_time(publication)},
    )
    return publication


def publication_on_time(publication: Publication) -> bool:
    """Was the public content published by its due date? A revised item is judged by its last change."""
    published = publication.last_published_at
    assert published is not None
    return timezone.localtime(published).date() <= publication.due_on


@batch.atomic
def reject(*, publication: Publication, by: Staff, reason: str) -> Publication:
    """退回修改: back to the editor with the reason, kept on the item until it is published (a revision
    goes back alone: the published item is not touched)."""
    if not reason.strip():
        raise ApplicationError("请填写退回原因", fields={"reason": ["退回原因：退回时必须写明原因"]})
    publication = locked(publication)
    next_state = PUBLICATION.target(publication.state, "reject")
    require_reviewer(by, publication)
    publication.rejection_reason, publication.rejected_at = reason.strip()[:300], timezone.now()
    save_state(publication, next_state, "rejection_reason", "rejected_at")
    audit.record("publishing.rejected", publication, actor=by, after={"reason": publication.rejection_reason})
    return publication


@batch.atomic
def withdraw(*, publication: Publication, by: Staff, reason: str) -> Publication:
    """撤回: the item leaves the lists, the search and the feeds; its page keeps a notice with the reason."""
    from yimen.publishing import search

    if not reason.strip():
        raise ApplicationError(
            "请填写撤回原因", fields={"reason": ["撤回原因：撤回时必须写明原因，将向公众显示"]}
        )
    publication = locked(publication)
    next_state = PUBLICATION.target(publication.state, "withdraw")
    require_reviewer(by, publication)
    publication.withdrawn_at, publication.withdrawn_reason = timezone.now(), reason.strip()[:300]
    save_state(publication, next_state, "withdrawn_at", "withdrawn_reason")
    search.remove(publication.pk)
    emit(publication, WITHDRAWN, key=f"{WITHDRAWN.name}:{publication.pk}")
    audit.record(
        "publishing.withdrawn", publication, actor=by, after={"reason": publication.withdrawn_reason}
    )
    return publication


@batch.atomic
def change_validity(*, publication: Publication, by: Staff, validity: str, on: date | None) -> Publication:
    """有效性: a document becomes 失效 or 废止 on a date (counted in the annual report's 本年废止件数),
    or is 有效 again (a mistaken entry corrected: both dates are cleared)."""
    from yimen.publishing import search

    publication = locked(publication)
    next_state = PUBLICATION.target(publication.state, "change_validity")
    if not (is_responsible(by, publication.node) or can(by, "publication.review", publication)):
        raise NotPermitted("您不是该栏目的责任编辑，也没有审核权限，不能变更有效性")
    if validity not in Validity.values:
        raise ApplicationError("有效性不正确", fields={"validity": ["有效性：只能是有效、失效或废止"]})
    before = {
        "validity": publication.validity,
        "expired_on": publication.expired_on,
        "repealed_on": publication.repealed_on,
    }
    if validity == Validity.VALID:
        publication.expired_on = publication.repealed_on = None
    else:
        field = "repealed_on" if validity == Validity.REPEALED else "expired_on"
        setattr(publication, field, on)
    fields = {
        "validity": validity,
        "expired_on": publication.expired_on,
        "repealed_on": publication.repealed_on,
    }
    content.apply(publication, fields)
    save_state(publication, next_state, "validity", "expired_on", "repealed_on")
    search.index(publication)
    emit(
        publication,
        VALIDITY_CHANGED,
        key=f"{VALIDITY_CHANGED.name}:{publication.pk}:{publication.lock_version}",
        validity=validity,
    )
    audit.record("publishing.validity_changed", publication, actor=by, before=before, after=fields)
    return publication


def publish_now(
    *,
    by: Staff | None,
    organisation: Organisation,
    node_code: str,
    fields: dict[str, Any],
    files: Sequence[UploadedFile] = (),
) -> Publication:
    """Publish a document the system generated (the annual report) without the review queue: it was
    reviewed where it was made. `by` needs a disclosure role over the organisation (None: the system)."""
    allowed = ("publication.edit", "publication.review", "report.review")
    if by is not None and not any(can(by, action, organisation) for action in allowed):
        raise NotPermitted("您没有该机构主动公开信息的发布权限")
    ensure_catalogue(organisation=organisation)
    node = active_node(node_code, organisation)
    with with_files(files) as (checked, stored):
        publication = Publication(organisation=organisation, node=node, created_by=by)
        content.apply(publication, fields)
        publication.save()
        attachments.store(publication, checked, stored)
        content.keep_version(publication, by, "系统生成并发布")
        _publish(publication, PublicationState.PUBLISHED)
        audit.record(
            "publishing.published",
            publication,
            actor=by,
            after={"index_number": publication.index_number, "node": node.code, "generated": True},
        )
    return publication


@batch.atomic
def recompute_due_dates(*, since: date) -> int:
    """A calendar change moved working days on or after `since`: drafts and items in review due then get
    their 第二十六条 date again. Published items keep the date they were judged by."""
    waiting = list(
        Publication.objects.select_for_update()
        .filter(state__in=[PublicationState.DRAFT, PublicationState.REVIEW], due_on__gte=since)
        .only("pk", "written_on", "changed_on", "due_on")
    )
    moved = []
    for publication in waiting:
        due = content.due_on(publication.written_on, publication.changed_on)
        if due != publication.due_on:
            publication.due_on = due
            moved.append(publication)
    Publication.objects.bulk_update(moved, ["due_on"], batch_size=500)
    if moved:
        audit.record(
            "publishing.due_dates_recomputed",
            object_type="publishing.publication",
            object_id="*",
            object_repr="应公开日期",
            after={"since": since, "count": len(moved)},
        )
    return len(moved)
