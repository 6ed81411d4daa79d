"""Invented publications for bench/search.py: titles, 文号 and bodies from templates, written as rows.

Each organisation gets the default 公开目录 (`publishing.services.catalogue.ensure_catalogue`); publications
are spread over its nodes roughly as a municipal department's site is (工作动态 and 许可/处罚公示 most, 规范性文件 few),
over ten years, with a 索引号 per organisation and year and, for documents, a 文号. Bodies are 4–12 sentences
(about 200–700 characters) drawn from per-node and general sentence templates, so the words people search
for (预算, 招聘, 食品安全, 不动产登记 …) are spread as in a real site rather than uniformly.
Rows are plain tuples written with COPY (PostgreSQL) or executemany (SQLite), never model instances.
The templates themselves are in bench/search_templates.py.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from search_templates import (
    COMPANIES,
    DEPTS,
    GENERAL,
    LAWS,
    LICENCES,
    NODES,
    PLACES,
    PROJECTS,
    TOPICS,
    TRADES,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEARS = range(2017, 2027)


@dataclass
class Organisation:
    id: int
    name: str
    short: str
    code: str  # index-number code
    prefix: str  # 文号 机关代字
    nodes: dict[str, int]  # node code → node id


@dataclass
class Corpus:
    count: int
    seconds: float
    document_numbers: list[str]  # a sample, for 文号 queries
    titles: list[str]  # a sample


def organisations() -> list[Organisation]:
    """Every organisation of the org demo under the city government, with its default catalogue."""
    from yimen.org.models import Organisation as Org
    from yimen.publishing.services import catalogue

    found = []
    for n, org in enumerate(Org.objects.filter(code__startswith="XN-").order_by("code")):
        nodes = {node.code: node.pk for node in catalogue.ensure_catalogue(organisation=org)}
        short = (org.short_name or org.name.removeprefix("咸宁市"))[:4]
        prefix = "咸政" if org.code == "XN-GOV" else f"咸{short[:2]}"
        found.append(Organisation(org.pk, org.name, short, f"{1000000 + n:09d}", prefix, nodes))
    return found


class Writer:
    """Fills `{slot}`s from a seeded Random; the same seed gives the same corpus."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def fill(self, template: str, org: Organisation, year: int, number: str) -> str:
        return template.format_map(_Slots(self.rng, org, year, number))


class _Slots(dict[str, str]):
    """The values of a template's slots, drawn only for the slots the template has."""

    def __init__(self, rng: random.Random, org: Organisation, year: int, number: str):
        super().__init__(city="咸宁市", year=str(year), year2=str(year + 4), number=number)
        self.rng, self.org = rng, org

    def __missing__(self, key: str) -> str:
        value = SLOTS[key](self.rng, self.org)
        self[key] = value
        return value


SLOTS: dict[str, Callable[[random.Random, Organisation], str]] = {
    "org": lambda r, o: o.name if r.random() < 0.7 else o.short,
    "gov": lambda r, o: "咸宁市人民政府办公室" if r.random() < 0.5 else o.name,
    "place": lambda r, o: r.choice(PLACES),
    "topic": lambda r, o: r.choice(TOPICS),
    "month": lambda r, o: str(r.randint(1, 12)),
    "day": lambda r, o: str(r.randint(1, 28)),
    "day2": lambda r, o: str(r.randint(1, 28)),
    "n": lambda r, o: str(r.randint(2, 60)),
    "m": lambda r, o: str(r.randint(100, 9000)),
    "k": lambda r, o: str(r.randint(3, 300)),
    "code": lambda r, o: f"{r.randint(0, 99999):05d}",
    "phone": lambda r, o: f"{r.randint(0, 999999):06d}",
    "company": lambda r, o: f"咸宁市{r.choice(COMPANIES)}{r.choice(TRADES)}有限公司",
    "project": lambda r, o: f"{r.choice(PLACES)}{r.choice(PROJECTS)}",
    "licence": lambda r, o: r.choice(LICENCES),
    "law": lambda r, o: r.choice(LAWS),
    "dept": lambda r, o: r.choice(DEPTS),
}


COLUMNS = (
    "id", "organisation_id", "node_id", "index_number", "index_year", "index_serial", "title", "kind",
    "topic", "genre", "document_number", "keywords", "summary", "body", "body_text", "written_on",
    "changed_on", "due_on", "published_at", "effective_on", "validity", "expired_on", "repealed_on",
    "state", "withdrawn_at", "withdrawn_reason", "lock_version", "created_by_id", "created_at", "updated_at",
)  # fmt: skip
ATTACHMENT_COLUMNS = (
    "publication_id", "name", "file", "content_type", "size", "sha256", "text", "position", "uploaded_at",
)  # fmt: skip


def rows(
    count: int, orgs: list[Organisation], rng: random.Random
) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...] | None]]:
    """(publication row, attachment row or None), `count` of them, in order of publication."""
    writer = Writer(rng)
    codes = list(NODES)
    weights = [NODES[c][1] for c in codes]
    serials: dict[tuple[int, int], int] = {}
    numbers: dict[tuple[int, int], int] = {}
    start = datetime(YEARS[0], 1, 1, 9, tzinfo=SHANGHAI)
    span = (datetime(YEARS[-1], 11, 20, tzinfo=SHANGHAI) - start).total_seconds()
    for pk in range(1, count + 1):
        org = orgs[int(len(orgs) * rng.random() ** 1.6)]  # a few organisations publish most
        published_at = start + timedelta(seconds=span * (pk - 1) / count + rng.random() * 3600)
        year = published_at.year
        code = rng.choices(codes, weights)[0]
        kind, _, titles, sentences = NODES[code]
        if code == "zcwj-gfxwj" and rng.random() < 0.15 and org.prefix == "咸政":
            code, kind = "zcwj-gz", "regulation"
        serials[org.id, year] = serial = serials.get((org.id, year), 0) + 1
        number = ""
        if kind in ("normative", "regulation", "document") or (code == "xzcf" and rng.random() < 0.5):
            numbers[org.id, year] = seq = numbers.get((org.id, year), 0) + 1
            kind_mark = {"normative": "规", "regulation": "令", "xzcf": "罚"}.get(
                kind if code != "xzcf" else code, "发"
            )
            number = f"{org.prefix}{kind_mark}〔{year}〕{seq}号"
        title = writer.fill(rng.choice(titles), org, year, number)
        body_sentences = [
            writer.fill(s, org, year, number)
            for s in rng.sample(sentences, min(len(sentences), rng.randint(3, 7)))
            + rng.sample(GENERAL, rng.randint(1, 3))
        ]
        paragraphs = "".join(f"<p>{s}</p>" for s in body_sentences)
        body_text = "\n".join(body_sentences)
        written_on = published_at.date() - timedelta(days=rng.randint(1, 25))
        validity, repealed_on = "valid", None
        if kind in ("normative", "regulation") and year < 2023 and rng.random() < 0.3:
            repealed_on = date(min(year + rng.randint(2, 5), YEARS[-1]), rng.randint(1, 12), 1)
            validity = "repealed"
        created = datetime.combine(written_on, time(10), SHANGHAI)
        row = (
            pk, org.id, org.nodes[code], f"{org.code}/{year}-{serial:05d}", year, serial, title[:300], kind,
            writer.fill("{topic}", org, year, number), "", number, "", body_sentences[0][:200], paragraphs,
            body_text, written_on, None, written_on + timedelta(days=28), published_at, None, validity, None,
            repealed_on, "published", None, "", 1, None, created, published_at,
        )  # fmt: skip
        attachment = None
        if rng.random() < 0.05:
            text = "\n".join(
                writer.fill(rng.choice(GENERAL + sentences), org, year, number) for _ in range(20)
            )
            data = text.encode()
            attachment = (
                pk, f"附件{pk}.docx", f"publications/bench/{pk}.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document", len(data),
                hashlib.sha256(data).hexdigest(), text, 0, published_at,
            )  # fmt: skip
        yield row, attachment
