"""Benchmark: the service catalogue — guide pages under gunicorn, and item search against icontains.

Run from the repository root:

    .venv/bin/python bench/catalog.py [--items N] [--duration S] [--database-url postgres://…/yimen_bench]

It builds a throwaway database (SQLite in a temporary YIMEN_VAR, or the PostgreSQL database named by
--database-url, which it creates and drops), loads the org demo and generates N published items through
`services.create_item` + `services.publish_directly`, so the search index is filled as in production.
Then, in the same run:

* gunicorn (2 workers) serves the product's URLs plus a bench-only one-query JSON view; wrk drives
  /guide/<code>/ and /bench/json/<code> with random item codes, interleaved. Targets: guide pages at
  ≥ 25% of the JSON view's requests/s, guide p99 ≤ 100 ms.
* In process, 200 query terms taken from the items' names: `queries.public_items(ItemFilter(q=…))`
  (first page of 20 and count) against the same search done with icontains. Targets: p95 ≤ 20 ms,
  and the 200 queries ≥ 50× faster in total.

Method and caveats: bench/README.md. Results: this benchmark's own section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import os
import platform
import pstats
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
SECTION = "## Service catalogue (bench/catalog.py)"
RESULTS_PATH = Path(_REPO_ROOT) / "bench" / "RESULTS.md"
RESULTS_HEADER = """# Benchmark results

Measured on the project's 2-core machine. Absolute times depend on the machine; each benchmark's
target is a ratio against a baseline measured in the same run, so the verdicts are comparable across
runs. Each section is written by its own script (see bench/README.md) and replaced on every run.
"""
SEED = 2026
WARMUP_SECONDS, CONNECTIONS, ROUNDS = 3, 16, 2
SEARCH_TERMS, SEARCH_ROUNDS, PROFILED_REQUESTS, CACHED_CODES = 200, 3, 200, 500
TARGET_SHARE, TARGET_P99_MS, TARGET_SEARCH_P95_MS, TARGET_SEARCH_RATIO = 0.25, 100.0, 20.0, 50.0

# What items are about, by a word in the implementing organisation's name; other units use GENERIC.
SUBJECTS = {
    "市场监督": "食品经营许可证 食品生产许可证 个体工商户 企业名称 特种设备使用登记证 药品零售企业 医疗器械经营企业",
    "交通警察": "机动车驾驶证 机动车登记证书 机动车检验合格标志 非机动车登记",
    "公安局": "居民身份证 户口迁移 出生登记 户籍证明 保安服务许可证 印章刻制 普通护照 往来港澳通行证",
    "教育": "教师资格 民办学校办学许可证 学历证明 中小学转学",
    "民政 婚姻": "社会团体登记 民办非企业单位登记 养老机构备案 最低生活保障 结婚登记 离婚登记",
    "人力资源 社会保险 就业": "社会保障卡 失业保险金 职业技能等级证书 劳务派遣经营许可 养老保险关系转移",
    "住房 房产 不动产": "建筑工程施工许可证 商品房预售许可证 不动产首次登记 不动产转移登记 住房公积金提取",
    "卫生健康 医疗保障": "医师执业注册 护士执业注册 医疗机构执业许可证 出生医学证明 异地就医备案",
    "交通运输": "道路运输经营许可证 道路运输从业资格证 出租汽车经营许可 超限运输车辆行驶公路许可",
    "自然资源 生态环境": "建设用地规划许可证 建设工程规划许可证 采矿许可证 排污许可证 建设项目环境影响评价文件",
    "水利 农业 林业": "取水许可 河道采砂许可 农药经营许可证 兽药经营许可证 林木采伐许可证",
    "文化和旅游": "旅行社业务经营许可 娱乐场所经营许可 营业性演出许可 互联网上网服务营业场所",
    "税务": "税务登记 发票领用 增值税一般纳税人登记 纳税证明",
    "消防 应急": "公众聚集场所投入使用营业前消防安全检查 建设工程消防验收 危险化学品经营许可证 安全生产许可证",
    "司法 公证 法律援助 残疾人 退役军人": "法律援助 公证书 律师执业许可 残疾人证 残疾人两项补贴 优待证",
}
GENERIC = "政府信息公开 档案查询 专项资金申报 企业投资项目备案 行政事业性收费 统计调查 证明开具"
ACTIONS = {"核发": "01", "变更": "01", "延续": "01", "注销": "01", "补办": "01", "换发": "01", "审批": "01"}
ACTIONS |= {"认定": "07", "登记": "07", "备案": "07", "查询": "20", "申请": "20", "办理": "20"}
QUALIFIERS = "（个人） （企业） （分支机构） （首次申请） （告知承诺制） （跨省通办）"
MATERIALS = (
    "居民身份证 营业执照 授权委托书 经办人身份证明 场所使用证明 法定代表人身份证明 公司章程 户口簿 结婚证 "
    "房屋产权证明 房屋租赁合同 健康证明 学历证书 近期免冠照片 原证件 信用承诺书 平面布局图 安全管理制度 "
    "专业技术人员名单 主要设备清单 检测报告 资金证明 医学证明 社会保险缴费证明"
)
STEPS = "受理 审查 现场核查 专家评审 决定 制证 送达"
CONDITIONS = (
    "申请人具有完全民事行为能力 有与经营规模相适应的场所和设施 有符合规定的专业技术人员 近三年内无重大违法违规记录 "
    "已依法办理市场主体登记 在本市连续缴纳社会保险满六个月 建立健全安全管理制度和应急预案 申请材料真实、完整、有效"
)
LAWS = "《中华人民共和国行政许可法》 《中华人民共和国食品安全法》 《优化营商环境条例》 《湖北省政务服务管理办法》"

# Written into the temporary directory, which is on the gunicorn process's PYTHONPATH.
BENCH_SETTINGS = 'from yimen.settings import *  # noqa\n\nROOT_URLCONF = "bench_urls"\n'
BENCH_URLS = '''from django.http import HttpRequest, JsonResponse
from django.urls import path

from yimen.catalog.models import ServiceItem
from yimen.urls import urlpatterns as product


def item_json(request: HttpRequest, code: str) -> JsonResponse:
    """The baseline: one indexed query and a small JSON body, through the same middleware."""
    row = ServiceItem.objects.filter(impl_code=code).values("impl_code", "basic_code").first()
    return JsonResponse(row or {}, status=200 if row else 404)


urlpatterns = [path("bench/json/<str:code>", item_json), *product]
'''
WRK_SCRIPT = """local codes, pattern = {}, "/"
function init(args)
  pattern = args[1]
  for line in io.lines(args[2]) do codes[#codes + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end
function request()
  return wrk.format(nil, string.format(pattern, codes[math.random(#codes)]))
end
"""
URLS = {"json": "/bench/json/%s", "guide": "/guide/%s/"}
# Library layers of a request, by (file, function) whose cumulative time cProfile reports; the
# functions under yimen/ are listed too, whatever they are.
LAYERS = [
    ("SQL execution", "django/db/backends/utils.py", "_execute"),
    ("template rendering", "django/template/backends/django.py", "render"),
    ("cache reads", "django/core/cache/backends/filebased.py", "get"),
    ("cache writes", "django/core/cache/backends/filebased.py", "set"),
]
YIMEN, BASELINE, NARROW = (
    "yimen public_items(q)",
    "icontains over the indexed fields",
    "icontains over name + conditions",
)


@dataclass(frozen=True)
class WrkRun:
    name: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str  # socket errors and non-2xx/3xx responses as wrk reports them
    cache: str = ""  # guide rounds: the share of requests answered from the guide cache

    def row(self) -> list[str]:
        numbers = [f"{self.rps:,.1f}", f"{self.p50_ms:.1f}", f"{self.p99_ms:.1f}", f"{self.requests:,}"]
        return [self.name, str(self.connections), *numbers, self.errors or "—", self.cache]


@dataclass(frozen=True)
class Corpus:
    codes: list[str]
    names: dict[int, str]  # item id → name
    organisation_of: dict[int, str]  # item id → organisation short name
    seconds: float


Terms = list[tuple[str, set[int]]]  # (query term, ids of the items whose name or organisation holds it)


def fail(message: str) -> None:
    print(f"ABORT: {message}", file=sys.stderr)
    sys.exit(2)


def machine() -> str:
    models = [
        line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")
    ]
    cpu = models[0].partition(":")[2].strip() if models else platform.processor()
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(" Copyright")[0]
    return (
        f"{len(os.sched_getaffinity(0))} CPUs (nproc), {cpu}; {platform.python_implementation()} "
        f"{platform.python_version()}; Django {metadata.version('django')}; gunicorn "
        f"{metadata.version('gunicorn')}; {wrk.strip()}"
    )


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def psql(url: str, *statements: str) -> None:
    parts = urlsplit(url)
    env = os.environ | ({"PGPASSWORD": parts.password} if parts.password else {})
    argv = [
        "psql",
        "-q",
        "-d",
        "postgres",
        "-U",
        parts.username or "postgres",
        "-h",
        parts.hostname or "127.0.0.1",
    ]
    for sql in statements:
        subprocess.run([*argv, "-p", str(parts.port or 5432), "-c", sql], env=env, check=True)


def setup_django(var_dir: str, database_url: str) -> None:
    Path(var_dir, "bench_settings.py").write_text(BENCH_SETTINGS)
    Path(var_dir, "bench_urls.py").write_text(BENCH_URLS)
    sys.path.insert(0, var_dir)
    os.environ |= {"YIMEN_VAR": var_dir, "DJANGO_SETTINGS_MODULE": "bench_settings", "DEBUG": "0"}
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{var_dir}/yimen.sqlite3"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def generate(count: int, rng: random.Random) -> Corpus:
    """The org demo, then `count` items by create_item + publish_directly, one transaction per item."""
    from django.db import transaction

    from yimen.catalog import services
    from yimen.catalog.models import BUSINESS_TYPES, Theme
    from yimen.org import demo
    from yimen.org.models import Organisation, Window

    demo.load(scale="small")  # the org demo only: the catalogue's own demo data would change the sizes
    organisations = list(Organisation.objects.filter(code__startswith="XN-0").order_by("code"))
    themes = list(Theme.objects.values_list("pk", flat=True))
    corpus = Corpus([], {}, {}, 0.0)
    started = time.perf_counter()
    for n in range(count):
        org = organisations[n % len(organisations)]
        subjects = next((v for k, v in SUBJECTS.items() if any(w in org.name for w in k.split())), GENERIC)
        action, legal, depth, free = (
            rng.choice(list(ACTIONS)),
            rng.choice([10, 15, 20, 30]),
            rng.choice("1234"),
            rng.random() < 0.8,
        )
        promised = rng.choice([0, 1, 3, 5, legal // 2, legal])
        qualifier = rng.choice(QUALIFIERS.split()) if rng.random() < 0.4 else ""
        fields = {
            "name": f"{rng.choice(subjects.split())}{action}{qualifier}",
            "item_type": ACTIONS[action],
            "for_person": rng.random() < 0.6,
            "for_legal": True,
            "business_types": rng.sample(BUSINESS_TYPES[:6], 2),
            "legal_basis": [{"law": rng.choice(LAWS.split()), "article": f"第{rng.randint(2, 60)}条"}],
            "conditions": "；".join(rng.sample(CONDITIONS.split(), rng.randint(2, 4))) + "。",
            "legal_limit": Decimal(legal),
            "promised_limit": Decimal(promised),
            "is_free": free,
            "location": "市民之家二楼 B 区",
            "hours": "工作日 8:30–17:30",
            "consult_phone": org.contact_phone,
            "online_depth": depth,
            "visits": 0 if depth == "4" else rng.randint(1, 2),
            "faq": [{"q": f"{action}需要多长时间？", "a": f"承诺 {promised} 个工作日内办结。"}],
        }
        materials = [{"name": f"{fields['name']}申请表", "copies": 1}]
        for name in rng.sample(MATERIALS.split(), rng.randint(4, 9)):
            required = rng.random() < 0.8
            materials.append(
                {
                    "name": name,
                    "copies": 1,
                    "required": required,
                    "condition": "" if required else "委托办理时",
                }
            )
        steps = sorted(rng.sample(STEPS.split(), rng.randint(3, 5)), key=STEPS.split().index)
        guide = services.Guide(
            fields,
            materials,
            [{"name": s, "limit": Decimal(rng.randint(0, 3))} for s in steps],
            [] if free else [{"name": "工本费", "standard": "每证 10 元", "basis": "《行政事业性收费标准》"}],
            rng.sample(themes, 2),
            list(Window.objects.filter(organisations=org).values_list("pk", flat=True)[:1]),
        )
        with transaction.atomic():
            version = services.create_item(
                organisation=org, basic_code=f"{fields['item_type']}{n:06d}", guide=guide, by=None
            )
            services.publish_directly(version)
        corpus.codes.append(version.item.impl_code)
        corpus.names[version.item_id] = version.name
        corpus.organisation_of[version.item_id] = org.short_name
    return Corpus(corpus.codes, corpus.names, corpus.organisation_of, time.perf_counter() - started)


def sample_terms(corpus: Corpus, rng: random.Random) -> Terms:
    """jieba words of 2, 3 and 4 characters from the item names, and organisation short names."""
    from yimen.core import text

    words: dict[str, set[int]] = {}
    for item_id, name in corpus.names.items():
        for token in text.index_terms(name).split():
            if 2 <= len(token) <= 4 and not token.isascii():
                words.setdefault(token, set()).add(item_id)
    organisations: dict[str, set[int]] = {}
    for item_id, short_name in corpus.organisation_of.items():
        organisations.setdefault(short_name, set()).add(item_id)
    terms: list[str] = []
    for length, quota in ((2, 60), (3, 50), (4, 50)):
        pool = sorted(w for w in words if len(w) == length)
        terms += rng.sample(pool, min(quota, len(pool)))
    terms += rng.sample(sorted(organisations), min(40, len(organisations)))
    # Too few distinct words of some length: top up with words drawn uniformly from all of them.
    pool = sorted(words)
    terms += rng.choices(pool, k=max(0, SEARCH_TERMS - len(terms)))
    return [(t, words.get(t) or organisations[t]) for t in terms[:SEARCH_TERMS]]


def icontains_items(term: str, *, indexed_fields: bool) -> Any:
    """The same search with icontains, on the product's own list of public items (same columns, catalogue
    order): over the fields the index holds, or over name + conditions only."""
    from django.db.models import Exists, OuterRef, Q, QuerySet

    from yimen.catalog.models import ItemVersion, Material
    from yimen.catalog.queries import public_items

    match = Q(current__name__icontains=term) | Q(current__conditions__icontains=term)
    if indexed_fields:
        themes = ItemVersion.themes.through.objects.filter(itemversion=OuterRef("current"))
        match |= (
            Q(organisation__name__icontains=term)
            | Q(organisation__short_name__icontains=term)
            | Q(impl_code__icontains=term)
            | Q(basic_code__icontains=term)
            | Q(Exists(Material.objects.filter(version=OuterRef("current"), name__icontains=term)))
            | Q(Exists(themes.filter(theme__name__icontains=term)))
        )
    items = public_items()
    assert isinstance(items, QuerySet), "without a query, public_items() is a QuerySet"
    return items.filter(match)


def searches() -> dict[str, Callable[[str], Any]]:
    from yimen.catalog.queries import ItemFilter, public_items

    return {
        YIMEN: lambda term: public_items(ItemFilter(q=term)),
        BASELINE: lambda term: icontains_items(term, indexed_fields=True),
        NARROW: lambda term: icontains_items(term, indexed_fields=False),
    }


def check_search(terms: Terms) -> tuple[int, int]:
    """(pairs found, pairs): every term must find items whose name (or organisation) holds it."""
    search = searches()[YIMEN]
    found = expected = 0
    for term, ids in terms:
        got = {item.pk for item in search(term)}
        if not got & ids:
            fail(f"search for {term!r} finds none of the {len(ids)} items whose name holds it")
        found, expected = found + len(got & ids), expected + len(ids)
    return found, expected


@dataclass(frozen=True)
class Search:
    seconds: list[float]  # per term: the median of its rounds
    rounds: list[float]  # total of each round
    counts: list[int]


def time_search(terms: Terms) -> dict[str, Search]:
    from yimen.core import text

    text.query_terms("预热")  # loads jieba's dictionary
    measurements = searches()
    for fn in measurements.values():
        list(fn(terms[0][0])[:20])  # warm: organisation names taught to jieba, the first query
    runs: dict[str, list[list[float]]] = {name: [[] for _ in terms] for name in measurements}
    counts: dict[str, list[int]] = {name: [] for name in measurements}
    for round_ in range(SEARCH_ROUNDS):
        for i, (term, _ids) in enumerate(terms):
            for name, fn in measurements.items():  # interleaved term by term: load falls on all alike
                begin = time.perf_counter()
                qs = fn(term)
                list(qs[:20])
                count = qs.count()
                runs[name][i].append(time.perf_counter() - begin)
                if round_ == 0:
                    counts[name].append(count)
    return {
        name: Search(
            [statistics.median(r) for r in runs[name]],
            [sum(r[k] for r in runs[name]) for k in range(SEARCH_ROUNDS)],
            counts[name],
        )
        for name in measurements
    }


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def start_server(var_dir: str, base: str, code: str) -> subprocess.Popen[bytes]:
    env = os.environ | {"PYTHONPATH": os.pathsep.join([var_dir, _REPO_ROOT])}
    argv = [sys.executable, "-m", "gunicorn", "yimen.wsgi:application", "--workers", "2"]
    argv += ["--bind", base.removeprefix("http://"), "--access-logfile", "/dev/null"]
    with open(Path(var_dir, "gunicorn.log"), "wb") as log:
        server = subprocess.Popen(argv, env=env, cwd=_REPO_ROOT, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(f"{base}/bench/json/{code}")[0] == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    fail(f"gunicorn did not answer within 60 s:\n{Path(var_dir, 'gunicorn.log').read_text()}")
    raise AssertionError


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()  # the master stops its workers
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def check_server(base: str, corpus: Corpus, rng: random.Random) -> None:
    """The pages under load must be the right ones: the guide shows the item's name, the JSON its code."""
    names = dict(zip(corpus.codes, corpus.names.values(), strict=True))
    for code in rng.sample(corpus.codes, 20):
        status, body = get(f"{base}/guide/{code}/")
        if status != 200 or names[code] not in body:
            fail(f"/guide/{code}/ answered {status} without the item's name")
        status, body = get(f"{base}/bench/json/{code}")
        if status != 200 or f'"impl_code": "{code}"' not in body:
            fail(f"/bench/json/{code} answered {status}: {body[:100]}")


def wrk(label: str, base: str, codes: Path, seconds: int, connections: int = CONNECTIONS) -> WrkRun:
    """One wrk run on the URL named by the label's first word, each request for a random code of the file."""
    script, name = codes.with_name("codes.lua"), label.split(",")[0]
    script.write_text(WRK_SCRIPT)
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), base]
    out = subprocess.run(
        [*argv, "--", URLS[name], str(codes)], capture_output=True, text=True, check=True
    ).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    found = re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    latency = {p: float(v) * unit[u] for p, v, u in found}
    total, rps = re.search(r"(\d+) requests in", out), re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not (total and rps and {"50", "99"} <= latency.keys()):
        fail(f"cannot read wrk's output:\n{out}")
    assert total and rps
    errors = "; ".join(
        line.strip() for line in out.splitlines() if "Socket errors" in line or "Non-2xx" in line
    )
    if "Non-2xx" in errors:
        fail(f"{label}: {errors}")
    return WrkRun(label, connections, float(rps[1]), latency["50"], latency["99"], int(total[1]), errors)


def load_test(base: str, var_dir: str, codes: list[str], seconds: int, rng: random.Random) -> list[WrkRun]:
    """Warm-up, then json, guide, json, guide at 16 connections and once more at 2, over every code; then
    both over CACHED_CODES codes whose guides were rendered first. The guide cache starts empty; the
    cache files a guide run adds are its misses."""
    from django.test import Client

    every, cached, pages = Path(var_dir, "codes.txt"), Path(var_dir, "cached.txt"), Path(var_dir, "cache")
    subset = rng.sample(codes, min(CACHED_CODES, len(codes)))
    every.write_text("\n".join(codes) + "\n")
    cached.write_text("\n".join(subset) + "\n")
    shutil.rmtree(pages, ignore_errors=True)

    def run(label: str, file: Path, connections: int = CONNECTIONS) -> WrkRun:
        before = len(list(pages.glob("*"))) if pages.is_dir() else 0
        result = wrk(label, base, file, seconds, connections)
        if not label.startswith("guide") or not pages.is_dir():
            return result
        misses = len(list(pages.glob("*"))) - before
        hits = f"{1 - misses / result.requests:.0%} hits, {before:,} → {before + misses:,} pages"
        return dataclasses.replace(result, cache=hits)

    for name in URLS:
        wrk(name, base, every, WARMUP_SECONDS)
    runs = [run(name, every, connections) for connections in [CONNECTIONS] * ROUNDS + [2] for name in URLS]
    client = Client(HTTP_HOST="127.0.0.1")
    for code in subset:
        client.get(URLS["guide"] % code)  # renders into the cache that the workers share
    return runs + [run(f"{name}, {len(subset)} cached codes", cached) for name in URLS]


def where_time_goes(codes: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """In process (django.test.Client, which keeps its connection): ms and queries per request, guide
    pages with an empty cache and again cached; opening a connection (gunicorn does it per request when
    CONN_MAX_AGE is 0); cProfile's cumulative time of the library layers and of yimen's functions."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    client, sample = Client(HTTP_HOST="127.0.0.1"), rng.sample(codes, min(PROFILED_REQUESTS, len(codes)))
    rows, queries = [], 0

    def count(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(*args)

    def requests(pattern: str) -> Callable[[], object]:
        return lambda: [client.get(pattern % code) for code in sample]

    client.get(URLS["json"] % sample[0])
    for label, pattern in [
        ("json", URLS["json"]),
        ("guide, empty cache", URLS["guide"]),
        ("guide, cached", URLS["guide"]),
    ]:
        if label == "guide, empty cache":
            cache.clear()
        queries = 0
        with connection.execute_wrapper(count):
            seconds = best_of(1, requests(pattern))
        rows.append(
            (
                f"{label}: ms and queries per request",
                f"{seconds * 1000 / len(sample):.2f} ms, {queries / len(sample):.1f}",
            )
        )

    def reconnect() -> None:
        for _ in range(50):
            connection.close()
            connection.ensure_connection()

    seconds = best_of(1, reconnect)
    max_age = connection.settings_dict["CONN_MAX_AGE"]
    when = "every request" if max_age == 0 else "kept across requests"
    label = f"opening a database connection (CONN_MAX_AGE={max_age}: under gunicorn, {when})"
    rows.append((label, f"{seconds * 1000 / 50:.2f} ms"))
    for state in ("empty cache", "cached"):
        if state == "empty cache":
            cache.clear()
        profile = cProfile.Profile()
        profile.runcall(requests(URLS["guide"]))
        stats: Any = pstats.Stats(profile)
        total, own = stats.total_tt, os.path.join(_REPO_ROOT, "yimen") + os.sep
        layers = [
            (label, [v[3] for k, v in stats.stats.items() if k[0].endswith(path) and k[2] == fn])
            for label, path, fn in LAYERS
        ]
        mine = [
            (f"{k[0].removeprefix(own)}: {k[2]}", [v[3]])
            for k, v in stats.stats.items()
            if k[0].startswith(own) and k[2] != "__call__"  # not the middleware around everything
        ]
        mine.sort(key=lambda row: -row[1][0])
        for label, found in [("the whole request", [total]), *layers, *mine[:6]]:
            share = f"{sum(found) * 1000 / len(sample):.2f} ms ({sum(found) / total:.0%})"
            rows.append((f"guide, {state}, profiled: {label}", share))
    return rows


MATCHING = "search.matching_ids (jieba + full-text index, ranked)"


def search_steps(terms: Terms, slowest_term: str) -> list[tuple[str, str]]:
    """Where `public_items(ItemFilter(q=…))` spends its time, step by step: summed over every term (one
    round), then for the slowest term (best of 3)."""
    from yimen.catalog import queries, search

    def steps(term: str) -> list[tuple[str, Callable[[], object]]]:
        qs = queries.public_items(queries.ItemFilter(q=term))
        return [
            (MATCHING, lambda: search.matching_ids(term)),
            ("the whole `public_items(...)` call", lambda: queries.public_items(queries.ItemFilter(q=term))),
            ("`list(qs[:20])`", lambda: list(qs[:20])),
            ("`qs.count()`", qs.count),
        ]

    totals: dict[str, float] = {}
    for term, _ in terms:
        for label, fn in steps(term):
            totals[label] = totals.get(label, 0.0) + best_of(1, fn)
    whole = sum(totals.values()) - totals[MATCHING]  # matching_ids runs inside public_items
    rows = [
        (f"all {len(terms)} terms: {k}", f"{v * 1000:,.0f} ms ({v / whole:.0%})") for k, v in totals.items()
    ]
    ids = len(search.matching_ids(slowest_term))
    return rows + [
        (f"{slowest_term}, {ids:,} ids: {k}", f"{best_of(3, fn) * 1000:.1f} ms")
        for k, fn in steps(slowest_term)
    ]


def best_of(times: int, fn: Callable[[], object]) -> float:
    seconds = []
    for _ in range(times):
        begin = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - begin)
    return min(seconds)


def page_verdicts(runs: list[WrkRun]) -> list[tuple[str, bool]]:
    def best(name: str) -> WrkRun:
        return max((r for r in runs if r.name == name and r.connections == CONNECTIONS), key=lambda r: r.rps)

    guide, json = best("guide"), best("json")
    share = guide.rps / json.rps
    return [
        (
            f"guide pages {guide.rps:,.0f} req/s = {share:.1%} of the JSON view's {json.rps:,.0f} req/s "
            f"(best rounds over every code; target ≥ {TARGET_SHARE:.0%})",
            share >= TARGET_SHARE,
        ),
        (
            f"guide pages p99 {guide.p99_ms:.1f} ms at {CONNECTIONS} connections (best round over every code; "
            f"target ≤ {TARGET_P99_MS:.0f} ms)",
            guide.p99_ms <= TARGET_P99_MS,
        ),
    ]


def search_verdicts(searched: dict[str, Search]) -> list[tuple[str, bool]]:
    yimen, baseline = searched[YIMEN].seconds, searched[BASELINE].seconds
    p95, ratio = percentile(yimen, 0.95) * 1000, sum(baseline) / sum(yimen)
    return [
        (f"search p95 {p95:.1f} ms (target ≤ {TARGET_SEARCH_P95_MS:.0f} ms)", p95 <= TARGET_SEARCH_P95_MS),
        (
            f"search: total time of the {len(yimen)} queries (first page + count, each term's median), "
            f"{BASELINE} / yimen = {ratio:,.2f}× (target ≥ {TARGET_SEARCH_RATIO:.0f}×)",
            ratio >= TARGET_SEARCH_RATIO,
        ),
    ]


def verdicts(results: list[tuple[str, bool]]) -> list[str]:
    return [f"**{text}: {'PASS' if ok else 'FAIL'}**  " for text, ok in results]


def table(header: str, rows: list[list[str]]) -> list[str]:
    """A markdown table; columns of numbers are right-aligned."""
    columns = list(zip(*rows, strict=True)) if rows else []
    align = ["---:" if all(re.match(r"[\d.,]+( |$)", c) for c in column) else "---" for column in columns]
    return [header, "|" + "|".join(align) + "|", *("| " + " | ".join(r) + " |" for r in rows), ""]


def seconds(values: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in values)


def slowest(searched: dict[str, Search]) -> list[int]:
    seconds = searched[YIMEN].seconds
    return sorted(range(len(seconds)), key=lambda i: -seconds[i])


def search_lines(terms: Terms, recall: tuple[int, int], searched: dict[str, Search]) -> list[str]:
    lengths, yimen, full = [len(t) for t, _ in terms], searched[YIMEN], searched[BASELINE].counts
    rows = []
    for name, s in searched.items():
        ms = [percentile(s.seconds, 0.5), percentile(s.seconds, 0.95), statistics.mean(s.seconds)]
        rows.append([name, *(f"{x * 1000:.2f}" for x in ms), f"{sum(s.seconds):.2f}", seconds(s.rounds)])
    lines = [
        f"- Search terms: {len(terms)} ({lengths.count(2)} of 2 characters, {lengths.count(3)} of 3, "
        f"{lengths.count(4)} of 4, {sum(n > 4 for n in lengths)} organisation names; "
        f"{len({t for t, _ in terms})} distinct). yimen finds {recall[0]:,} of the {recall[1]:,} "
        "(term, item whose name or organisation holds it) pairs.",
        "",
        *table("| search | p50 ms | p95 ms | mean ms | total s | total s per round |", rows),
    ]
    for name, s in list(searched.items())[1:]:
        p95 = percentile(s.seconds, 0.95) / percentile(yimen.seconds, 0.95)
        mean = statistics.mean(s.seconds) / statistics.mean(yimen.seconds)
        lines.append(f"- {name} / yimen: p95 {p95:,.2f}×, mean (and so total) {mean:,.2f}×")
    worst = [
        f"{terms[i][0]} {yimen.seconds[i] * 1000:.0f} ms, {yimen.counts[i]:,}, {full[i]:,}"
        for i in slowest(searched)
    ]
    more = sum(y > f for y, f in zip(yimen.counts, full, strict=True))
    fewer = sum(y < f for y, f in zip(yimen.counts, full, strict=True))
    return [
        *lines,
        "- Slowest yimen terms (time; yimen count; icontains count): " + "; ".join(worst[:6]),
        f"- Counts: yimen finds more items than icontains for {more} terms (the index also holds the item-type "
        f"label, business types, legal basis, FAQ), fewer for {fewer} (words jieba keeps inside longer ones).",
    ]


def report(
    facts: list[str],
    runs: list[WrkRun],
    breakdown: list[tuple[str, str]],
    searching: list[str],
    steps: list[tuple[str, str]],
    searched: dict[str, Search],
) -> list[str]:
    header = "| URL | connections | req/s | p50 ms | p99 ms | requests | errors | guide cache |"
    rows = [r.row() for r in runs]
    return [
        *facts,
        "",
        *table(header, rows),
        *verdicts(page_verdicts(runs)),
        "",
        f"Where a request's time goes, in process ({PROFILED_REQUESTS} random codes through django.test.Client, "
        "no network; profiled times include cProfile's overhead):",
        "",
        *table("| measurement | value |", [list(row) for row in breakdown]),
        *searching,
        "",
        "Where search time goes, in process:",
        "",
        *table("| measurement | value |", [list(row) for row in steps]),
        *verdicts(search_verdicts(searched)),
    ]


def write_results(section: str, text: str) -> None:
    old = RESULTS_PATH.read_text() if RESULTS_PATH.exists() else RESULTS_HEADER
    # Our section runs from its heading to the next "## " heading (or the end of the file).
    pattern = re.compile(rf"^{re.escape(section)}[ \t]*\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(old):
        new = pattern.sub(lambda _: text + "\n", old, count=1)
    else:
        new = old.rstrip("\n") + "\n\n" + text
    RESULTS_PATH.write_text(new.rstrip("\n") + "\n")


def describe(corpus: Corpus) -> list[str]:
    """The database and the data; on PostgreSQL, ANALYZE first, as autovacuum would after a bulk load."""
    from django.db import connection

    from yimen.catalog.models import Material, ServiceItem, Step
    from yimen.core import search

    database = (
        f"SQLite {sqlite3.sqlite_version}, a file in a temporary YIMEN_VAR (WAL, the product's settings)"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}, {connection.settings_dict['HOST']}, ANALYZE after loading"
    organisations = ServiceItem.objects.values("organisation").distinct().count()
    return [
        f"- Database: {database}",
        f"- Data: {len(corpus.codes):,} published items over {organisations} organisations, "
        f"{Material.objects.count():,} materials, {Step.objects.count():,} steps, {search.count('catalog_item'):,} "
        f"rows in the search index; generated by `create_item(by=None)` + `publish_directly`, one transaction per "
        f"item, in {corpus.seconds:.1f} s ({corpus.seconds / len(corpus.codes) * 1000:.1f} ms per item).",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=5000, help="items to generate")
    parser.add_argument(
        "--database-url", default="", help="postgres://…/<name with 'bench'>; created, dropped"
    )
    parser.add_argument("--duration", type=int, default=15, help="seconds of each wrk run")
    args = parser.parse_args(argv)
    name = urlsplit(args.database_url).path.lstrip("/")
    if args.items < 100 or args.duration < 1:
        parser.error("need --items >= 100 and --duration >= 1")
    if args.database_url and not (args.database_url.startswith("postgres") and "bench" in name):
        parser.error("--database-url: a PostgreSQL URL whose database name contains 'bench' (it is dropped)")

    started, load_start, rng = datetime.now().astimezone(), load(), random.Random(SEED)
    var_dir, server = tempfile.mkdtemp(prefix="yimen-bench-catalog-"), None
    try:
        if args.database_url:
            psql(args.database_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        setup_django(var_dir, args.database_url)
        from django.db import connections

        corpus = generate(args.items, rng)
        print(f"generated {len(corpus.codes):,} items in {corpus.seconds:.1f} s", flush=True)
        data = describe(corpus)
        terms = sample_terms(corpus, rng)
        recall = check_search(terms)
        connections.close_all()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = f"http://127.0.0.1:{s.getsockname()[1]}"
        server = start_server(var_dir, base, corpus.codes[0])
        check_server(base, corpus, rng)
        runs = load_test(base, var_dir, corpus.codes, args.duration, rng)
        stop_server(server)
        server = None
        breakdown = where_time_goes(corpus.codes, rng)
        searched = time_search(terms)
        steps = search_steps(terms, terms[slowest(searched)[0]][0])
        connections.close_all()
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(var_dir, ignore_errors=True)
        if args.database_url:
            psql(args.database_url, f'DROP DATABASE IF EXISTS "{name}"')
    facts = [
        f"- Run: {started.astimezone().isoformat(timespec='seconds')}; load average (1/5/15 min) {load_start} "
        f"at start, {load()} at end",
        f"- Machine: {machine()}. **wrk and the 2 gunicorn workers share these 2 cores** over loopback.",
        *data,
        f"- Load: `wrk -t2 -c{CONNECTIONS} -d{args.duration}s --latency`, a random item code per request; "
        f"{WARMUP_SECONDS} s warm-up per URL, then json, guide, json, guide over every code (the verdicts), the "
        f"same at 2 connections (service time without queueing), and over {CACHED_CODES} codes whose guides were "
        "rendered first (every guide a cache hit); the guide cache starts empty.",
    ]
    body = report(facts, runs, breakdown, search_lines(terms, recall, searched), steps, searched)
    print("\n".join(body))
    section = f"{SECTION} — {'PostgreSQL' if args.database_url else 'SQLite'}"
    write_results(section, "\n".join([section, "", *body, ""]))
    print(f"wrote {RESULTS_PATH}")
    return 0 if all(ok for _, ok in page_verdicts(runs) + search_verdicts(searched)) else 1


if __name__ == "__main__":
    sys.exit(main())
