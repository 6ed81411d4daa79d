"""The one permission helper: may this staff member see, or act on, this object?

A role is held in an organisation and reaches that organisation and every organisation below it
(a 市政务办 supervisor sees the departments seated in the centre). Objects name their organisation
through an `organisation_id` attribute, or are organisations themselves.
"""

from __future__ import annotations

from typing import Any

from yimen.core import memo
from yimen.org.models import Organisation, Role, StaffRole

VIEW = "view"

# What each role may do. Later capabilities add their actions here, in one table.
# "case.view" opens cases (cases/queries/visibility.py): those whose work is cases (受理, 审批) and 监察, who
# reads them with the applicant's ID number, phone and address masked. The roles that keep the
# catalogue, publish or administer the platform have no use for an applicant's data and see no case.
# 个人信息保护法 第五十条 (rights requests): the 审批 role of the organisation that holds the applicant's data
# handles them ("privacy.handle": 受理, 查阅复制, 更正, 删除 or refusal), as it decides on that data's cases;
# the window records one brought to the counter ("privacy.intake") after checking the ID card.
# 电子证照: the 审批 role of the issuing organisation 注销, 吊销, 暂扣 and renews its certificates
# ("certificate.manage"); issuing itself follows the case's 出证办结, not a hand. The catalogue of certificate
# types (which items issue which type, under which code) is kept with the catalogue of items, by those who
# keep items ("certificate.type.edit"): an administrative record, not case work, and no applicant's data.
# 数据交换: the centre's 监察 and the administrator watch every push ("exchange.view"); a department's 审批 role
# sees the rows of its own records, and re-queues one the target rejected once the record is right
# ("exchange.requeue"), as the administrator may; targets themselves are the administrator's ("org.manage").
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.CLERK: frozenset({VIEW, "case.view", "case.intake", "privacy.intake"}),
    Role.REVIEWER: frozenset(
        {
            VIEW,
            "case.view",
            "case.review",
            "workorder.handle",
            "stats.view",
            "privacy.handle",
            "certificate.manage",
            "exchange.view",
            "exchange.requeue",
        }
    ),
    Role.OFFICER: frozenset({VIEW, "publication.edit", "disclosure.handle", "report.edit"}),
    # 政府信息公开工作机构负责人: reviews publications and reports, approves extensions (条例第三十三条).
    Role.DISCLOSURE_HEAD: frozenset(
        {
            VIEW,
            "publication.review",
            "disclosure.handle",
            "disclosure.approve",
            "report.edit",
            "report.review",
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            VIEW,
            "case.view",
            "supervision.view",
            "audit.view",
            "stats.view",
            "workorder.handle",
            "exchange.view",
        }
    ),
    # The system administrator does not read the audit log (三权分立, below): that is the audit administrator's.
    Role.ADMIN: frozenset(
        {
            VIEW,
            "org.manage",
            "calendar.manage",
            "item.edit",
            "certificate.type.edit",
            "supervision.view",
            "stats.view",
            "exchange.view",
            "exchange.requeue",
        }
    ),
    Role.ITEM_EDITOR: frozenset({VIEW, "item.edit", "certificate.type.edit"}),
    Role.LEGAL_REVIEWER: frozenset({VIEW, "item.legal_review"}),
    Role.REFORM_REVIEWER: frozenset({VIEW, "item.reform_review"}),
    # 三权分立 (GB/T 22239-2019 8.1.4.2 d, 8.1.5.1–8.1.5.3): the system administrator keeps accounts and
    # configuration, the security administrator the security policy, the audit administrator reads and exports
    # the audit log and changes nothing else.
    # The security administrator also places and releases legal holds (privacy/retention.py): keeping a
    # record past its retention is a data-security decision, and needs no reading of the record itself.
    Role.SECURITY_ADMIN: frozenset({VIEW, "security.manage", "retention.hold"}),
    Role.AUDIT_ADMIN: frozenset({VIEW, "audit.view", "audit.export"}),
}


# GB/T 22239-2019 8.1.4.1 d (两种或两种以上组合的鉴别技术): who holds any of these actions signs in with a
# password and a TOTP code — the administrators of 三权分立, and 监察 (who reads every case of its reach and
# may unmask an applicant's ID number, phone and address, cases/services/privacy.py).
SECOND_FACTOR_ACTIONS = frozenset(
    {"org.manage", "security.manage", "audit.view", "audit.export", "supervision.view"}
)


def needs_second_factor(staff: Any) -> bool:
    """Must this account prove a TOTP code after its password? Also every account that reaches the
    Django admin (is_staff) or holds every permission (superuser)."""
    if staff.is_superuser or staff.is_staff:
        return True
    return any(ROLE_ACTIONS.get(role, frozenset()) & SECOND_FACTOR_ACTIONS for role, _ in _grants(staff))


@memo.kept(seconds=30)
def _parents() -> dict[int, int | None]:
    """Each organisation's parent, kept 30 s (read again at once when an unknown one is asked for)."""
    return dict(Organisation.objects.values_list("id", "parent_id"))


def forget_tree() -> None:
    _parents.forget()


def ancestors_and_self(org_id: int) -> list[int]:
    parents = _parents()
    if org_id not in parents:
        forget_tree()
        parents = _parents()
    chain: list[int] = []
    current: int | None = org_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def subtree(org_id: int) -> set[int]:
    parents = _parents()
    found = {org_id}
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in found and child not in found:
                found.add(child)
                grew = True
    return found


def organisation_of(obj: Any) -> int | None:
    if isinstance(obj, Organisation):
        return obj.pk
    return getattr(obj, "organisation_id", None)


def _grants(staff: Any) -> list[tuple[str, int]]:
    cached = getattr(staff, "_yimen_grants", None)
    if cached is None:
        cached = list(StaffRole.objects.filter(staff_id=staff.pk).values_list("role", "organisation_id"))
        staff._yimen_grants = cached
    return cached


def can(staff: Any, action: str, obj: Any = None) -> bool:
    """True when `staff` holds a role granting `action` over `obj`'s organisation (or anywhere, if no obj)."""
    if staff is None or not getattr(staff, "is_authenticated", False) or not staff.is_active:
        return False
    if staff.is_superuser:
        return True
    grants = [org for role, org in _grants(staff) if action in ROLE_ACTIONS.get(role, ())]
    if not grants:
        return False
    if obj is None:
        return True
    target = organisation_of(obj)
    if target is None:
        return False
    reach = set(ancestors_and_self(target))
    return any(org in reach for org in grants)


def organisations_for(staff: Any, action: str = VIEW) -> set[int] | None:
    """The organisations whose records `staff` may `action`; None means all (a superuser)."""
    if staff.is_superuser:
        return None
    found: set[int] = set()
    for role, org in _grants(staff):
        if action in ROLE_ACTIONS.get(role, ()):
            found |= subtree(org)
    return found


def organisations_for_any(staff: Any, actions: tuple[str, ...]) -> set[int] | None:
    """The organisations where `staff` holds any of `actions`; None means all (a superuser)."""
    if staff.is_superuser:
        return None
    found: set[int] = set()
    for action in actions:
        found |= organisations_for(staff, action) or set()
    return found
