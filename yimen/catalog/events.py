"""The events of the service catalogue (事项目录): a guide published, an item retired."""

from __future__ import annotations

from dataclasses import dataclass

from yimen.core.events import define


@dataclass(frozen=True)
class ItemPublished:
    impl_code: str  # 实施编码
    version: int  # the version now current


@dataclass(frozen=True)
class ItemRetired:
    impl_code: str  # 实施编码


ITEM_PUBLISHED = define(
    "catalog.item_published",
    ItemPublished,
    """A guide version became current: approved by 审改审核 (catalog.services.reform_approve), imported from an
    approved catalogue, or loaded as demo data. The portal listens and renders the new guide page ahead
    of its first reader.""",
)
ITEM_RETIRED = define(
    "catalog.item_retired",
    ItemRetired,
    """An item was retired (废止) and left the catalogue and its search (catalog.services.retire_item).""",
)
