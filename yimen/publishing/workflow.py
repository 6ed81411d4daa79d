"""The pieces every publishing service shares: the transition table (`PUBLICATION`), who may act on a node or review
an organisation's items, row locks with the form's lock version, and attachments stored inside a
transaction (deleted again if it rolls back).

Responsibility (栏目责任到人, "an editor can publish only into nodes it is responsible for"): an
editor must hold `publication.edit` over the node's organisation and, when the node names editors,
be one of them. A node without named editors is open to every editor of its organisation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from yimen.core import events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.workflow import Workflow
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can
from yimen.publishing import attachments
from yimen.publishing.events import PublicationChanged
from yimen.publishing.models import CatalogueNode, Publication, PublicationState

# Not a state: a discarded draft is deleted (its audit entries stay).
DISCARDED = "discarded"

P = PublicationState
# A revision (a draft row with `revision_of`) uses the draft's rows; its approval publishes into the item
# it revises.
PUBLICATION = Workflow(
    states=PublicationState,
    transitions={
        "edit": ((P.DRAFT,), None),
        "submit": ((P.DRAFT,), P.REVIEW),
        "discard": ((P.DRAFT,), DISCARDED),
        "approve": ((P.REVIEW,), P.PUBLISHED),
        "reject": ((P.REVIEW,), P.DRAFT),
        "revise": ((P.PUBLISHED,), None),
        "withdraw": ((P.PUBLISHED,), P.WITHDRAWN),
        "change_validity": ((P.PUBLISHED,), None),
    },
    labels={
        "edit": "修改",
        "submit": "提交审核",
        "discard": "删除",
        "approve": "审核发布",
        "reject": "退回修改",
        "revise": "修订",
        "withdraw": "撤回",
        "change_validity": "变更有效性",
    },
    refusal="“{state}”状态的信息不能{action}",
)


def is_responsible(staff: Staff, node: CatalogueNode) -> bool:
    """May `staff` draft and submit into `node`? (see the module docstring)"""
    if not can(staff, "publication.edit", node.organisation):
        return False
    editors = list(node.editors.values_list("pk", flat=True))
    return not editors or staff.pk in editors


def require_responsible(staff: Staff, node: CatalogueNode) -> None:
    if not is_responsible(staff, node):
        raise NotPermitted(f"您不是公开目录“{node.name}”的责任编辑，不能在该栏目起草或提交信息")


def require_reviewer(staff: Staff, publication: Publication) -> None:
    if not can(staff, "publication.review", publication):
        raise NotPermitted("您没有该机构主动公开信息的审核权限")


def locked(publication: Publication | int, lock_version: int | None = None) -> Publication:
    pk = publication if isinstance(publication, int) else publication.pk
    found = (
        Publication.objects.select_for_update(of=("self",)).select_related("node", "organisation").get(pk=pk)
    )
    if lock_version is not None and found.lock_version != lock_version:
        raise TransitionError("该信息已被他人修改，请刷新页面后重试")
    return found


def save_state(publication: Publication, state: str, *fields: str) -> None:
    publication.state = state
    publication.lock_version += 1
    publication.save(update_fields=["state", "lock_version", "updated_at", *fields])


def emit(
    publication: Publication, event: events.Event[PublicationChanged], *, key: str, **details: Any
) -> None:
    """The outbox event of a step: the publication, and the step's own details."""
    events.emit(
        event,
        event.payload(
            id=publication.pk,
            index_number=publication.index_number or "",  # set when first published
            organisation_id=publication.organisation_id,
            **details,
        ),
        key=key,
    )


@contextmanager
def with_files(files: Sequence[UploadedFile]) -> Iterator[tuple[list[attachments.Checked], list[str]]]:
    """Files checked before the transaction; those stored inside it are deleted if it rolls back."""
    checked = attachments.check_all(files)
    stored: list[str] = []
    try:
        with transaction.atomic():
            yield checked, stored
    except BaseException:
        attachments.discard(stored)
        raise


def active_node(node: CatalogueNode | int | str, organisation: Organisation | None = None) -> CatalogueNode:
    """The node given as an object, an id or (with `organisation`) a code; refused when stopped."""
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
