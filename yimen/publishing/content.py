"""What an editor sets on a publication: checked field by field, the body sanitised, the 第二十六条
due date derived, and a snapshot of it all kept as a version.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from yimen.core import calendar
from yimen.core.errors import ApplicationError
from yimen.publishing.models import Kind, Publication, PublicationVersion, Validity
from yimen.publishing.sanitize import clean_html, paragraphs_html, text_of

# 条例第二十六条: publish within 20 working days of the information being created or changed.
DISCLOSURE_WORKDAYS = 20
TEXT_FIELDS = {
    "title": 300,
    "topic": 40,
    "genre": 20,
    "document_number": 80,
    "keywords": 200,
}
DATE_FIELDS = ("written_on", "changed_on", "effective_on", "expired_on", "repealed_on")
CONTENT_FIELDS = (
    *TEXT_FIELDS,
    "kind",
    "summary",
    "body",
    *DATE_FIELDS,
    "validity",
)
LABELS = {
    "title": "标题",
    "kind": "类别",
    "topic": "主题分类",
    "genre": "体裁",
    "document_number": "文号",
    "keywords": "关键词",
    "summary": "内容概述",
    "body": "正文",
    "written_on": "成文日期",
    "changed_on": "变更日期",
    "effective_on": "施行日期",
    "expired_on": "失效日期",
    "repealed_on": "废止日期",
    "validity": "有效性",
    "revision_note": "变更说明",
}
REVISION_NOTE_LENGTH = 200
NUMBERED_KINDS = (Kind.REGULATION, Kind.NORMATIVE)
SUMMARY_LENGTH = 120


def due_on(written_on: date, changed_on: date | None = None) -> date:
    """条例第二十六条: 20 working days from the day the information was created or changed (the day
    itself not counted). A document dated Friday 2024-09-27 is due Wednesday 2024-10-30: 09-29
    (a Sunday worked for 国庆) counts and 10-01…10-07 do not."""
    return calendar.add_workdays(changed_on or written_on, DISCLOSURE_WORKDAYS).date


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def apply(publication: Publication, fields: dict[str, Any]) -> None:
    """Copy the given fields onto the publication, or raise every problem at once (nothing is changed
    on the database; the caller saves). Fields not given keep their value."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        if name in fields:
            values[name] = " ".join(str(fields[name] or "").split())
            if len(values[name]) > limit:
                errors[name] = [f"{LABELS[name]}：不能超过 {limit} 个字"]
    for name in DATE_FIELDS:
        if name in fields:
            try:
                values[name] = _date(fields[name])
            except ValueError:
                errors[name] = [f"{LABELS[name]}：应为日期，格式如 2024-05-20"]
    if "kind" in fields:
        values["kind"] = str(fields["kind"] or "")
    if "validity" in fields:
        values["validity"] = str(fields["validity"] or Validity.VALID)
    if "body" in fields:
        body = str(fields["body"] or "")
        values["body"] = clean_html(body if "<" in body else paragraphs_html(body))
        values["body_text"] = text_of(values["body"])
    if "summary" in fields:
        values["summary"] = " ".join(str(fields["summary"] or "").split())[:1000]
    if "revision_note" in fields and publication.revision_of_id is not None:
        values["revision_note"] = " ".join(str(fields["revision_note"] or "").split())
        if len(values["revision_note"]) > REVISION_NOTE_LENGTH:
            errors["revision_note"] = [f"变更说明：不能超过 {REVISION_NOTE_LENGTH} 个字"]
    for name, value in values.items():
        setattr(publication, name, value)
    _check(publication, errors)
    if errors:
        raise ApplicationError("信息内容有误，请按提示修改", fields=errors)
    if not publication.summary:
        publication.summary = publication.body_text.replace("\n", " ")[:SUMMARY_LENGTH]
    publication.due_on = due_on(publication.written_on, publication.changed_on)


def _check(p: Publication, errors: dict[str, list[str]]) -> None:
    """The rules across fields, on the values the publication now holds."""
    if not p.title and "title" not in errors:
        errors["title"] = ["标题：必填"]
    if p.kind not in Kind.values:
        errors["kind"] = ["类别：请从列表中选择"]
    elif p.kind in NUMBERED_KINDS and not p.document_number and "document_number" not in errors:
        errors["document_number"] = [f"文号：{Kind(p.kind).label}必须填写文号"]
    if p.validity not in Validity.values:
        errors["validity"] = ["有效性：只能是有效、失效或废止"]
    today = timezone.localdate()
    if "written_on" not in errors:
        if p.written_on is None:
            errors["written_on"] = ["成文日期：必填"]
        elif p.written_on > today:
            errors["written_on"] = ["成文日期：不能晚于今天"]
        else:
            try:
                due_on(p.written_on, p.changed_on)
            except calendar.CalendarError as exc:
                errors["written_on"] = [f"成文日期：{exc}"]
    written = p.written_on if "written_on" not in errors else None
    if p.revision_of_id is not None and not p.changed_on and "changed_on" not in errors:
        errors["changed_on"] = ["变更日期：修订已发布的信息时必填，应公开日期从此日起算"]
    if p.changed_on and "changed_on" not in errors and written:
        if p.changed_on < written:
            errors["changed_on"] = ["变更日期：不能早于成文日期"]
        elif p.changed_on > today:
            errors["changed_on"] = ["变更日期：不能晚于今天"]
    for name, needed in (("expired_on", Validity.EXPIRED), ("repealed_on", Validity.REPEALED)):
        value = getattr(p, name)
        if name in errors:
            continue
        if p.validity == needed and value is None:
            errors[name] = [f"{LABELS[name]}：有效性为“{Validity(needed).label}”时必填"]
        elif value is not None and written and value < written:
            errors[name] = [f"{LABELS[name]}：不能早于成文日期"]


def check_submittable(publication: Publication) -> None:
    """What review needs beyond a valid draft: a revision says what changed (the public reads it in the
    item's 变更记录)."""
    if publication.revision_of_id is not None and not publication.revision_note:
        raise ApplicationError(
            "请填写变更说明",
            fields={"revision_note": ["变更说明：修订时必须写明变更了什么，将在变更记录中向公众显示"]},
        )


def differences(
    published: Publication, revision: Publication
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """What a revision changes, for the reviewer: (field label, published value, revised value) for each
    metadata field that differs, and the body's changed lines (`- ` removed, `+ ` added)."""
    fields = []
    for name in (*TEXT_FIELDS, "kind", "written_on", "changed_on", "effective_on", "summary"):
        old, new = getattr(published, name), getattr(revision, name)
        if old != new:
            fields.append((LABELS[name], _shown(name, old), _shown(name, new)))
    if published.node_id != revision.node_id:
        fields.append(("公开目录", published.node.name, revision.node.name))
    lines = difflib.ndiff(published.body_text.splitlines(), revision.body_text.splitlines())
    return fields, [line for line in lines if line[:2] in ("- ", "+ ")]


def _shown(name: str, value: Any) -> str:
    if name == "kind" and value in Kind.values:
        return str(Kind(value).label)
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "—")


def snapshot(publication: Publication, attachments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The content as a version keeps it (dates as ISO strings, the node by code, the attachments by
    name and hash; pass `attachments` when they are known, to save the query)."""
    data: dict[str, Any] = {name: getattr(publication, name) for name in CONTENT_FIELDS}
    for name in DATE_FIELDS:
        data[name] = data[name].isoformat() if data[name] else None
    data["node"] = publication.node.code
    if attachments is None:
        attachments = [
            {"name": a.name, "sha256": a.sha256, "size": a.size} for a in publication.attachments.all()
        ]
    data["attachments"] = attachments
    return data


def keep_version(
    publication: Publication, by: Any, note: str, *, published_at: datetime | None = None
) -> PublicationVersion:
    """A new version with the publication's content as it now is; `published_at` when this content is
    what the public sees from then on (with the due date it is judged by)."""
    last = publication.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return PublicationVersion.objects.create(
        publication=publication,
        number=last + 1,
        snapshot=snapshot(publication),
        note=note[:200],
        published_at=published_at,
        due_on=publication.due_on if published_at else None,
        created_by=by if getattr(by, "pk", None) else None,
    )


def mark_published(publication: Publication) -> None:
    """The publication's latest version is what the public now sees (its first publication)."""
    latest = publication.versions.order_by("-number").first()
    if latest is None:
        keep_version(publication, None, "发布", published_at=publication.published_at)
        return
    latest.published_at, latest.due_on = publication.published_at, publication.due_on
    latest.save(update_fields=["published_at", "due_on"])
