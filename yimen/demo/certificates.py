"""The demo city's 电子证照: certificate types for its licensing items, and the certificates of the demo
year's 出证办结 cases of those items, issued and signed as the worker would (files are rendered on first
download, services.ensure_files). The type codes are invented (a defining authority's code of the demo's
own, not a ministry's) and say so in their names' tooltips; the issuers are the demo's organisations."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from yimen.cases.models import Case, CaseState, Result
from yimen.catalog.models import ServiceItem
from yimen.certificates import services
from yimen.certificates.models import Certificate, CertificateType, NumberRule
from yimen.core import audit
from yimen.org.models import Organisation

# The defining authority part of the demo's type codes: 18 characters, as a 统一社会信用代码 is.
DEMO_AUTHORITY = "11421200DEMO00001Y"


@dataclass(frozen=True)
class DemoType:
    sequence: int
    name: str
    issuer: str  # the issuing organisation's name, as the demo city names it
    holder_kind: str
    validity_years: int | None
    items: tuple[str, ...]  # the items (by name) that issue it
    number_rule: str = NumberRule.SERIAL
    number_prefix: str = ""


TYPES = (
    DemoType(1, "营业执照", "咸宁市市场监督管理局", "legal", None, ("企业设立登记（多证合一）", "企业变更登记", "营业执照补领"), NumberRule.HOLDER),
    DemoType(2, "食品经营许可证", "咸宁市市场监督管理局", "legal", 5, ("食品经营许可证核发",), number_prefix="JY"),
    DemoType(3, "食品生产许可证", "咸宁市市场监督管理局", "legal", 5, ("食品生产许可证核发",), number_prefix="SC"),
    DemoType(4, "药品经营许可证", "咸宁市市场监督管理局", "legal", 5, ("药品零售企业许可",), number_prefix="鄂"),
    DemoType(5, "不动产权证书", "咸宁市不动产登记中心", "person", None, ("不动产转移登记（二手房买卖）", "不动产首次登记"), number_prefix="鄂（2026）咸宁市不动产权第"),
    DemoType(6, "特种行业许可证", "咸宁市公安局", "legal", None, ("旅馆业特种行业许可证核发", "公章刻制业特种行业许可证核发"), number_prefix="TH"),
    DemoType(7, "居民身份证", "咸宁市公安局", "person", 10, ("身份证换领", "身份证补领"), number_prefix="SFZ"),
)  # fmt: skip


def type_code(sequence: int) -> str:
    return f"{DEMO_AUTHORITY}{sequence:03d}"


def _types() -> list[CertificateType]:
    made = []
    for demo in TYPES:
        issuer = Organisation.objects.filter(name=demo.issuer).exclude(uscc=None).first()
        if issuer is None:
            continue
        certificate_type = CertificateType.objects.create(
            code=type_code(demo.sequence),
            name=demo.name,
            issuer=issuer,
            holder_kind=demo.holder_kind,
            validity_years=demo.validity_years,
            number_rule=demo.number_rule,
            number_prefix=demo.number_prefix,
        )
        certificate_type.items.set(ServiceItem.objects.filter(current__name__in=demo.items))
        made.append(certificate_type)
    return made


def load(*, scale: str = "small") -> str:
    """The demo's types, and a certificate for each 出证办结 case of their items (at most `LIMIT` a type at
    the bigger scales, the newest: a city's year would take the demo an hour to sign)."""
    if CertificateType.objects.exists():
        return "演示证照已存在，跳过"
    types = _types()
    issued = 0
    for certificate_type in types:
        cases = (
            Case.objects.filter(
                item__in=certificate_type.items.all(),
                result=Result.ISSUED,
                state__in=[CaseState.CONCLUDED, CaseState.DELIVERED],
            )
            .filter(Q(applicant_kind=certificate_type.holder_kind))
            .order_by("-concluded_at")
            .values_list("pk", flat=True)[:LIMIT]
        )
        for case_id in reversed(list(cases)):
            issued += len(services.issue_for_case(case_id=case_id, render=False))
    summary = f"{len(types)} 类证照，{issued} 本电子证照（{Certificate.objects.count()} 个版本）"
    audit.record(
        "demo.loaded",
        actor="系统",
        object_type="certificates.certificate",
        object_id="*",
        object_repr="演示电子证照",
        after={"scale": scale, "summary": summary},
    )
    return summary


LIMIT = 400
