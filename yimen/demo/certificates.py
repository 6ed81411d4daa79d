"""The demo city's 电子证照: certificate types for its licensing items, and the certificates of the demo
year's 出证办结 cases of those items, issued and signed as the worker would (files are rendered on first
download, services.ensure_files). The type codes are invented (a defining authority's code of the demo's
own, not a ministry's) and say so in their names' tooltips; the issuers are the demo's organisations."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db.models import Q

from yimen.cases.models import Case, CaseState, Channel, Result
from yimen.cases.services import intake, steps
from yimen.catalog.models import ServiceItem
from yimen.certificates import services
from yimen.certificates.models import Certificate, CertificateType, NumberRule
from yimen.core import audit
from yimen.core.identity import USCC_ALPHABET, uscc_check_char
from yimen.core.people import Applicant
from yimen.demo.cases import invented_person
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


COMPANIES_PER_TYPE = 12
TRADES = ("青山", "金桂", "温泉", "香城", "淦河", "潜山", "九宫", "隐水", "赤壁", "陆水", "通山", "崇阳")
INDUSTRIES = ("餐饮管理", "食品", "商贸", "酒店管理", "生物科技", "医药连锁")


def _company(rng: random.Random, serial: int) -> Applicant:
    body = "91421200" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    name, _ = invented_person(rng)
    return Applicant(
        kind="legal",
        name=f"咸宁市{TRADES[serial % len(TRADES)]}{INDUSTRIES[serial % len(INDUSTRIES)]}有限公司（{serial + 1}）",
        phone=f"139{rng.randrange(10**8):08d}",
        uscc=body + uscc_check_char(body),
        legal_representative=name,
        address=f"咸宁市咸安区金桂路 {rng.randrange(1, 300)} 号",
    )


def _companies_licensed(rng: random.Random, types: list[CertificateType]) -> int:
    """The demo's cases are filed by persons; a legal person's certificates come from companies that apply
    at the window here, through the services a clerk and a reviewer use, and are concluded 出证办结."""
    from yimen.org.models import Role, Staff

    done = 0
    for certificate_type in types:
        if certificate_type.holder_kind != "legal":
            continue
        issuer = certificate_type.issuer
        clerk = Staff.objects.filter(
            roles__role=Role.CLERK, roles__organisation=issuer, window__isnull=False
        ).first()
        reviewer = Staff.objects.filter(roles__role=Role.REVIEWER, roles__organisation=issuer).first()
        items = [i for i in certificate_type.items.select_related("current") if i.current]
        if clerk is None or reviewer is None or not items:
            continue
        for n in range(COMPANIES_PER_TYPE):
            case = intake.submit(
                item=items[n % len(items)],
                applicant=_company(rng, done),
                channel=Channel.WINDOW,
                by=clerk,
                window=clerk.window,
            )
            case = steps.accept(case=case, by=clerk)
            case = steps.conclude(case=case, by=reviewer, result=Result.ISSUED)
            services.issue_for_case(case_id=case.pk, render=False)
            done += 1
    return done


def load(*, scale: str = "small") -> str:
    """The demo's types, and a certificate for each 出证办结 case of their items (at most `LIMIT` a type at
    the bigger scales, the newest: a city's year would take the demo an hour to sign)."""
    if CertificateType.objects.exists():
        return "演示证照已存在，跳过"
    types = _types()
    companies = _companies_licensed(random.Random(36904), types)
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
    reused = _next_applications()
    summary = (
        f"{len(types)} 类证照，{Certificate.objects.count()} 本电子证照（其中 {companies} 家企业窗口申办），"
        f"{reused} 件新申请调用电子证照免提交"
    )
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
NEXT_APPLICATIONS = 12


def _next_applications() -> int:
    """Holders of a demo 营业执照 file their next application online, and the materials their certificate
    replaces are recorded as used (免提交), as the portal does after the holder's SMS proof."""
    from yimen.certificates import reuse
    from yimen.certificates.models import UseChannel

    targets = [
        item
        for item in ServiceItem.objects.filter(
            current__isnull=False, current__materials__certificate_type="营业执照"
        )
        .select_related("current")
        .distinct()
        .order_by("pk")
        if item.current
        and item.current.state == "published"
        and not item.current.is_immediate
        and intake.accepts_online(item.current)
    ][:NEXT_APPLICATIONS]
    holders = (
        Certificate.objects.filter(type__name="营业执照", case__isnull=False)
        .select_related("case")
        .order_by("-issued_on", "-id")[: len(targets)]
    )
    filed = 0
    for item, certificate in zip(targets, holders, strict=False):
        case, version = certificate.case, item.current
        assert case is not None and version is not None
        applicant = Applicant(
            kind="legal",
            name=case.applicant_name,
            phone=case.phone,
            uscc=case.uscc,
            legal_representative=case.legal_representative or "王经理",
        )
        offered = reuse.replaceable(version, "001", case.uscc)
        if not offered:
            continue
        reuse.submit_reusing(
            item=item,
            applicant=applicant,
            channel=Channel.ONLINE,
            uploads_given=[],
            replacements=offered,
            use_channel=UseChannel.ONLINE,
        )
        filed += 1
    return filed
