"""The catalogue benchmark's data: a throwaway database, N generated items published as in production,
search terms taken from them; and the outbox delivered, so every published guide is rendered."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from common import fail

SEED = 2026
SEARCH_TERMS = 200

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


@dataclass(frozen=True)
class Corpus:
    codes: list[str]
    names: dict[int, str]  # item id → name
    organisation_of: dict[int, str]  # item id → organisation short name
    seconds: float


Terms = list[tuple[str, set[int]]]  # (query term, ids of the items whose name or organisation holds it)


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
    from yimen.demo import org as demo
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


def describe(corpus: Corpus, rendered: float) -> list[str]:
    """The database and the data; on PostgreSQL, VACUUM ANALYZE first, as autovacuum soon does after a bulk
    load (its vacuum also moves the GIN index's pending list into the index, which searches then skip)."""
    from django.db import connection

    from yimen.catalog.models import Material, ServiceItem, Step
    from yimen.core import search

    database = (
        f"SQLite {sqlite3.sqlite_version}, a file in a temporary YIMEN_VAR (WAL, the product's settings)"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}, {connection.settings_dict['HOST']}, VACUUM ANALYZE after loading"
    organisations = ServiceItem.objects.values("organisation").distinct().count()
    return [
        f"- Database: {database}",
        f"- Data: {len(corpus.codes):,} published items over {organisations} organisations, "
        f"{Material.objects.count():,} materials, {Step.objects.count():,} steps, {search.count('catalog_item'):,} "
        f"rows in the search index; generated by `create_item(by=None)` + `publish_directly`, one transaction per "
        f"item, in {corpus.seconds:.1f} s ({corpus.seconds / len(corpus.codes) * 1000:.1f} ms per item); then the "
        f"outbox delivered as `yimen worker` would, which renders each published guide into the cache, in "
        f"{rendered:.1f} s.",
    ]


def render_guides() -> float:
    """Deliver the outbox as `yimen worker` does (the portal renders each published guide); seconds taken."""
    from yimen.core import events

    started = time.perf_counter()
    while True:
        delivered, failed = events.run_once(200)
        if failed:
            fail(f"{failed} outbox messages failed")
        if not delivered:
            return time.perf_counter() - started
