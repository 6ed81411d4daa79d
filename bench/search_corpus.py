"""Invented publications for bench/search.py: titles, 文号 and bodies from templates, written as rows.

Each organisation gets the default 公开目录 (`services.ensure_catalogue`); publications are spread over
its nodes roughly as a municipal department's site is (工作动态 and 许可/处罚公示 most, 规范性文件 few),
over ten years, with a 索引号 per organisation and year and, for documents, a 文号. Bodies are 4–12
sentences (about 200–700 characters) drawn from per-node and general sentence templates, so the words
people search for (预算, 招聘, 食品安全, 不动产登记 …) are spread as in a real site rather than uniformly.
Rows are plain tuples written with COPY (PostgreSQL) or executemany (SQLite), never model instances.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEARS = range(2017, 2027)
PLACES = [
    "咸安区",
    "嘉鱼县",
    "通城县",
    "崇阳县",
    "通山县",
    "赤壁市",
    "温泉街道",
    "永安街道",
    "浮山街道",
    "向阳湖镇",
    "官埠桥镇",
    "横沟桥镇",
]
TOPICS = [
    "食品安全",
    "药品安全",
    "安全生产",
    "消防安全",
    "防汛抗旱",
    "森林防火",
    "疫情防控",
    "优化营商环境",
    "政务服务",
    "一网通办",
    "乡村振兴",
    "高标准农田",
    "人居环境整治",
    "生态环境保护",
    "河湖长制",
    "大气污染防治",
    "城市更新",
    "老旧小区改造",
    "住房保障",
    "养老服务",
    "医疗保障",
    "义务教育",
    "就业创业",
    "社会救助",
    "最低生活保障",
    "退役军人服务",
    "双随机一公开",
    "信用体系建设",
    "招商引资",
    "重大项目建设",
    "数字政府",
    "政府信息公开",
    "法治政府建设",
    "减税降费",
    "文明城市创建",
    "校园安全",
    "燃气安全",
    "道路交通安全",
    "电动自行车管理",
    "冬季供暖",
    "农民工工资支付",
    "不动产登记",
    "公积金",
]
COMPANIES = [
    "华中",
    "鄂南",
    "金桂",
    "香城",
    "温泉",
    "楚天",
    "长江",
    "陆水",
    "九宫",
    "隽水",
    "锦程",
    "恒信",
    "福瑞",
    "同泰",
    "宏远",
    "新源",
]
TRADES = [
    "建设工程",
    "商贸",
    "食品",
    "医药",
    "物流",
    "科技",
    "农业开发",
    "建材",
    "餐饮管理",
    "物业服务",
    "环保科技",
    "电力安装",
]
PROJECTS = [
    "城区污水管网改造",
    "农村公路提档升级",
    "学校食堂设备",
    "办公设备",
    "政务服务中心智能化改造",
    "医院医疗设备",
    "城市道路照明",
    "河道综合治理",
    "公共租赁住房维修",
    "电子政务外网运维",
    "档案数字化加工",
    "物业管理服务",
]

# node code → (kind, share, title templates, sentence templates)
NODES: dict[str, tuple[str, float, list[str], list[str]]] = {
    "gzdt": (
        "news",
        0.34,
        [
            "{org}召开{year}年{topic}工作推进会",
            "{org}开展{topic}专项检查",
            "{org}赴{place}调研{topic}工作",
            "{place}{topic}工作取得阶段性成效",
            "{org}部署{month}月份{topic}重点工作",
            "{org}举办{topic}业务培训班",
            "我市{topic}工作经验在全省推介",
            "{org}召开党组理论学习中心组（扩大）学习会",
        ],
        [
            "{month}月{day}日，{org}召开{topic}工作推进会，总结前期工作，部署下一阶段任务。",
            "会议指出，要深入贯彻落实上级决策部署，把{topic}摆在更加突出的位置。",
            "会议强调，各单位要压实责任、细化措施，确保{topic}各项任务按时完成。",
            "检查组深入{place}，采取查阅资料、实地查看、座谈交流等方式开展检查。",
            "针对发现的问题，检查组当场反馈并督促限期整改，做到问题不查清不放过、整改不到位不放过。",
            "截至目前，共出动检查人员{n}人次，检查经营主体{m}家，发现问题隐患{k}处，已全部整改到位。",
            "下一步，{org}将持续抓好{topic}，不断提升群众的获得感、幸福感、安全感。",
            "调研组一行先后来到{place}，详细了解{topic}推进情况。",
            "培训采取专题授课和案例分析相结合的方式，全市{n}余名业务骨干参加培训。",
        ],
    ),
    "xzxk": (
        "notice",
        0.14,
        [
            "{org}行政许可结果公示（{year}年第{n}期）",
            "关于{company}{licence}的批复",
            "{year}年{month}月{licence}办理结果公示",
            "{org}关于{licence}审批事项的公告",
        ],
        [
            "根据《中华人民共和国行政许可法》等有关规定，现将{year}年{month}月{licence}办理结果予以公示。",
            "经审查，{company}提交的申请材料齐全、符合法定形式，决定准予行政许可。",
            "本期共办结{licence}{n}件，其中即办件{k}件，承诺件{m}件，均在承诺时限内办结。",
            "公示期间，如有异议，请以书面形式向{org}反映，联系电话：0715-8{phone}。",
            "许可证有效期五年，被许可人应当在有效期届满三十日前申请延续。",
        ],
    ),
    "xzcf": (
        "other",
        0.08,
        [
            "{org}行政处罚决定书（{number}）",
            "{org}{year}年第{n}批行政处罚案件信息公开",
            "关于{company}违法行为的行政处罚决定",
        ],
        [
            "当事人{company}，统一社会信用代码9142120{code}，住所{place}。",
            "经查，当事人存在违反《中华人民共和国{law}》有关规定的行为，事实清楚，证据确凿。",
            "依据《中华人民共和国{law}》第{k}条的规定，决定给予当事人警告，并处罚款{m}元的行政处罚。",
            "当事人如不服本处罚决定，可在收到本决定书之日起六十日内申请行政复议，或者在六个月内依法提起行政诉讼。",
            "执法人员依法实施双随机一公开检查时发现上述违法行为，依法予以立案调查。",
        ],
    ),
    "cg": (
        "notice",
        0.06,
        [
            "{project}采购项目中标结果公告",
            "{project}采购项目公开招标公告",
            "{project}项目竞争性磋商成交公告",
            "{org}{year}年政府采购意向公开（第{n}批）",
        ],
        [
            "项目编号：XNCG-{year}-{code}，采购方式：公开招标，预算金额{m}万元。",
            "经评标委员会评审，确定{company}为中标供应商，中标金额{k}万元。",
            "本项目采购需求详见招标文件，供应商须具备独立承担民事责任的能力。",
            "公告期限为一个工作日，供应商对中标结果有异议的，可在公告期限届满之日起七个工作日内提出质疑。",
            "采购人：{org}；采购代理机构：咸宁市公共资源交易中心。",
        ],
    ),
    "zcwj-gfxwj": (
        "normative",
        0.03,
        [
            "{gov}关于印发{city}{topic}管理办法的通知",
            "{gov}关于进一步加强{topic}工作的实施意见",
            "{gov}关于印发{city}{topic}实施细则的通知",
        ],
        [
            "各县、市、区人民政府，市政府各部门：",
            "现将《{city}{topic}管理办法》印发给你们，请认真贯彻执行。",
            "为进一步规范{topic}工作，根据有关法律法规规定，结合我市实际，制定本办法。",
            "本办法适用于本市行政区域内的{topic}及其监督管理活动。",
            "市{dept}是本市{topic}工作的主管部门，负责组织实施本办法。",
            "违反本办法规定的，由有关部门依法予以处理；构成犯罪的，依法追究刑事责任。",
            "本办法自印发之日起施行，有效期五年。",
        ],
    ),
    "zcwj-qtwj": (
        "document",
        0.08,
        [
            "{org}关于做好{year}年{topic}工作的通知",
            "{org}关于印发{year}年{topic}工作要点的通知",
            "{org}关于开展{topic}专项行动的通知",
            "{org}关于{year}年{topic}工作情况的通报",
        ],
        [
            "各有关单位：",
            "为切实做好{year}年{topic}工作，现将有关事项通知如下。",
            "一、提高思想认识。各单位要充分认识做好{topic}工作的重要意义。",
            "二、明确工作任务。重点围绕{topic}，建立健全工作台账，逐项销号管理。",
            "三、强化工作保障。各单位要加强组织领导，明确分管领导和具体责任人。",
            "请各单位于{month}月{day}日前将工作开展情况报送{org}。",
            "特此通知。",
        ],
    ),
    "zcwj-zcjd": (
        "interpretation",
        0.03,
        [
            "《{city}{topic}管理办法》政策解读",
            "图解：{year}年{topic}新政策",
            "一图读懂{city}{topic}实施意见",
        ],
        [
            "一、制定背景。为贯彻落实上级关于{topic}的决策部署，市政府组织起草了本文件。",
            "二、主要内容。文件共分五章，明确了{topic}的适用范围、职责分工和保障措施。",
            "三、适用对象。本市行政区域内的企业、个体工商户和群众均可依规享受相关政策。",
            "四、咨询方式。如有疑问，可拨打政务服务便民热线12345咨询。",
        ],
    ),
    "czyjs": (
        "other",
        0.02,
        [
            "{org}{year}年部门预算公开",
            "{org}{year}年部门决算公开",
            "{org}{year}年“三公”经费预算情况说明",
        ],
        [
            "{org}{year}年收入预算{m}万元，支出预算{m}万元，收支平衡。",
            "“三公”经费预算{k}万元，其中公务接待费{n}万元，公务用车运行维护费{n}万元，因公出国（境）费0万元。",
            "机关运行经费主要用于办公费、水电费、差旅费等日常公用经费支出。",
            "政府采购预算{k}万元，主要用于购置办公设备和信息化运维服务。",
        ],
    ),
    "tjxx": (
        "statistics",
        0.04,
        [
            "{year}年{month}月{city}{topic}统计数据",
            "{org}{year}年{month}月政务服务办件情况统计",
            "{year}年{city}国民经济和社会发展统计公报",
        ],
        [
            "{month}月份，全市共受理各类政务服务事项{m}件，办结{m}件，按时办结率百分之九十九点八。",
            "其中，网上办理{k}件，占比较上年同期提高{n}个百分点。",
            "统计数据来源于咸宁市一体化政务服务平台，统计口径与上年保持一致。",
        ],
    ),
    "ghxx": (
        "plan",
        0.02,
        [
            "{city}“十四五”{topic}发展规划",
            "{org}{year}年工作计划",
            "{city}{topic}专项规划（{year}—{year2}年）",
        ],
        [
            "规划期为{year}年至{year2}年，展望到2035年。",
            "到规划期末，全市{topic}体系基本健全，主要指标达到全省中上游水平。",
            "规划提出了五个方面的重点任务和十项重大工程。",
        ],
    ),
    "ms": (
        "notice",
        0.03,
        [
            "{city}{year}年{topic}政策问答",
            "关于调整{city}最低生活保障标准的通知",
            "{year}年{city}城乡居民基本医疗保险参保缴费公告",
        ],
        [
            "自{year}年{month}月1日起，城市最低生活保障标准提高到每人每月{k}元。",
            "城乡居民可通过鄂汇办、湖北税务APP或到所在地社区（村）办理参保缴费。",
            "符合条件的困难群众可向户籍所在地乡镇人民政府（街道办事处）提出申请。",
        ],
    ),
    "yjgl": (
        "notice",
        0.03,
        [
            "{city}{topic}应急预案",
            "关于做好{year}年汛期安全防范工作的通知",
            "{place}突发事件应急演练圆满完成",
        ],
        [
            "各地各部门要严格落实二十四小时值班和领导带班制度，确保信息畅通。",
            "发生突发事件后，事发单位要立即启动应急预案，及时报告有关情况。",
            "演练模拟了{topic}突发情况，检验了应急队伍的快速反应能力。",
        ],
    ),
    "jdjc": (
        "notice",
        0.03,
        [
            "{org}{year}年双随机一公开抽查结果公示",
            "{year}年{topic}监督抽检信息公告（第{n}期）",
            "关于{topic}专项督查情况的通报",
        ],
        [
            "本次共抽取检查对象{n}家，检查结果均已录入国家企业信用信息公示系统。",
            "抽检样品{m}批次，合格{m}批次，不合格{k}批次，不合格产品已依法处置。",
            "督查发现的问题已形成清单，交由相关单位限期整改。",
        ],
    ),
    "gwy": (
        "notice",
        0.015,
        [
            "{org}{year}年公开招聘工作人员公告",
            "{year}年度考试录用公务员{city}职位面试公告",
            "{org}{year}年公开招聘拟聘用人员公示",
        ],
        [
            "根据工作需要，经研究决定，面向社会公开招聘工作人员{k}名。",
            "报名时间为{year}年{month}月{day}日至{month}月{day2}日，逾期不予受理。",
            "考试采取笔试和面试相结合的方式，综合成绩按笔试和面试各占百分之五十计算。",
        ],
    ),
    "zdxm": (
        "notice",
        0.02,
        [
            "{project}项目批准信息公开",
            "{city}{year}年重大建设项目清单",
            "{project}项目施工许可信息",
        ],
        [
            "项目总投资{m}万元，建设工期{k}个月，资金来源为财政资金和专项债券。",
            "项目建设单位为{org}，施工单位为{company}。",
            "项目建成后，将有效改善{place}群众生产生活条件。",
        ],
    ),
    "sf": (
        "other",
        0.01,
        ["{org}行政事业性收费目录清单（{year}年）", "关于{year}年涉企收费情况的公示"],
        ["本目录清单以外的行政事业性收费，一律不得执行。", "收费项目、标准和依据详见附表，接受社会监督。"],
    ),
    "jgzn": (
        "other",
        0.005,
        ["{org}机构职能", "{org}领导班子成员及分工", "{org}内设机构"],
        [
            "{org}是市人民政府工作部门，为正县级。",
            "主要职责是贯彻执行国家和省有关{topic}的方针政策和法律法规。",
        ],
    ),
    "qt": (
        "other",
        0.03,
        ["{org}关于{topic}的温馨提示", "{org}{year}年建议提案办理情况", "{org}关于节假日期间办事安排的公告"],
        [
            "对人大代表建议和政协委员提案，均在规定时限内办结并答复，满意率百分之百。",
            "节假日期间，政务服务中心暂停对外办公，群众可通过网上办事大厅办理相关事项。",
        ],
    ),
}
GENERAL = [
    "{org}高度重视{topic}工作，成立了以主要负责同志为组长的工作专班。",
    "坚持以人民为中心的发展思想，着力解决群众急难愁盼问题。",
    "进一步优化营商环境，持续推进政务服务一网通办、一窗受理、一次办好。",
    "联系电话：0715-8{phone}，地址：{city}{place}金桂路{n}号。",
    "本信息由{org}负责解释。",
    "附件：{topic}工作情况统计表",
]
LAWS = [
    "食品安全法",
    "安全生产法",
    "消防法",
    "环境保护法",
    "广告法",
    "产品质量法",
    "药品管理法",
    "道路交通安全法",
]
LICENCES = [
    "食品经营许可证",
    "建筑工程施工许可证",
    "排污许可证",
    "道路运输经营许可证",
    "取水许可",
    "医疗机构执业许可证",
    "娱乐场所经营许可",
]
DEPTS = [
    "发展和改革委员会",
    "财政局",
    "住房和城乡建设局",
    "市场监督管理局",
    "生态环境局",
    "应急管理局",
    "民政局",
    "政务服务和大数据管理局",
]


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
    from yimen.publishing import services

    found = []
    for n, org in enumerate(Org.objects.filter(code__startswith="XN-").order_by("code")):
        nodes = {node.code: node.pk for node in services.ensure_catalogue(organisation=org)}
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
