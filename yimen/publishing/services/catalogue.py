"""Write paths of the 公开目录 and the 指南: who answers for each node, new nodes, the guide's contacts.

栏目责任到人: the head of the disclosure office (`publication.review`) names each node's responsible
office and editors and adds nodes; the officers (`publication.edit`) keep the guide's contacts current
(条例第十二条: 指南 and 目录 "及时更新").
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Max

from yimen.core import audit, batch
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import ROLE_ACTIONS, ancestors_and_self, can, organisations_for
from yimen.publishing.catalogue import walk
from yimen.publishing.models import CatalogueNode, DisclosureSettings

SETTINGS_FIELDS = {
    "office_name": ("政府信息公开工作机构", 100, True),
    "address": ("办公地址", 200, True),
    "office_hours": ("办公时间", 200, True),
    "phone": ("联系电话", 40, True),
    "fax": ("传真号码", 40, False),
    "email": ("电子邮箱", 254, False),
    "website": ("互联网联系方式", 200, False),
    "postcode": ("邮政编码", 6, False),
    "index_code": ("索引号机构代码", 20, False),
    "notes": ("其他说明", 2000, False),
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def _require_head(by: Staff, organisation_id: int) -> None:
    if not can(by, "publication.review", Organisation(pk=organisation_id)):
        raise NotPermitted("只有公开工作机构负责人可以调整公开目录的栏目和责任")


@batch.atomic
def ensure_catalogue(*, organisation: Organisation) -> list[CatalogueNode]:
    """The organisation's default 公开目录 (条例第二十条、第二十一条); nodes already there are kept as
    they are, so calling it again adds only what is missing."""
    existing = {n.code: n for n in CatalogueNode.objects.filter(organisation=organisation)}
    created: list[str] = []
    for position, (default, parent) in enumerate(walk(), start=1):
        if default.code in existing:
            continue
        existing[default.code] = CatalogueNode.objects.create(
            organisation=organisation,
            parent=existing[parent.code] if parent else None,
            code=default.code,
            name=default.name,
            basis=default.basis,
            position=position * 10,
        )
        created.append(default.code)
    if created:
        audit.record(
            "publishing.catalogue_created",
            organisation,
            actor=None,
            after={"nodes": created},
            organisation_id=organisation.pk,
        )
    return list(CatalogueNode.objects.filter(organisation=organisation).order_by("position", "id"))


def eligible_editors(organisation: Organisation) -> list[Staff]:
    """Staff holding a role with `publication.edit` over the organisation (there or above it): the
    only ones a node can name as editors."""
    roles = [role for role, actions in ROLE_ACTIONS.items() if "publication.edit" in actions]
    return list(
        Staff.objects.filter(
            is_active=True,
            roles__role__in=roles,
            roles__organisation_id__in=ancestors_and_self(organisation.pk),
        )
        .distinct()
        .order_by("username")
    )


@batch.atomic
def assign_node(
    *, node: CatalogueNode, by: Staff, responsible_office: str, editor_ids: list[int], name: str = ""
) -> CatalogueNode:
    """Name the node's responsible office and editors (an empty list opens it to every editor)."""
    node = CatalogueNode.objects.select_for_update().select_related("organisation").get(pk=node.pk)
    _require_head(by, node.organisation_id)
    allowed = {s.pk: s for s in eligible_editors(node.organisation)}
    unknown = [i for i in editor_ids if i not in allowed]
    errors: dict[str, list[str]] = {}
    if unknown:
        errors["editors"] = ["编辑：只能指定对本机构有主动公开编辑权限的工作人员"]
    if len(responsible_office.strip()) > 60:
        errors["responsible_office"] = ["责任科室：不能超过 60 个字"]
    if name and len(name.strip()) > 60:
        errors["name"] = ["名称：不能超过 60 个字"]
    if errors:
        raise ApplicationError("栏目设置有误", fields=errors)
    before = {
        "name": node.name,
        "responsible_office": node.responsible_office,
        "editors": sorted(node.editors.values_list("username", flat=True)),
    }
    node.responsible_office = responsible_office.strip()
    if name.strip():
        node.name = name.strip()
    node.save(update_fields=["responsible_office", "name"])
    node.editors.set([allowed[i] for i in editor_ids])
    after = {
        "name": node.name,
        "responsible_office": node.responsible_office,
        "editors": sorted(allowed[i].username for i in editor_ids),
    }
    audit.record(
        "publishing.node_assigned",
        node,
        actor=by,
        before=before,
        after=after,
        organisation_id=node.organisation_id,
    )
    return node


@batch.atomic
def add_node(
    *, organisation: Organisation, by: Staff, parent: CatalogueNode | None, code: str, name: str
) -> CatalogueNode:
    """A new node (a sub-column such as 政策文件 › 会议纪要), after its siblings."""
    _require_head(by, organisation.pk)
    errors: dict[str, list[str]] = {}
    code, name = code.strip().lower(), name.strip()
    if not _CODE.match(code):
        errors["code"] = ["代码：小写字母、数字和连字符，不超过 40 位"]
    elif CatalogueNode.objects.filter(organisation=organisation, code=code).exists():
        errors["code"] = [f"代码：本机构已有代码为 {code} 的栏目"]
    if not name or len(name) > 60:
        errors["name"] = ["名称：必填，不超过 60 个字"]
    if parent is not None and parent.organisation_id != organisation.pk:
        errors["parent"] = ["上级栏目：只能选择本机构的栏目"]
    if errors:
        raise ApplicationError("新栏目信息有误", fields=errors)
    last = CatalogueNode.objects.filter(organisation=organisation).aggregate(p=Max("position"))["p"] or 0
    node = CatalogueNode.objects.create(
        organisation=organisation, parent=parent, code=code, name=name, position=min(last + 10, 32000)
    )
    audit.record("publishing.node_added", node, actor=by, after={"code": code, "name": name})
    return node


@batch.atomic
def save_guide_settings(
    *, organisation: Organisation, by: Staff, fields: dict[str, Any]
) -> DisclosureSettings:
    """The 政府信息公开指南's contacts (条例第十二条): office, address, hours, phone, fax, e-mail, web."""
    if not (can(by, "publication.edit", organisation) or can(by, "publication.review", organisation)):
        raise NotPermitted("您没有维护该机构政府信息公开指南的权限")
    found = DisclosureSettings.objects.select_for_update().filter(organisation=organisation).first()
    current = found or DisclosureSettings(organisation=organisation)
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name, (label, limit, required) in SETTINGS_FIELDS.items():
        value = str(fields.get(name, getattr(current, name)) or "").strip()
        if required and not value:
            errors[name] = [f"{label}：必填"]
        elif len(value) > limit:
            errors[name] = [f"{label}：不能超过 {limit} 个字"]
        values[name] = value
    if values["email"] and not _EMAIL.match(values["email"]):
        errors["email"] = ["电子邮箱：格式不正确，如 gk@example.gov.cn"]
    if values["postcode"] and not (values["postcode"].isdigit() and len(values["postcode"]) == 6):
        errors["postcode"] = ["邮政编码：应为 6 位数字"]
    if errors:
        raise ApplicationError("指南设置有误，请按提示修改", fields=errors)
    before = {name: getattr(current, name) for name in values} if found else None
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    audit.record(
        "publishing.guide_saved",
        current,
        actor=by,
        before=before,
        after=values,
        organisation_id=organisation.pk,
    )
    return current


def organisations_kept_by(staff: Staff) -> list[Organisation]:
    """Organisations whose catalogue and guide `staff` may open (as editor or as head)."""
    reach: set[int] | None = set()
    for action in ("publication.edit", "publication.review"):
        found = organisations_for(staff, action)
        reach = None if found is None or reach is None else reach | found
    organisations = Organisation.objects.filter(is_active=True).order_by("code")
    if reach is not None:
        organisations = organisations.filter(pk__in=reach)
    return list(organisations)
