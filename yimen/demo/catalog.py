"""The demo catalogue, modelled on the seed's centre: 520 items of the 66 window units, 189 of them 行政许可
with 277 downloadable forms, and the history of the reforms the 2018 report names (房屋交易 6→3 环节,
14 个工作日→半天, 25→9 份材料; 房屋交易管理 7→4; 居住证即办; 多证合一; 食药监全程网办; 国地税一窗通办).

Item names are curated per unit; guide text comes from templates. Every run builds the same catalogue.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from openpyxl.styles import Font

from yimen.catalog import services
from yimen.catalog.models import (
    FormFile,
    ItemType,
    OnlineDepth,
    Scope,
    ServiceItem,
    Theme,
    TimeUnit,
)
from yimen.demo.catalog_data import (
    CATALOGUE,
    CONDITIONS,
    EXTRAS,
    FEES,
    FORM_COMMON,
    FORM_ROWS,
    IMMEDIATE,
    LAW_WORDS,
    LEGAL_DAYS,
    LEGAL_WORDS,
    MATERIAL_WORDS,
    OTHER_EXTRAS,
    PERSON_WORDS,
    REFORMS,
    SITE_CHECK,
    STEPS,
    THEME_WORDS,
    TYPES,
    VARIANTS,
    WHO,
    XLSX,
)
from yimen.demo.org import has_demo
from yimen.org.models import Organisation, Staff

ITEMS, LICENSING, FORMS = 520, 189, 277


@dataclass(frozen=True)
class Unit:
    audience: str  # 个 person | 企 legal | 双 both
    laws: list[str]
    licensing: list[str]
    others: list[tuple[str, str]]  # (name, ItemType)


def _units() -> dict[str, Unit]:
    units = {}
    for line in CATALOGUE.strip().splitlines():
        key, audience, laws, entries = line.split("|")
        licensing: list[str] = []
        others: list[tuple[str, str]] = []
        for part in entries.split("；"):
            kind, names = part.split(":")
            if kind == "许可":
                licensing += names.split("、")
            else:
                others += [(name, TYPES[kind]) for name in names.split("、")]
        units[key] = Unit(audience, laws.split("、"), licensing, others)
    return units


Pool = list[tuple[Organisation, list[tuple[str, str]]]]


def _allocate(pools: Pool, quota: int) -> list[tuple[Organisation, str, str]]:
    """Round-robin over the units, so every unit has its first items before any unit has more."""
    chosen: list[tuple[Organisation, str, str]] = []
    for k in range(max(len(pool) for _, pool in pools)):
        chosen += [(org, *pool[k]) for org, pool in pools if k < len(pool)][: quota - len(chosen)]
    if len(chosen) < quota:
        raise RuntimeError(f"演示目录只有 {len(chosen)} 个事项，不足 {quota} 个")
    return chosen


def _licensing(unit: Unit) -> list[tuple[str, str]]:
    """The curated 行政许可, then their 变更/延续/注销 sub-items."""
    names = unit.licensing + [f"{n}{v}" for v in VARIANTS for n in unit.licensing if "（" not in n]
    return [(name, ItemType.LICENSING) for name in names]


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else "")


def _day(iso: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(iso).replace(hour=9))


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _law(name: str, unit: Unit) -> str:
    """The law that sets the item: by keyword, else the unit's law sharing most words with the name."""
    for words, law in LAW_WORDS.items():
        if re.search(words, name):
            return law
    return max(unit.laws, key=lambda law: len(_pairs(name) & _pairs(law.removeprefix("中华人民共和国"))))


def _audience(name: str, unit: Unit) -> str:
    if unit.audience != "双":
        return "person" if unit.audience == "个" else "legal"
    return "person" if PERSON_WORDS.search(name) else "legal" if LEGAL_WORDS.search(name) else "both"


def _material(name: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"name": name, "form": "copy" if "复印件" in name else "original", "copies": 1}
    if name == "营业执照" or name.endswith("居民身份证"):
        kind = "营业执照" if name == "营业执照" else "居民身份证"
        row |= {"form": "electronic", "source": "certificate", "certificate_type": kind}
    if name.startswith("授权委托书"):
        row |= {"required": False, "condition": "委托他人代为办理的"}
    return row | extra


def _materials(
    rng: random.Random, name: str, item_type: str, audience: str, forms: tuple[int, int | None] | None
) -> list[dict[str, Any]]:
    """The application form (with its download), identity from the e-certificate library, then 1–8 more."""
    form_ids = {"blank_form_id": forms[0], "sample_id": forms[1]} if forms else {}
    rows = [_material(_form_title(name), **form_ids)]
    identity = {"person": "申请人居民身份证", "legal": "营业执照、法定代表人身份证明"}
    rows += [_material(n) for n in identity.get(audience, "申请人居民身份证、营业执照").split("、")]
    variant = next((VARIANTS[v] for v in VARIANTS if name.endswith(v)), "")
    extras = ["原许可证正副本", f"{variant}事项说明"] if variant else []
    extras += [
        n for words, names in MATERIAL_WORDS.items() if re.search(words, name) for n in names.split("、")
    ]
    pool = EXTRAS.get(item_type, OTHER_EXTRAS).split("、")
    extras += rng.sample(pool, rng.randint(0 if item_type == ItemType.PUBLIC_SERVICE else 1, len(pool)))
    extras = [n for n in dict.fromkeys(extras) if n not in {row["name"] for row in rows}][: 10 - len(rows)]
    rows += [_material(n, form=rng.choice(["original", "original", "both"])) for n in extras]
    return [*rows, _material("授权委托书及受托人身份证明")]


def _steps(names: list[str], promised: Decimal, unit: str, site_check: bool = False) -> list[dict[str, Any]]:
    """受理 takes no time; the other steps share the promised limit in half days."""
    if len(names) == 1:
        limits = [promised]
    else:
        share = (promised * 2 / (len(names) - 1)).to_integral_value(rounding=ROUND_FLOOR) / 2
        limits = [Decimal(0), *[share] * (len(names) - 2), promised - share * (len(names) - 2)]
    steps = [
        {"name": n, "limit": x, "unit": unit, "counts_toward_limit": True}
        for n, x in zip(names, limits, strict=True)
    ]
    if site_check:
        check = {
            "name": "现场核查",
            "limit": Decimal(5),
            "counts_toward_limit": False,
            "note": "不计入办结时限",
        }
        steps.insert(len(steps) - 1, check | {"unit": TimeUnit.WORKDAY})
    return steps


def _limits(rng: random.Random, item_type: str, name: str) -> tuple[Decimal | None, Decimal, str]:
    """(法定, 承诺, unit): about four in ten items are 即办件; 承诺 is never above 法定."""
    legal = rng.choice(LEGAL_DAYS.get(item_type, [10, 15, 20, 30]))
    if IMMEDIATE.search(name) or rng.random() < (0.2 if item_type == ItemType.LICENSING else 0.5):
        return (Decimal(legal) if legal else None), Decimal(0), TimeUnit.WORKDAY
    if item_type == ItemType.PUBLIC_SERVICE and rng.random() < 0.15:
        return (Decimal(legal) if legal else None), Decimal(4), TimeUnit.HOUR
    promised = rng.choice([d for d in (1, 2, 3, 5, 7, 10, 12, 15) if d <= (legal * 0.75 if legal else 10)])
    return (Decimal(legal) if legal else None), Decimal(promised), TimeUnit.WORKDAY


def _fee(name: str) -> list[str] | None:
    for line in FEES.strip().splitlines():
        *words, fee, standard, basis = line.split("|")
        if any(w in name for w in words):
            return [fee, standard, basis]
    return None


def _faq(rng: random.Random, name: str, fee: list[str] | None, depth: str) -> list[dict[str, str]]:
    remote = depth == OnlineDepth.FULL
    entries = [
        (
            f"办理{name}需要本人到场吗？",
            "本事项可全程网上办理，无需到现场。"
            if remote
            else "可以委托他人代为办理，受托人须携带授权委托书及本人居民身份证原件。",
        ),
        ("办理本事项收费吗？", f"收取{fee[0]}，{fee[1]}，依据{fee[2]}。" if fee else "本事项不收费。"),
        ("如何查询办理进度？", "凭受理回执上的办件编号在“办件查询”栏目查询，办结后以短信通知申请人。"),
        ("材料不齐全怎么办？", "窗口一次性告知需要补齐补正的全部材料，材料补齐后予以受理。"),
    ]
    return [{"q": q, "a": a} for q, a in rng.sample(entries, rng.randint(1, 3))]


def _guide(
    rng: random.Random,
    themes: dict[tuple[str, str], int],
    org: Organisation,
    unit: Unit,
    name: str,
    item_type: str,
    forms: tuple[int, int | None] | None,
) -> services.Guide:
    audience = _audience(name, unit)
    law = _law(name, unit)
    legal, promised, time_unit = _limits(rng, item_type, name)
    site_check = item_type == ItemType.LICENSING and promised > 0 and rng.random() < 0.3
    steps = STEPS.get(item_type, "受理、审核、办结").split("、") if promised else ["受理", "当场办结"]
    depth = OnlineDepth.FULL if promised and rng.random() < 0.2 else rng.choice("332")
    fee = _fee(name)
    windows = list(org.windows.all())
    audiences = ("person", "legal") if audience == "both" else (audience,)
    found = [themes[a, t] for a, t, words in THEME_WORDS if a in audiences and re.search(words, name)]
    variant = next((VARIANTS[v] for v in VARIANTS if name.endswith(v)), "")
    first = "初次申领" if item_type in (ItemType.LICENSING, ItemType.CONFIRMATION) else "其他"
    fields = {
        "name": name,
        "item_type": item_type,
        "for_person": audience != "legal",
        "for_legal": audience != "person",
        "business_types": [variant or first],
        "legal_basis": [{"law": f"《{law}》", "article": f"第{_cn(rng.randint(2, 60))}条"}],
        "conditions": CONDITIONS.get(item_type, "申请人符合{law}规定的条件，并按规定提交材料。").format(
            who=WHO[audience], law=f"《{law}》"
        ),
        "legal_limit": legal,
        "promised_limit": promised,
        "promised_unit": time_unit,
        "is_free": fee is None,
        "special_procedures": [SITE_CHECK] if site_check else [],
        "location": f"{org.address} {windows[0].location} {'、'.join(w.number for w in windows)} 窗口",
        "hours": org.office_hours,
        "consult_phone": org.contact_phone,
        "supervise_phone": org.supervision_phone or windows[0].supervision_phone,
        "online_depth": depth,
        "visits": 0 if depth == OnlineDepth.FULL else 2 if site_check else 1,
        "scope": Scope.PROVINCE
        if depth == OnlineDepth.FULL
        else rng.choice([Scope.CITY, Scope.CITY, Scope.NONE]),
        "faq": _faq(rng, name, fee, depth),
        "change_note": "",
    }
    return services.Guide(
        fields=fields,
        materials=_materials(rng, name, item_type, audience, forms),
        steps=_steps(steps, promised, time_unit, site_check),
        fees=[dict(zip(("name", "standard", "basis"), fee, strict=True))] if fee else [],
        theme_ids=found[:2] or [themes[audiences[0], "其他"]],
        window_ids=[w.pk for w in windows],
    )


def _revised(guide: services.Guide, change: dict[str, str]) -> services.Guide:
    """The guide as a reform left it: only what the change names differs."""
    fields = dict(guide.fields, change_note=change.get("说明", ""))
    for key, name, cast in (
        ("承诺", "promised_limit", Decimal),
        ("法定", "legal_limit", Decimal),
        ("到场", "visits", int),
        ("网办", "online_depth", str),
    ):
        if key in change:
            fields[name] = cast(change[key])
    if "承诺" in change:
        fields["promised_unit"] = TimeUnit.WORKDAY
    if fields["visits"] and fields["online_depth"] == OnlineDepth.FULL:
        fields["online_depth"] = OnlineDepth.PRE_REVIEW
    materials = guide.materials
    if change.get("材料", "").isdigit():
        spare = [_material(n) for n in OTHER_EXTRAS.split("、") + EXTRAS[ItemType.LICENSING].split("、")]
        materials = (materials + [m for m in spare if m["name"] not in {x["name"] for x in materials}])[
            : int(change["材料"])
        ]
    elif "材料" in change:
        materials = [_material(n) for n in change["材料"].split("、")]
    names = [s["name"] for s in guide.steps if s["counts_toward_limit"]]
    if "环节" in change:  # the reform's own steps; no 现场核查 left over from the template
        names, fields["special_procedures"] = change["环节"].split("、"), []
    steps = _steps(
        names, fields["promised_limit"], fields["promised_unit"], bool(fields["special_procedures"])
    )
    return replace(guide, fields=fields, materials=materials, steps=steps)


def _reforms() -> dict[tuple[str, str], list[tuple[datetime, dict[str, str]]]]:
    found: dict[tuple[str, str], list[tuple[datetime, dict[str, str]]]] = {}
    versions: list[tuple[datetime, dict[str, str]]] = []
    for line in REFORMS.strip().splitlines():
        if not line.startswith(" "):
            unit, name = line.split("|")
            versions = found[unit, name] = []
            continue
        day, *pairs = line.strip().split("|")
        versions.append((_day(day), dict(pair.split("=", 1) for pair in pairs)))
    return found


@cache
def _template(audience: str, sample: bool) -> bytes:
    """A blank form or a filled-in sample as the .xlsx offices open every day, its title still to fill."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "申请表"
    sheet.append(["{title}（填写示例）" if sample else "{title}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells("A1:B1")
    rows = FORM_ROWS.get(audience, FORM_ROWS["legal"]) + "|申请事项={item}|" + FORM_COMMON
    for label, example in (pair.split("=", 1) for pair in rows.split("|")):
        sheet.append([label, example if sample or label == "申请事项" else ""])
    sheet.append(["填表说明", "请用黑色钢笔或签字笔填写，字迹清楚；所填内容须真实、准确。"])
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 24, 60
    book.properties.creator = "咸宁市政务服务中心"
    book.properties.created = datetime(2018, 1, 2, 9, 0)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _workbook(title: str, audience: str, name: str, sample: bool) -> bytes:
    """The template with the item filled in: copying a zip is a hundred times faster than openpyxl."""
    source, buffer = zipfile.ZipFile(io.BytesIO(_template(audience, sample))), io.BytesIO()
    fill = {b"{title}": escape(title).encode(), b"{item}": escape(name).encode()}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            for placeholder, text in fill.items():
                data = data.replace(placeholder, text) if info.filename.startswith("xl/") else data
            # Fixed timestamps (openpyxl stamps the time of saving), so a form's SHA-256 never changes.
            data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2018-01-02T09:00:00Z", data)
            entry = zipfile.ZipInfo(info.filename, date_time=(2018, 1, 2, 9, 0, 0))
            target.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _form_title(name: str) -> str:
    return re.sub(r"(核发|签发)$", "", re.sub(r"（.*?）", "", name)) + "申请表"


def _forms(basic_code: str, name: str, audience: str, *, with_sample: bool) -> tuple[int, int | None]:
    """The blank form to download and, for some items, a filled-in sample (the seed's 277 表格)."""
    title = _form_title(name)
    blank = _form(f"{title}.xlsx", f"{basic_code}-blank.xlsx", _workbook(title, audience, name, False))
    if not with_sample:
        return blank, None
    data = _workbook(title, audience, name, True)
    return blank, _form(f"{title}（填写示例）.xlsx", f"{basic_code}-sample.xlsx", data)


def _form(label: str, stored: str, data: bytes) -> int:
    digest = hashlib.sha256(data).hexdigest()
    file = ContentFile(data, name=stored)
    return FormFile.objects.create(name=label, file=file, content_type=XLSX, size=len(data), sha256=digest).pk


@transaction.atomic
def load(*, scale: str = "small") -> str:
    """The seed's catalogue at every scale: a bigger city has more cases, not more items."""
    if not has_demo():
        return "未找到演示机构，跳过"
    if ServiceItem.objects.exists():
        return "演示事项已存在，跳过"
    rng = random.Random(20180701)
    units, reforms = _units(), _reforms()
    orgs = Organisation.objects.filter(windows__isnull=False).distinct().prefetch_related("windows")
    unit_of = {
        org.pk: units.get(org.name.removeprefix("咸宁"))
        or Unit(
            "双",
            ["政务信息资源共享管理暂行办法"],
            [],
            [(f"{org.short_name}业务咨询", ItemType.PUBLIC_SERVICE)],
        )
        for org in orgs
    }
    ordered = sorted(orgs, key=lambda org: org.code)
    chosen = _allocate([(o, _licensing(unit_of[o.pk])) for o in ordered], LICENSING)
    chosen += _allocate([(o, unit_of[o.pk].others) for o in ordered], ITEMS - LICENSING)
    with_sample = set(rng.sample(range(LICENSING), FORMS - LICENSING))
    themes = {(t.audience, t.name): t.pk for t in Theme.objects.all()}
    revisions: list[tuple[ServiceItem, services.Guide, list[tuple[datetime, dict[str, str]]]]] = []
    for serial, (org, name, item_type) in enumerate(chosen):
        basic_code = f"{item_type}{serial + 1:05d}"
        unit, forms = unit_of[org.pk], None
        if item_type == ItemType.LICENSING:
            forms = _forms(basic_code, name, _audience(name, unit), with_sample=serial in with_sample)
        guide = _guide(rng, themes, org, unit, name, item_type, forms)
        (published, first), *later = reforms.get((org.name.removeprefix("咸宁"), name)) or [
            (_day("2017-01-03") + timedelta(days=rng.randrange(360)), {})
        ]
        guide = _revised(guide, first) if first else guide
        version = services.create_item(organisation=org, basic_code=basic_code, guide=guide, by=None)
        version.published_at = published
        services.publish_directly(version)
        if later:
            revisions.append((version.item, guide, later))
    # A reform is a revision an editor makes; the administrator (周管理) stands in for the departments.
    admin = Staff.objects.get(username="admin")
    for item, guide, later in revisions:
        for published, change in later:
            guide = _revised(guide, change)
            draft = services.start_revision(item=item, by=admin, change_note=guide.fields["change_note"])
            draft = services.update_draft(version=draft, guide=guide, by=admin)
            draft.published_at = published
            services.publish_directly(draft)
    licences = sum(item_type == ItemType.LICENSING for _, _, item_type in chosen)
    changes = sum(len(later) for _, _, later in revisions)
    return (
        f"{len(chosen)} 个事项（{licences} 个行政许可），{FormFile.objects.count()} 份表格，"
        f"{len(revisions)} 个事项的 {changes} 次流程再造"
    )
