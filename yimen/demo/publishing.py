"""The demo centre's proactive disclosure: its guide settings and catalogue, and about 1,683 publications
a year (the seed's 2018 figure) over the last five years, with text made from templates (`demo.publishing_text`).

History is written in bulk (`bulk_create`), not through the services: the services' one-by-one path
(row locks, audit entries, outbox events) is for real work, and five years of it would take minutes.
What they guarantee is kept: each item has its version, its 第二十六条 due date, and a published item its
索引号 with the counters set past it; the search index is rebuilt at the end. Most items are published
within the 20 working days, a few late; normative documents come with a DOCX attachment and their
政策解读, and some are repealed a year or more later; a few were changed after publication (a second
published version, 变更日期 and the due date from it). The last weeks' items still wait in draft or review.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from yimen.core import audit, calendar
from yimen.demo.publishing_text import Text, Writer
from yimen.org.models import Organisation, Staff
from yimen.publishing import attachments, content
from yimen.publishing.index_numbers import format_number, organisation_code
from yimen.publishing.models import (
    CatalogueNode,
    DisclosureSettings,
    IndexCounter,
    Kind,
    Publication,
    PublicationState,
    PublicationVersion,
    Validity,
)
from yimen.publishing.sanitize import text_of
from yimen.publishing.services import catalogue

PER_YEAR = 1683
YEARS = 5
NORMATIVE_PER_YEAR = 10
REPEALED_SHARE = 0.3
LATE_SHARE = 0.03
REVISED = 3  # normative documents changed after publication
# (what changed, the paragraph added to the body) for the demo's changed documents.
CHANGES = [
    ("调整办理时限", "根据工作实际，第三条规定的办理时限由5个工作日调整为3个工作日。"),
    ("更新联系电话", "本文件所列咨询电话调整为0715-8126517，其余内容不变。"),
    ("补充适用范围", "本办法同时适用于各县（市、区）政务服务中心进驻的市直部门窗口。"),
]
BATCH = 2000
RESPONSIBLE = {
    "jgzn": "办公室",
    "zcwj": "政策法规科",
    "zcwj-gz": "政策法规科",
    "zcwj-gfxwj": "政策法规科",
    "zcwj-qtwj": "办公室",
    "zcwj-zcjd": "政策法规科",
    "ghxx": "办公室",
    "tjxx": "综合科",
    "xzxk": "审批服务科",
    "czyjs": "财务科",
    "sf": "财务科",
    "cg": "财务科",
    "jdjc": "监督考核科",
    "gwy": "人事科",
    "gzdt": "综合科",
    "ndbg": "办公室",
}


def _workdays(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [d for d in days if calendar.is_workday(d)]


def _plan(
    rng: random.Random, writer: Writer, first: date, today: date, per_year: int
) -> list[tuple[date, Text]]:
    """(written on, text) for the whole span, in date order; `per_year` items a year on average."""
    workdays = _workdays(first, today)
    by_month: dict[tuple[int, int], list[date]] = {}
    for day in workdays:
        by_month.setdefault((day.year, day.month), []).append(day)
    planned: list[tuple[date, Text]] = []
    yearly = {1: ["plan"], 2: ["budget"], 3: ["functions", "fees"], 8: ["accounts"]}
    for (_, month), days in by_month.items():
        planned.append((days[0], writer.statistics(days[0])))  # last month's figures, on the first workday
        mid = next((d for d in days if d.day >= 10), days[-1])
        planned += [(mid, writer.yearly(mid, which)) for which in yearly.get(month, [])]
    years = max((today - first).days / 365.25, 0.1)
    for day in sorted(rng.sample(workdays, min(len(workdays), round(NORMATIVE_PER_YEAR * years)))):
        document = writer.normative(day)
        planned.append((day, document))
        later = [d for d in workdays if d > day][: rng.randint(1, 4)]
        if later:
            planned.append((later[-1], writer.interpretation(later[-1], document)))
    remaining = max(round(per_year * years) - len(planned), 0)
    for day in rng.choices(workdays, k=remaining):
        planned.append((day, writer.news(day) if rng.random() < 0.75 else writer.notice(day)))
    planned.sort(key=lambda pair: pair[0])
    return planned


def _published_at(rng: random.Random, written_on: date, due: date) -> datetime:
    if rng.random() < LATE_SHARE:
        day = calendar.add_workdays(due, rng.randint(1, 10)).date
    else:
        spread = (0, 1, 1, 2, 3, 5, 8, 12, 19)
        day = min(calendar.add_workdays(written_on, rng.choice(spread)).date, due)
    seconds = rng.randint(8 * 3600 + 1800, 17 * 3600 + 1800)
    return timezone.make_aware(datetime.combine(day, time()) + timedelta(seconds=seconds))


def _docx(text: Text) -> SimpleUploadedFile:
    import docx

    document = docx.Document()
    document.add_heading(text.title, level=1)
    for paragraph in (
        text.body.replace("</p>", "\n")
        .replace("<p>", "")
        .replace("<strong>", "")
        .replace("</strong>", "")
        .splitlines()
    ):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return SimpleUploadedFile(f"{text.keywords}.docx", buffer.getvalue())


def _settings(centre: Organisation) -> None:
    DisclosureSettings.objects.get_or_create(
        organisation=centre,
        defaults={
            "office_name": f"{centre.name}办公室",
            "address": centre.address or "咸宁市咸安区金桂路 99 号",
            "office_hours": centre.office_hours or "工作日 8:30–12:00，14:30–17:30",
            "phone": centre.contact_phone or "0715-8126517",
            "fax": "0715-8126519",
            "email": "zwgk@xianning.example.gov.cn",
            "postcode": "437100",
            "website": "http://127.0.0.1:8000/open/",
        },
    )


def load(*, scale: str = "small", years: int = YEARS, per_year: int = PER_YEAR) -> str:
    if Publication.objects.exists():
        return "演示公开信息已存在，跳过"
    centre = Organisation.objects.filter(code="XN-ZWFW").first()
    officer = Staff.objects.filter(username="officer").first()
    if centre is None or officer is None:
        return "没有演示机构，跳过"
    with transaction.atomic():
        summary = _load(centre, officer, years, per_year)
    from yimen.publishing import search

    started = timezone.now()
    try:
        indexed = search.reindex()
    except NotImplementedError:
        return summary + "；检索索引尚未建立"
    seconds = (timezone.now() - started).total_seconds()
    return summary + f"；已索引 {indexed} 条（{seconds:.1f} 秒）"


def _load(centre: Organisation, officer: Staff, years: int, per_year: int) -> str:
    _settings(centre)
    nodes = {n.code: n for n in catalogue.ensure_catalogue(organisation=centre)}
    for code, office in RESPONSIBLE.items():
        CatalogueNode.objects.filter(pk=nodes[code].pk).update(responsible_office=office)
    rng = random.Random(1683)
    writer = Writer(rng, centre.name, centre.short_name or centre.name)
    now = timezone.now()
    today = timezone.localdate()
    first = today.replace(year=today.year - years, day=min(today.day, 28))
    plan = _plan(rng, writer, first, today, per_year)
    rows: list[Publication] = []
    files: list[tuple[int, Text]] = []
    for written_on, text in plan:
        due = content.due_on(written_on)
        published_at = _published_at(rng, written_on, due)
        publication = Publication(
            organisation=centre,
            node=nodes[text.node],
            title=text.title[:300],
            kind=text.kind,
            topic=text.topic,
            genre=text.genre,
            document_number=text.document_number,
            keywords=text.keywords[:200],
            body=text.body,
            written_on=written_on,
            due_on=due,
            created_by=officer,
            created_at=timezone.make_aware(datetime.combine(written_on, time(9))),
        )
        publication.body_text = text_of(text.body)
        publication.summary = publication.body_text.replace("\n", " ")[: content.SUMMARY_LENGTH]
        if published_at <= now:
            publication.state, publication.published_at = PublicationState.PUBLISHED, published_at
        else:
            publication.state = PublicationState.REVIEW if rng.random() < 0.4 else PublicationState.DRAFT
        if text.kind == Kind.NORMATIVE:
            publication.effective_on = written_on
            first_ones = len(files) < 2  # the oldest two are always replaced within a year
            ends = written_on + timedelta(
                days=rng.randint(180, 360) if first_ones else rng.randint(300, 1200)
            )
            if (first_ones or rng.random() < REPEALED_SHARE) and ends < today and publication.published_at:
                publication.validity, publication.repealed_on = Validity.REPEALED, ends
            files.append((len(rows), text))
        rows.append(publication)
    # Two drafts forgotten past their due date, for the office's 应公开与逾期 page.
    old_news = [r for r in rows if r.kind == Kind.NEWS and r.written_on < today - timedelta(days=45)]
    for forgotten in old_news[-2:]:
        forgotten.state, forgotten.published_at = PublicationState.DRAFT, None
    _number(centre, rows)
    Publication.objects.bulk_create(rows, batch_size=BATCH)
    stored: list[str] = []
    attached: dict[int, list[dict[str, object]]] = {}
    for position, text in files:
        publication = rows[position]
        saved = attachments.store(publication, attachments.check_all([_docx(text)]), stored)
        attached[publication.pk] = [{"name": a.name, "sha256": a.sha256, "size": a.size} for a in saved]
    PublicationVersion.objects.bulk_create(
        [
            PublicationVersion(
                publication=p,
                number=1,
                snapshot=content.snapshot(p, attached.get(p.pk, [])),
                note="演示数据",
                published_at=p.published_at,
                due_on=p.due_on if p.published_at else None,
                created_by=officer,
                created_at=p.created_at,
            )
            for p in rows
        ],
        batch_size=BATCH,
    )
    _revise(rng, [rows[position] for position, _ in files], officer, attached, today)
    states = Counter(r.state for r in rows)
    repealed = sum(1 for r in rows if r.validity == Validity.REPEALED)
    summary = (
        f"{len(rows)} 条主动公开信息（近 {years} 年，已发布 {states[PublicationState.PUBLISHED]} 条，"
        f"待审核 {states[PublicationState.REVIEW]} 条，草稿 {states[PublicationState.DRAFT]} 条），"
        f"其中行政规范性文件 {len(files)} 件（已废止 {repealed} 件）"
    )
    audit.record("demo.loaded", centre, actor="系统", after={"summary": summary})
    return summary


def _revise(
    rng: random.Random,
    normative: list[Publication],
    officer: Staff,
    attached: dict[int, list[dict[str, object]]],
    today: date,
) -> None:
    """A few documents still in force were changed months after publication: the body gains the change,
    `changed_on` and `due_on` follow it, and a second published version keeps the change note."""
    candidates = [
        p
        for p in normative
        if p.published_at is not None
        and p.validity == Validity.VALID
        and p.written_on < today - timedelta(days=240)
    ]
    changed: list[Publication] = []
    versions: list[PublicationVersion] = []
    for publication, (note, paragraph) in zip(candidates[:REVISED], CHANGES, strict=False):
        changed_on = calendar.add_workdays(publication.written_on, rng.randint(60, 120)).date
        due = content.due_on(publication.written_on, changed_on)
        day = calendar.add_workdays(changed_on, rng.randint(2, 12)).date
        publication.changed_on, publication.due_on = changed_on, due
        publication.revised_at = timezone.make_aware(datetime.combine(day, time(10, 30)))
        publication.body += f"<p>{paragraph}</p>"
        publication.body_text = text_of(publication.body)
        changed.append(publication)
        versions.append(
            PublicationVersion(
                publication=publication,
                number=2,
                snapshot=content.snapshot(publication, attached.get(publication.pk, [])),
                note=note,
                published_at=publication.revised_at,
                due_on=due,
                created_by=officer,
                created_at=publication.revised_at,
            )
        )
    Publication.objects.bulk_update(changed, ["changed_on", "due_on", "revised_at", "body", "body_text"])
    PublicationVersion.objects.bulk_create(versions)


def _number(centre: Organisation, rows: list[Publication]) -> None:
    """索引号 in order of publication, per year, and the counters set past the last serial."""
    code = organisation_code(centre)
    serials: Counter[int] = Counter()
    for publication in sorted(
        (r for r in rows if r.published_at is not None), key=lambda r: (r.published_at, r.written_on)
    ):
        assert publication.published_at is not None
        year = timezone.localtime(publication.published_at).year
        serials[year] += 1
        publication.index_year, publication.index_serial = year, serials[year]
        publication.index_number = format_number(code, year, serials[year])
    IndexCounter.objects.bulk_create(
        [IndexCounter(organisation=centre, year=year, last=last) for year, last in serials.items()]
    )
