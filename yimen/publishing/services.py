"""Write paths of proactive disclosure: draft, review, publish, withdraw, change validity.

One transition table takes a publication from 草稿 through 待审核 to 已发布 (and 已撤回). Publishing
assigns the 索引号 and updates the search index in the same transaction (the index lives in the same
database), and writes the `publication.published` event to the outbox. Each service is one
transaction with one audit entry; attachments stored by a failed call are deleted with it.

Responsibility (栏目责任到人, "an editor can publish only into nodes it is responsible for"): an
editor must hold `publication.edit` over the node's organisation and, when the node names editors,
be one of them. A node without named editors is open to every editor of its organisation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from yimen.core import audit, events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can
from yimen.publishing import attachments, content
from yimen.publishing.catalogue_services import ensure_catalogue as ensure_catalogue  # re-exported
from yimen.publishing.index_numbers import assign
from yimen.publishing.models import CatalogueNode, Publication, PublicationState, Validity

PUBLISHED = "publication.published"
WITHDRAWN = "publication.withdrawn"
VALIDITY_CHANGED = "publication.validity_changed"

# (state, action) → next state. Anything else is a TransitionError (HTTP 409).
TRANSITIONS: dict[tuple[str, str], str] = {
    (PublicationState.DRAFT, "edit"): PublicationState.DRAFT,
    (PublicationState.DRAFT, "submit"): PublicationState.REVIEW,
    (PublicationState.REVIEW, "approve"): PublicationState.PUBLISHED,
    (PublicationState.REVIEW, "reject"): PublicationState.DRAFT,
    (PublicationState.PUBLISHED, "withdraw"): PublicationState.WITHDRAWN,
    (PublicationState.PUBLISHED, "change_validity"): PublicationState.PUBLISHED,
}
ACTION_LABELS = {
    "edit": "修改",
    "submit": "提交审核",
    "approve": "审核发布",
    "reject": "退回修改",
    "withdraw": "撤回",
    "change_validity": "变更有效性",
}


def is_responsible(staff: Staff, node: CatalogueNode) -> bool:
    """May `staff` draft and submit into `node`? (see the module docstring)"""
    if not can(staff, "publication.edit", node.organisation):
        return False
    editors = list(node.editors.values_list("pk", flat=True))
    return not editors or staff.pk in editors


def _require_responsible(staff: Staff, node: CatalogueNode) -> None:
    if not is_responsible(staff, node):
        raise NotPermitted(f"您不是公开目录“{node.name}”的责任编辑，不能在该栏目起草或提交信息")


def _require_reviewer(staff: Staff, publication: Publication) -> None:
    if not can(staff, "publication.review", publication):
        raise NotPermitted("您没有该机构主动公开信息的审核权限")


def _target(publication: Publication, action: str) -> str:
    target = TRANSITIONS.get((publication.state, action))
    if target is None:
        raise TransitionError(f"“{publication.get_state_display()}”状态的信息不能{ACTION_LABELS[action]}")
    return target


def _locked(publication: Publication, lock_version: int | None = None) -> Publication:
    locked = (
        Publication.objects.select_for_update(of=("self",))
        .select_related("node", "organisation")
        .get(pk=publication.pk)
    )
    if lock_version is not None and locked.lock_version != lock_version:
        raise TransitionError("该信息已被他人修改，请刷新页面后重试")
    return locked


def _save(publication: Publication, state: str, *fields: str) -> None:
    publication.state = state
    publication.lock_version += 1
    publication.save(update_fields=["state", "lock_version", "updated_at", *fields])


def _payload(publication: Publication) -> dict[str, Any]:
    return {
        "id": publication.pk,
        "index_number": publication.index_number,
        "organisation_id": publication.organisation_id,
    }


@contextmanager
def _with_files(files: Sequence[UploadedFile]) -> Iterator[tuple[list[attachments.Checked], list[str]]]:
    """Files checked before the transaction; those stored inside it are deleted if it rolls back."""
    checked = attachments.check_all(files)
    stored: list[str] = []
    try:
        with transaction.atomic():
            yield checked, stored
    except BaseException:
        attachments.discard(stored)
        raise


def _node(node: CatalogueNode | int | str, organisation: Organisation | None = None) -> CatalogueNode:
    if isinstance(node, CatalogueNode):
        if not node.is_active:
            raise ApplicationError("公开目录已停用", fields={"node": [f"公开目录：栏目“{node.name}”已停用"]})
        return node
    nodes = CatalogueNode.objects.select_related("organisation")
    try:
        if isinstance(node, int) or str(node).isdigit():
            found = nodes.get(pk=int(node), is_active=True)
        else:
            found = nodes.get(organisation=organisation, code=str(node), is_active=True)
    except CatalogueNode.DoesNotExist:
        raise ApplicationError(
            "公开目录不存在", fields={"node": ["公开目录：请选择本机构在用的栏目"]}
        ) from None
    if organisation is not None and found.organisation_id != organisation.pk:
        raise ApplicationError("公开目录不属于该机构", fields={"node": ["公开目录：请选择本机构的栏目"]})
    return found


# --- drafting ----------------------------------------------------------------------------------------


def create_draft(
    *, by: Staff, node: CatalogueNode, fields: dict[str, Any], files: Sequence[UploadedFile] = ()
) -> Publication:
    """A new draft in `node`, with its first version; its 第二十六条 due date is set at once."""
    node = _node(node)
    _require_responsible(by, node)
    with _with_files(files) as (checked, stored):
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
    with _with_files(files) as (checked, stored):
        publication = _locked(publication, lock_version)
        _target(publication, "edit")
        _require_responsible(by, publication.node)
        if fields.get("node") not in (None, "", publication.node_id, publication.node.code):
            node = _node(fields["node"], publication.organisation)
            _require_responsible(by, node)
            publication.node = node
        before = {"title": publication.title, "due_on": publication.due_on}
        content.apply(publication, fields)
        removed = [int(i) for i in fields.get("remove_attachments") or () if str(i).isdigit()]
        if removed:
            dropped = publication.attachments.filter(pk__in=removed)
            names = [a.file.name for a in dropped]
            dropped.delete()
            transaction.on_commit(lambda: attachments.discard(names))
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


@transaction.atomic
def submit(*, publication: Publication, by: Staff) -> Publication:
    publication = _locked(publication)
    target = _target(publication, "submit")
    _require_responsible(by, publication.node)
    content.apply(publication, {})  # the rules again: the calendar or the kind's needs may have changed
    _save(publication, target, "summary", "due_on")
    audit.record("publishing.submitted", publication, actor=by, after={"state": target})
    return publication


# --- review and publication --------------------------------------------------------------------------


def _publish(publication: Publication, target: str, *, at: Any = None) -> None:
    """Assign the 索引号 in the year of publication, index the item and announce it."""
    from yimen.publishing import search

    publication.published_at = at or timezone.now()
    year = timezone.localtime(publication.published_at).year
    publication.index_number, publication.index_serial = assign(publication.organisation, year)
    publication.index_year = year
    _save(publication, target, "published_at", "index_number", "index_serial", "index_year")
    search.index(publication)
    events.emit(PUBLISHED, _payload(publication), key=f"{PUBLISHED}:{publication.pk}")


@transaction.atomic
def approve(*, publication: Publication, by: Staff) -> Publication:
    """审核发布: the reviewer (not the editor who drafted it) publishes; the 索引号 is assigned now."""
    publication = _locked(publication)
    target = _target(publication, "approve")
    _require_reviewer(by, publication)
    if publication.created_by_id == by.pk:
        raise NotPermitted("审核人不能审核发布自己起草的信息")
    _publish(publication, target)
    audit.record(
        "publishing.published",
        publication,
        actor=by,
        after={"index_number": publication.index_number, "on_time": publication_on_time(publication)},
    )
    return publication


def publication_on_time(publication: Publication) -> bool:
    assert publication.published_at is not None
    return timezone.localtime(publication.published_at).date() <= publication.due_on


@transaction.atomic
def reject(*, publication: Publication, by: Staff, reason: str) -> Publication:
    if not reason.strip():
        raise ApplicationError("请填写退回原因", fields={"reason": ["退回原因：退回时必须写明原因"]})
    publication = _locked(publication)
    target = _target(publication, "reject")
    _require_reviewer(by, publication)
    _save(publication, target)
    audit.record("publishing.rejected", publication, actor=by, after={"reason": reason.strip()[:300]})
    return publication


@transaction.atomic
def withdraw(*, publication: Publication, by: Staff, reason: str) -> Publication:
    """撤回: the item leaves the lists, the search and the feeds; its page keeps a notice with the reason."""
    from yimen.publishing import search

    if not reason.strip():
        raise ApplicationError(
            "请填写撤回原因", fields={"reason": ["撤回原因：撤回时必须写明原因，将向公众显示"]}
        )
    publication = _locked(publication)
    target = _target(publication, "withdraw")
    _require_reviewer(by, publication)
    publication.withdrawn_at, publication.withdrawn_reason = timezone.now(), reason.strip()[:300]
    _save(publication, target, "withdrawn_at", "withdrawn_reason")
    search.remove(publication.pk)
    events.emit(WITHDRAWN, _payload(publication), key=f"{WITHDRAWN}:{publication.pk}")
    audit.record(
        "publishing.withdrawn", publication, actor=by, after={"reason": publication.withdrawn_reason}
    )
    return publication


@transaction.atomic
def change_validity(*, publication: Publication, by: Staff, validity: str, on: date | None) -> Publication:
    """有效性: a document becomes 失效 or 废止 on a date (counted in the annual report's 本年废止件数),
    or is 有效 again (a mistaken entry corrected: both dates are cleared)."""
    from yimen.publishing import search

    publication = _locked(publication)
    target = _target(publication, "change_validity")
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
    _save(publication, target, "validity", "expired_on", "repealed_on")
    search.index(publication)
    payload = {**_payload(publication), "validity": validity}
    events.emit(
        VALIDITY_CHANGED, payload, key=f"{VALIDITY_CHANGED}:{publication.pk}:{publication.lock_version}"
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
    node = _node(node_code, organisation)
    with _with_files(files) as (checked, stored):
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


@transaction.atomic
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
