"""A publication's history as the office reads it, from the audit log: who did what, when, and the
note that goes with it (a reason, a 索引号, a validity, a change note)."""

from __future__ import annotations

from yimen.core.models import AuditEntry
from yimen.publishing.models import Publication

HISTORY_LABELS = {
    "publishing.draft_created": "起草",
    "publishing.draft_saved": "修改草稿",
    "publishing.submitted": "提交审核",
    "publishing.published": "审核发布",
    "publishing.rejected": "退回修改",
    "publishing.withdrawn": "撤回",
    "publishing.validity_changed": "变更有效性",
    "publishing.revision_opened": "开始修订",
    "publishing.revised": "变更发布",
    "publishing.revision_discarded": "放弃修订",
}
VALIDITY_LABELS = {"valid": "有效", "expired": "失效", "repealed": "废止"}


def history(publication: Publication) -> list[tuple[AuditEntry, str, str]]:
    """The publication's audit entries as the office reads them: (entry, what was done, note)."""
    entries = AuditEntry.objects.filter(object_type="publishing.publication", object_id=str(publication.pk))
    rows = []
    for entry in entries.order_by("id"):
        after = entry.summary.get("after") or {}
        note = (
            after.get("reason")
            or after.get("index_number")
            or after.get("note")
            or VALIDITY_LABELS.get(str(after.get("validity")), "")
        )
        if entry.action == "publishing.revised":
            note = f"第{after.get('version')}版，变更日期 {after.get('changed_on')}：{note}"
        rows.append((entry, HISTORY_LABELS.get(entry.action, entry.action), str(note)))
    return rows
