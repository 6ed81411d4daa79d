"""The demo city's 一件事一次办: 开办餐饮店 (企业设立登记, then 食品经营许可证核发 and 发票领用 once the company
exists) and 二手房买卖 (不动产转移登记, then 住房公积金提取 with the new 不动产权证书), drafted by the
administrator and published by 冯审改 through the services; and a few combined cases filed at the 综合窗口,
accepted, concluded and issued as the window and the worker would, so their pages show the certificates
delivered together."""

from __future__ import annotations

from dataclasses import dataclass

from yimen.cases.models import Case, Channel, Result
from yimen.cases.services import steps
from yimen.catalog import queries as catalog_queries
from yimen.certificates import combined
from yimen.certificates import services as certificates
from yimen.certificates.models import CombinedCase, CombinedService
from yimen.core import audit
from yimen.core.people import Applicant
from yimen.org.models import Staff, Window


@dataclass(frozen=True)
class DemoCombined:
    code: str
    name: str
    description: str
    applicant_kind: str
    parts: tuple[tuple[str, str | None], ...]  # (item name, the item it follows or None: 并联)


REGISTRATION = "企业设立登记（多证合一）"
TRANSFER = "不动产转移登记（二手房买卖）"
SERVICES = (
    DemoCombined(
        "YJS-KBCYD",
        "开办餐饮店",
        "开办一家餐饮店：企业设立登记后，食品经营许可和发票领用同时办理，营业执照、食品经营许可证一并送达。",
        "legal",
        ((REGISTRATION, None), ("食品经营许可证核发", REGISTRATION), ("发票领用", REGISTRATION)),
    ),
    DemoCombined(
        "YJS-ESFMM",
        "二手房买卖",
        "二手房买卖过户：不动产转移登记出证后，买方可一并申请提取住房公积金用于购房。",
        "person",
        ((TRANSFER, None), ("住房公积金提取", TRANSFER)),
    ),
)
APPLICANTS = {
    "legal": Applicant(
        kind="legal",
        name="咸宁市味源餐饮管理有限公司",
        phone="13907150001",
        uscc="91350100M000100Y43",
        legal_representative="刘一味",
        address="咸宁市咸安区温泉路 18 号",
    ),
    "person": Applicant(
        kind="person",
        name="陈安居",
        phone="13907150002",
        id_number="11010519491231002X",
        address="咸宁市咸安区银泉大道 66 号",
    ),
}


def _define(demo: DemoCombined, admin: Staff, reform: Staff) -> CombinedService | None:
    items = {
        item.current.name: item
        for item in catalog_queries.published().filter(current__name__in=[name for name, _ in demo.parts])
        if item.current is not None
    }
    if len(items) < len(demo.parts):
        return None
    parts = [
        combined.PartSpec(items[name].pk, items[after].pk if after else None) for name, after in demo.parts
    ]
    service = combined.save_draft(
        definition=combined.Definition(
            code=demo.code,
            name=demo.name,
            description=demo.description,
            organisation=items[demo.parts[0][0]].organisation,
            applicant_kind=demo.applicant_kind,
            parts=parts,
        ),
        by=admin,
    )
    combined.submit(service=service, by=admin)
    return combined.approve(service=service, by=reform)


def _conclude(case: Case, admin: Staff) -> None:
    """出证办结 by the deciding reviewer (here the administrator), the certificates issued and the
    combined case moved on at once, as the worker would from the case's event."""
    case = Case.objects.select_related("version").get(pk=case.pk)
    number = "" if case.item.certificate_types.filter(is_active=True).exists() else f"DEMO-{case.number[-8:]}"
    steps.conclude(case=case, by=admin, result=Result.ISSUED, certificate_no=number)
    certificates.issue_for_case(case_id=case.pk, render=False)
    combined.advance(case_id=case.pk)


def _serve(service: CombinedService, admin: Staff, window: Window) -> CombinedCase:
    """One application of the service taken at the 综合窗口, accepted and concluded part by part."""
    filed = combined.apply(
        service=service,
        applicant=APPLICANTS[service.applicant_kind],
        channel=Channel.WINDOW,
        by=admin,
        window=window,
    ).combined
    combined.accept(combined=filed, by=admin)
    for link in filed.parts.select_related("part").order_by("part__order"):
        _conclude(link.case, admin)
    filed.refresh_from_db()
    return filed


def load(*, scale: str = "small") -> str:
    if CombinedService.objects.exists():
        return "演示一件事已存在，跳过"
    admin = Staff.objects.filter(username="admin").first()
    reform = Staff.objects.filter(username="reform").first()
    window = Window.objects.filter(is_comprehensive=True, is_active=True).order_by("number").first()
    if admin is None or reform is None or window is None:
        return "缺少演示人员或综合窗口，跳过一件事"
    services = [s for s in (_define(demo, admin, reform) for demo in SERVICES) if s is not None]
    cases = [_serve(service, admin, window) for service in services]
    summary = f"{len(services)} 个一件事，{len(cases)} 件一件事办件已办结"
    audit.record(
        "demo.loaded",
        actor="系统",
        object_type="certificates.combinedservice",
        object_id="*",
        object_repr="演示一件事",
        after={"scale": scale, "summary": summary},
    )
    return summary
