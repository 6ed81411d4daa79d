"""Write paths of the catalogue: create and edit drafts, review them, publish, retire.

The publishing workflow is one transition table: 草稿 → 待法制审核 → 待审改审核 → 现行. Each service is
one transaction with its audit entry and its outbox event; the search index lives in the same
database and is updated in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from yimen.catalog import search
from yimen.catalog.events import ITEM_PUBLISHED, ITEM_RETIRED, ItemPublished, ItemRetired
from yimen.catalog.limits import workday_equivalent
from yimen.catalog.models import (
    GUIDE_FIELDS,
    Fee,
    ItemType,
    ItemVersion,
    Material,
    ServiceItem,
    Step,
    TimeUnit,
    VersionState,
)
from yimen.catalog.validation import validate_version
from yimen.core import audit, batch, events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.workflow import Workflow
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can

OPEN_STATES = [VersionState.DRAFT, VersionState.LEGAL_REVIEW, VersionState.REFORM_REVIEW]

V = VersionState
VERSION = Workflow(
    states=VersionState,
    transitions={
        "submit": ((V.DRAFT,), V.LEGAL_REVIEW),
        "legal_approve": ((V.LEGAL_REVIEW,), V.REFORM_REVIEW),
        "reform_approve": ((V.REFORM_REVIEW,), V.PUBLISHED),
        "reject": ((V.LEGAL_REVIEW, V.REFORM_REVIEW), V.DRAFT),
    },
    labels={
        "submit": "提交审核",
        "legal_approve": "法制审核通过",
        "reform_approve": "审改审核通过并发布",
        "reject": "退回修改",
    },
    refusal="“{state}”状态的版本不能{action}",
)
# Who may take each action, as an org.permissions action.
ACTION_PERMISSIONS = {
    "submit": "item.edit",
    "legal_approve": "item.legal_review",
    "reform_approve": "item.reform_review",
    "reject": None,  # whoever reviews the stage the version is in
}

SCALAR_FIELDS = GUIDE_FIELDS
MATERIAL_FIELDS = [
    "name",
    "form",
    "copies",
    "source",
    "required",
    "condition",
    "certificate_type",
    "blank_form_id",
    "sample_id",
    "note",
]
STEP_FIELDS = ["name", "limit", "unit", "counts_toward_limit", "note"]
FEE_FIELDS = ["name", "standard", "basis"]


@dataclass
class Guide:
    """Everything an editor sets on a draft: the scalar fields, the three tables, themes and windows."""

    fields: dict[str, Any]
    materials: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    fees: list[dict[str, Any]] = field(default_factory=list)
    theme_ids: list[int] = field(default_factory=list)
    window_ids: list[int] = field(default_factory=list)
    joint_ids: list[int] = field(default_factory=list)  # 联办: organisations that review in parallel


def impl_code_for(organisation: Organisation, item_type: str, serial: int) -> str:
    """实施编码 by the configured layout (default: the organisation's credit code + type + serials)."""
    layout: str = settings.YIMEN["IMPL_CODE_LAYOUT"]
    return layout.format(
        uscc=organisation.uscc or organisation.code.upper(), type=item_type, serial=serial, sub=0
    )


def guide_of(version: ItemVersion) -> Guide:
    """The Guide a saved version holds (reads prefetched relations when there are any)."""
    return Guide(
        fields={name: getattr(version, name) for name in SCALAR_FIELDS},
        materials=[{k: getattr(m, k) for k in MATERIAL_FIELDS} for m in version.materials.all()],
        steps=[{k: getattr(s, k) for k in STEP_FIELDS} for s in version.steps.all()],
        fees=[{k: getattr(f, k) for k in FEE_FIELDS} for f in version.fees.all()],
        theme_ids=[t.pk for t in version.themes.all()],
        window_ids=[w.pk for w in version.windows.all()],
        joint_ids=[o.pk for o in version.joint_organisations.all()],
    )


def _require(by: Staff, action: str, version: ItemVersion) -> None:
    if not can(by, action, version):
        raise NotPermitted("您没有此事项的该项权限")


def apply_guide(version: ItemVersion, guide: Guide) -> None:
    """Copy a guide's scalar fields onto a version and keep its derived figures in step."""
    for name in SCALAR_FIELDS:
        if name in guide.fields:
            setattr(version, name, guide.fields[name])
    if version.is_immediate and version.promised_unit != TimeUnit.WORKDAY:
        version.promised_unit = TimeUnit.WORKDAY
    version.step_count = len(guide.steps)
    version.material_count = len(guide.materials)
    version.promised_workdays = workday_equivalent(version.promised_limit, version.promised_unit)


def _write_children(version: ItemVersion, guide: Guide) -> None:
    version.materials.all().delete()
    version.steps.all().delete()
    version.fees.all().delete()
    Material.objects.bulk_create(
        Material(version=version, order=i, **{k: v for k, v in row.items() if k in MATERIAL_FIELDS})
        for i, row in enumerate(guide.materials, start=1)
    )
    Step.objects.bulk_create(
        Step(version=version, order=i, **{k: v for k, v in row.items() if k in STEP_FIELDS})
        for i, row in enumerate(guide.steps, start=1)
    )
    Fee.objects.bulk_create(
        Fee(version=version, order=i, **{k: v for k, v in row.items() if k in FEE_FIELDS})
        for i, row in enumerate(guide.fees if not version.is_free else [], start=1)
    )
    version.themes.set(guide.theme_ids)
    version.windows.set(guide.window_ids)
    version.joint_organisations.set(guide.joint_ids)


def _check(version: ItemVersion, guide: Guide) -> None:
    errors = validate_version(version, guide.materials, guide.steps, guide.fees)
    if errors:
        raise ApplicationError("事项信息有误，请按提示修改", fields=errors)


@batch.atomic
def create_item(
    *,
    organisation: Organisation,
    basic_code: str,
    guide: Guide,
    by: Staff | None,
    impl_code: str = "",
    handle_code: str = "",
) -> ItemVersion:
    """A new item with its first draft. Without an 实施编码 one is made by the configured layout."""
    if by is not None and not can(by, "item.edit", organisation):
        raise NotPermitted("您不能为该机构新增事项")
    if not impl_code:
        serial = ServiceItem.objects.filter(organisation=organisation).count() + 1
        impl_code = impl_code_for(
            organisation, guide.fields.get("item_type", ItemType.PUBLIC_SERVICE), serial
        )
    if ServiceItem.objects.filter(impl_code=impl_code).exists():
        raise ApplicationError(
            "实施编码已存在", fields={"impl_code": [f"实施编码 {impl_code} 已被其他事项使用"]}
        )
    item = ServiceItem(
        impl_code=impl_code, basic_code=basic_code, handle_code=handle_code, organisation=organisation
    )
    version = ItemVersion(item=item, number=1, created_by=by)
    apply_guide(version, guide)
    _check(version, guide)
    item.save()
    version.item = item
    version.save()
    _write_children(version, guide)
    audit.record("catalog.item_created", item, actor=by, after={"name": version.name, "impl_code": impl_code})
    return version


@batch.atomic
def update_draft(*, version: ItemVersion, guide: Guide, by: Staff) -> ItemVersion:
    version = ItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
    _require(by, "item.edit", version)
    if not version.is_editable:
        raise TransitionError(f"该版本处于“{version.get_state_display()}”状态，不能修改")
    before = {
        name: getattr(version, name) for name in ("name", "promised_limit", "step_count", "material_count")
    }
    apply_guide(version, guide)
    _check(version, guide)
    version.save()
    _write_children(version, guide)
    after = {name: getattr(version, name) for name in before}
    audit.record(
        "catalog.draft_saved",
        version,
        actor=by,
        before=before,
        after=after,
        organisation_id=version.item.organisation_id,
    )
    return version


@batch.atomic
def start_revision(*, item: ServiceItem, by: Staff, change_note: str = "") -> ItemVersion:
    """A new draft copied from the published version: how a published guide gets changed."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if not can(by, "item.edit", item):
        raise NotPermitted("您没有此事项的编辑权限")
    if item.retired_at is not None:
        raise TransitionError("事项已废止，不能修订")
    if item.versions.filter(
        state__in=[VersionState.DRAFT, VersionState.LEGAL_REVIEW, VersionState.REFORM_REVIEW]
    ).exists():
        raise TransitionError("该事项已有未发布的修订版本，请先完成或退回")
    source = item.current
    if source is None:
        raise TransitionError("该事项还没有已发布的版本")
    guide = guide_of(source)
    guide.fields["change_note"] = change_note
    number = (item.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    draft = ItemVersion(item=item, number=number, created_by=by)
    apply_guide(draft, guide)
    draft.save()
    _write_children(draft, guide)
    audit.record(
        "catalog.revision_started",
        draft,
        actor=by,
        after={"number": number},
        organisation_id=item.organisation_id,
    )
    return draft


def _transition(version: ItemVersion, action: str, by: Staff) -> str:
    target = VERSION.target(version.state, action)
    needed = ACTION_PERMISSIONS[action] or (
        "item.legal_review" if version.state == VersionState.LEGAL_REVIEW else "item.reform_review"
    )
    _require(by, needed, version)
    if action != "submit" and version.created_by_id == by.pk:
        raise NotPermitted("审核人不能审核自己编辑的版本")
    return target


def _locked(version: ItemVersion) -> ItemVersion:
    return ItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)


@batch.atomic
def submit(*, version: ItemVersion, by: Staff) -> ItemVersion:
    version = _locked(version)
    target = _transition(version, "submit", by)
    guide = guide_of(version)
    _check(version, guide)
    version.state, version.submitted_at, version.review_comment = target, timezone.now(), ""
    version.save(update_fields=["state", "submitted_at", "review_comment"])
    audit.record(
        "catalog.submitted",
        version,
        actor=by,
        after={"state": target},
        organisation_id=version.item.organisation_id,
    )
    return version


@batch.atomic
def legal_approve(*, version: ItemVersion, by: Staff) -> ItemVersion:
    version = _locked(version)
    version.state = _transition(version, "legal_approve", by)
    version.legal_reviewed_by, version.legal_reviewed_at = by, timezone.now()
    version.save(update_fields=["state", "legal_reviewed_by", "legal_reviewed_at"])
    audit.record("catalog.legal_approved", version, actor=by, organisation_id=version.item.organisation_id)
    return version


@batch.atomic
def reject(*, version: ItemVersion, by: Staff, comment: str) -> ItemVersion:
    if not comment.strip():
        raise ApplicationError("请填写退回原因", fields={"comment": ["审核意见：退回时必须写明原因"]})
    version = _locked(version)
    stage = version.get_state_display()
    version.state = _transition(version, "reject", by)
    version.review_comment = comment.strip()[:300]
    version.save(update_fields=["state", "review_comment"])
    audit.record(
        "catalog.rejected",
        version,
        actor=by,
        before={"state": stage},
        after={"comment": version.review_comment},
        organisation_id=version.item.organisation_id,
    )
    return version


def _make_current(item: ServiceItem, version: ItemVersion, *, update_fields: list[str]) -> ItemVersion | None:
    """The version becomes the item's guide: the old one is superseded, search and subscribers told."""
    old = item.current
    if old is not None:
        ItemVersion.objects.filter(pk=old.pk).update(state=VersionState.SUPERSEDED)
    version.state, version.previous = VersionState.PUBLISHED, old
    version.published_at = version.published_at or timezone.now()
    version.save(update_fields=["state", "previous", "published_at", *update_fields])
    item.current = version
    item.save(update_fields=["current"])
    search.index_item(item, version)
    events.emit(
        ITEM_PUBLISHED,
        ItemPublished(impl_code=item.impl_code, version=version.number),
        key=f"{ITEM_PUBLISHED.name}:{version.pk}",
    )
    return old


@batch.atomic
def reform_approve(*, version: ItemVersion, by: Staff) -> ItemVersion:
    """Publish: the version becomes the item's current guide and the old one is kept as superseded."""
    version = _locked(version)
    _transition(version, "reform_approve", by)
    item = ServiceItem.objects.select_for_update().get(pk=version.item_id)
    version.reform_reviewed_by, version.reform_reviewed_at = by, timezone.now()
    version.published_at = version.reform_reviewed_at
    old = _make_current(item, version, update_fields=["reform_reviewed_by", "reform_reviewed_at"])
    audit.record(
        "catalog.published",
        version,
        actor=by,
        before={"version": old.number if old else None},
        after={"version": version.number},
        organisation_id=item.organisation_id,
    )
    return version


@batch.atomic
def retire_item(*, item: ServiceItem, by: Staff, reason: str) -> ServiceItem:
    if not reason.strip():
        raise ApplicationError("请填写废止原因", fields={"reason": ["废止原因：必须写明依据或原因"]})
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if not can(by, "item.edit", item):
        raise NotPermitted("您没有此事项的编辑权限")
    if item.retired_at is not None:
        raise TransitionError("事项已经废止")
    item.retired_at, item.retired_reason = timezone.now(), reason.strip()[:200]
    item.save(update_fields=["retired_at", "retired_reason"])
    search.remove_item(item)
    audit.record("catalog.retired", item, actor=by, after={"reason": item.retired_reason})
    events.emit(ITEM_RETIRED, ItemRetired(impl_code=item.impl_code), key=f"{ITEM_RETIRED.name}:{item.pk}")
    return item


def publish_directly(version: ItemVersion) -> None:
    """Publish without review: for imports of an already-approved catalogue and the demo data only.

    A `published_at` already set on the version (a historical date) is kept.
    """
    _make_current(version.item, version, update_fields=[])


@batch.atomic
def import_new_version(*, item: ServiceItem, guide: Guide, by: Staff | None) -> ItemVersion:
    """A new current version of an existing item from an approved catalogue, published without review
    (the catalogue was approved before it was imported); the old version is kept as superseded."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if by is not None and not can(by, "item.edit", item):
        raise NotPermitted("您没有此事项的编辑权限")
    if item.retired_at is not None:
        raise TransitionError("该事项已废止，不能再导入")
    if item.versions.filter(state__in=OPEN_STATES).exists():
        raise TransitionError("该事项有未发布的修订版本，请先完成或退回后再导入")
    old = item.current
    number = (item.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ItemVersion(item=item, number=number, created_by=by)
    apply_guide(version, guide)
    _check(version, guide)
    version.save()
    _write_children(version, guide)
    publish_directly(version)
    audit.record(
        "catalog.version_imported",
        version,
        actor=by,
        before={"version": old.number if old else None},
        after={"version": number, "name": version.name},
        organisation_id=item.organisation_id,
    )
    return version
