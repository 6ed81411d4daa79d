"""Who numbers the certificate of a 出证办结. The clerk types in the number of a paper certificate; the
certificate of an item whose 电子证照 the system issues is numbered when it is issued, after the case
concludes (the certificates app registers, at start-up, how to tell such an item), and the number is then
written on the case (services.steps.record_certificate)."""

from __future__ import annotations

from collections.abc import Callable

_issuers: list[Callable[[int], bool]] = []


def register(issues_for_item: Callable[[int], bool]) -> None:
    """Register a test of an item's id: True when the system issues that item's certificate."""
    if issues_for_item not in _issuers:
        _issuers.append(issues_for_item)


def system_issued(item_id: int) -> bool:
    """Is this item's certificate issued (and numbered) by the system?"""
    return any(issues(item_id) for issues in _issuers)
