"""数据交换 over HTTP: /api/v1/exchange.

- `GET /changes?kind=&since=&limit=` — the change feed (exchange.feed) for a department's system, whose
  key holds the scope `exchange.read`: the revisions of the records of the key's organisations and those
  below them — cases (受理、过程、结果、特别程序、材料), items, certificates and evaluations — oldest first,
  each with the row a push carries. The rows name applicants (ID numbers, phones): they are the key's own
  organisations' records, and reading them is that system's purpose. Each call is audited with the key
  and the cursor range it read.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import AfterValidator, Field, WithJsonSchema

from yimen.core import audit
from yimen.core.api_auth import ClientKey
from yimen.core.validation import label_fields
from yimen.exchange import feed
from yimen.exchange.models import Kind
from yimen.org.api_keys import key_narrowed
from yimen.org.models import ApiKey, ApiScope

router = Router(tags=["数据交换"])
label_fields(prefix="/api/v1/exchange", kind="数据类别", since="起始位置", limit="每页条数")

_CURSOR = re.compile(r"^[0-9]{1,18}$")


def _cursor(value: str) -> str:
    if value and not _CURSOR.match(value):
        raise ValueError("应为上次答复中的 next 值（不超过18位的非负整数），首次读取留空")
    return value


def _kind(value: str) -> str:
    if value and value not in feed.KINDS:
        raise ValueError(f"只能是 {'、'.join(feed.KINDS)} 之一，留空为全部")
    return value


KIND_LABELS = "；".join(f"{kind} {Kind(kind).label}" for kind in feed.KINDS)
Cursor = Annotated[
    str,
    AfterValidator(_cursor),
    WithJsonSchema(
        {"type": "string", "pattern": r"^[0-9]{0,18}$", "description": "上次答复的 next；留空从头读起"}
    ),
]
FeedKind = Annotated[
    str,
    AfterValidator(_kind),
    WithJsonSchema({"type": "string", "enum": list(feed.KINDS), "description": f"{KIND_LABELS}；留空为全部"}),
]


class ChangesQuery(Schema):
    kind: FeedKind = Field("", description="数据类别（国家交换表名）")
    since: Cursor = Field("", description="起始位置：上次答复的 next")
    limit: int = Field(100, ge=1, le=feed.MAX_LIMIT, description=f"每页条数，1–{feed.MAX_LIMIT}")


class ChangeOut(Schema):
    cursor: str = Field(description="本条的位置（可作 since）")
    row_guid: str = Field(description="记录唯一标识：同一记录的各次变更相同")
    kind: str = Field(description="数据类别（国家交换表名）")
    operation: str = Field(description="I 新增；U 更新；D 删除")
    changed_at: datetime = Field(description="来源记录变更的时间")
    row: dict[str, Any] = Field(
        description="与推送相同的一行：国家交换表字段及 row_guid、cd_operation、cd_time"
    )


class ChangesOut(Schema):
    items: list[ChangeOut]
    next: str = Field(description="下次请求的 since；与本次 since 相同即已读完（本页可能为空而 next 前移）")


@router.get(
    "/changes",
    response=ChangesOut,
    auth=ClientKey(ApiScope.EXCHANGE_READ),
    summary="变更数据订阅：本单位及下级单位的办件、事项、证照、好差评（接口密钥，须有“数据交换读取”权限）",
)
def changes(request: HttpRequest, q: Query[ChangesQuery]) -> feed.Page:
    """Oldest first from `since`. The caller has caught up when `next` comes back equal to `since`; a page
    may be short, or empty, with `next` moved on past other organisations' changes. Revisions of the last
    few seconds are served on a later call (exchange.feed: no row is ever skipped)."""
    key: ApiKey = request.api_key  # type: ignore[attr-defined]  # set by org.api_keys.check_key
    since = int(q.since or 0)
    page = feed.changes(
        organisations=key_narrowed(request, None) or set(),
        kinds=(q.kind,) if q.kind else feed.KINDS,
        since=since,
        limit=q.limit,
    )
    audit.record(
        "exchange.feed_read",
        key,
        actor=key.staff or f"接口密钥 {key.key_id}",
        after={"kind": q.kind or "全部", "since": since, "next": page.next, "rows": len(page.items)},
    )
    return page
