"""Invented Chinese text for the demo publications: titles and bodies put together from templates and
slot values, so thousands of items read like a service centre's column without copying any article."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from yimen.publishing.models import Kind

COUNTIES = ["咸安区", "嘉鱼县", "通城县", "崇阳县", "通山县", "赤壁市"]
UNITS = [
    "市场监管", "公安", "人社", "医保", "公积金", "不动产登记", "税务", "住建", "自然资源", "交通运输",
    "卫健", "民政", "生态环境", "城管执法", "水利", "农业农村", "文旅", "商务", "教育", "司法",
]  # fmt: skip
THEMES = [
    "一网通办", "一窗通办", "一事联办", "跨省通办", "帮办代办", "好差评", "延时错时服务", "证照分离",
    "告知承诺制", "容缺受理", "免证办", "就近办", "掌上办", "优化营商环境", "政务服务标准化",
    "高频事项“最多跑一次”", "企业开办一日办结", "工程建设项目审批制度改革", "12345热线", "适老化服务",
]  # fmt: skip
ACTIVITIES = [
    "召开{month}月份窗口工作例会",
    "开展“{theme}”专题业务培训",
    "组织开展“{theme}”服务进社区活动",
    "赴{county}调研{theme}工作",
    "{unit}窗口推出“{theme}”便民举措",
    "通报{month}月份政务服务“好差评”情况",
    "召开{theme}工作推进会",
    "接受省政务服务和大数据管理局{theme}工作督导",
    "与{county}政务服务中心开展业务交流",
    "{unit}窗口获评{month}月份“红旗窗口”",
    "开展“政务服务体验官”走流程活动",
    "组织窗口工作人员开展消防安全演练",
    "召开{year}年度党风廉政建设工作会议",
    "启动“{theme}”攻坚行动",
]
OPENINGS = [
    "{date}，{centre}{what}。",
    "为深入推进{theme}改革，进一步提升企业和群众办事便利度，{date}，{centre}{what}。",
    "近日，{centre}{what}，{unit}等进驻单位窗口负责人参加。",
]
MIDDLES = [
    "会议通报了{month}月份全市政务服务事项办理情况：中心共受理办件{n1}件，办结{n2}件，按期办结率{rate}%，群众满意率{sat}%。",
    "活动现场，工作人员为群众提供政策咨询、业务指导和帮办代办服务，发放宣传资料{n3}余份，现场解答问题{n4}个。",
    "与会人员围绕{theme}中的难点堵点问题进行了深入交流，梳理出需要协调解决的问题{n5}项，并明确了责任单位和完成时限。",
    "{unit}窗口将{n5}项高频事项纳入“{theme}”清单，申请材料平均压减{n6}%，办理时限平均压缩{n7}个工作日。",
    "据统计，今年以来已通过“{theme}”方式办理业务{n1}件，为企业和群众减少跑动{n3}余次。",
    "调研组实地查看了{county}政务服务中心综合受理窗口、自助服务区和帮办代办区，听取了相关工作情况汇报。",
]
CLOSINGS = [
    "下一步，{centre}将持续深化{theme}改革，推动更多政务服务事项“网上办、掌上办、就近办”。",
    "会议要求，各窗口单位要提高政治站位，压实工作责任，确保各项任务按时保质完成。",
    "{centre}将以此次活动为契机，不断提升政务服务标准化、规范化、便利化水平。",
]
NORMATIVE_SUBJECTS = [
    "政务服务事项容缺受理办法", "窗口工作人员管理考核办法", "首问负责制实施细则", "一次性告知制度",
    "限时办结制度", "帮办代办服务规范", "政务服务“好差评”管理办法", "延时错时预约服务制度",
    "政务服务差评整改工作规程", "综合窗口受理工作规范", "告知承诺制审批管理办法", "政务服务中心进驻事项管理办法",
    "政务服务投诉处理办法", "窗口服务质量监督检查办法", "政务服务事项清单动态调整办法",
]  # fmt: skip
ARTICLES = [
    "本{kind}适用于进驻{centre}的各单位及其窗口工作人员。",
    "各进驻单位应当明确一名窗口负责人，负责本单位窗口日常管理和本{kind}的组织实施。",
    "窗口工作人员应当一次性告知申请人所需材料、办理流程和承诺时限，不得要求申请人重复提交材料。",
    "对申请材料基本齐全、主要申请材料符合法定形式，仅次要材料有欠缺的，可以先行受理，申请人应在约定期限内补齐。",
    "承诺办理时限按工作日计算，自受理之日的次日起算；法定节假日不计入。",
    "{centre}电子监察系统对办件办理情况实时监督，对临近时限的办件予以黄牌提示，对超期办件予以红牌警示。",
    "申请人对窗口服务不满意的，可以通过“好差评”系统、12345热线或现场投诉，{centre}应当在5个工作日内核实处理。",
    "对考核优秀的窗口和个人予以通报表扬；对考核不合格的，责令限期整改。",
]
NOTICES = [
    ("关于{year}年{holiday}期间政务服务安排的公告", "gzdt"),
    ("关于{unit}窗口临时调整办公地点的通知", "gzdt"),
    ("{year}年第{n}批{unit}行政许可结果公示", "xzxk"),
    ("关于{unit}等单位新增进驻事项的公告", "xzxk"),
    ("{centre}{year}年{item}采购项目公开招标公告", "cg"),
    ("{centre}{year}年{item}采购项目中标结果公告", "cg"),
    ("{year}年第{n}季度政务服务窗口服务质量检查情况通报", "jdjc"),
    ("关于{year}年第{n}期“红旗窗口”评选结果的通报", "jdjc"),
    ("{centre}关于做好{season}安全生产工作的通知", "yjgl"),
    ("{centre}突发事件应急预案（{year}年修订）", "yjgl"),
    ("关于进一步做好{theme}惠企便民工作的通知", "ms"),
    ("{centre}{year}年公开招聘工作人员公告", "gwy"),
    ("{centre}{year}年公开招聘拟聘用人员公示", "gwy"),
]
PURCHASES = [
    "自助服务终端",
    "排队叫号系统运维",
    "政务大厅物业服务",
    "网络安全服务",
    "档案数字化加工",
    "办公家具",
]
HOLIDAYS = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]


@dataclass(frozen=True)
class Text:
    title: str
    node: str
    kind: str
    body: str
    genre: str
    topic: str
    keywords: str
    document_number: str = ""


def _para(text: str) -> str:
    return f"<p>{text}</p>"


class Writer:
    def __init__(self, rng: random.Random, centre: str, short: str):
        self.rng, self.centre, self.short = rng, centre, short
        self.numbers: dict[int, int] = {}

    def _slots(self, on: date) -> dict[str, object]:
        r = self.rng
        return {
            "centre": self.short,
            "date": f"{on.month}月{on.day}日",
            "month": on.month,
            "year": on.year,
            "theme": r.choice(THEMES),
            "unit": r.choice(UNITS),
            "county": r.choice(COUNTIES),
            "n": r.randint(1, 4),
            "n1": r.randint(9000, 130000),
            "n2": r.randint(8000, 120000),
            "n3": r.randint(200, 3000),
            "n4": r.randint(30, 300),
            "n5": r.randint(5, 60),
            "n6": r.randint(15, 60),
            "n7": r.randint(1, 8),
            "rate": f"{r.uniform(99.2, 100):.1f}",
            "sat": f"{r.uniform(99.5, 100):.2f}",
            "holiday": r.choice(HOLIDAYS),
            "item": r.choice(PURCHASES),
            "season": r.choice(["汛期", "夏季", "冬春季", "节假日"]),
            "kind": "办法",
        }

    def news(self, on: date) -> Text:
        s = self._slots(on)
        what = self.rng.choice(ACTIVITIES).format(**s)
        s["what"] = what
        body = [self.rng.choice(OPENINGS).format(**s)]
        body += [m.format(**s) for m in self.rng.sample(MIDDLES, 2)]
        body.append(self.rng.choice(CLOSINGS).format(**s))
        return Text(
            f"{self.short}{what}",
            "gzdt",
            Kind.NEWS,
            "".join(map(_para, body)),
            "动态",
            "综合政务",
            str(s["theme"]),
        )

    def notice(self, on: date) -> Text:
        s = self._slots(on)
        pattern, node = self.rng.choice(NOTICES)
        title = pattern.format(**s)
        body = [
            f"根据工作安排，现将{title.removeprefix(self.short).removeprefix('关于').removesuffix('的通知').removesuffix('的公告')}有关事项公告如下：",
            self.rng.choice(MIDDLES).format(**s),
            f"咨询电话：0715-81{self.rng.randint(20000, 29999)}。",
            f"{self.centre}<br>{on.year}年{on.month}月{on.day}日",
        ]
        kind = Kind.NOTICE if node in ("gzdt", "xzxk", "jdjc", "gwy") else Kind.OTHER
        return Text(title, node, kind, "".join(map(_para, body)), "公告", "综合政务", str(s["theme"]))

    def normative(self, on: date) -> Text:
        s = self._slots(on)
        self.numbers[on.year] = self.numbers.get(on.year, 0) + 1
        number = f"咸政务发〔{on.year}〕{self.numbers[on.year]}号"
        subject = self.rng.choice(NORMATIVE_SUBJECTS)
        title = f"{self.centre}关于印发《{subject}》的通知"
        articles = self.rng.sample(ARTICLES, 5)
        body = [
            "各进驻单位，中心各科室：",
            f"现将《{subject}》印发给你们，请认真贯彻执行。",
            f"<strong>{subject}</strong>",
            f"第一条 为进一步规范政务服务行为，推进{s['theme']}改革，根据《优化营商环境条例》等有关规定，结合本市实际，制定本办法。",
            *(
                f"第{'二三四五六'[i]}条 {a.format(kind='办法', centre=self.short)}"
                for i, a in enumerate(articles)
            ),
            f"第七条 本办法自{on.year}年{on.month}月{on.day}日起施行。",
        ]
        return Text(
            title,
            "zcwj-gfxwj",
            Kind.NORMATIVE,
            "".join(map(_para, body)),
            "通知",
            "综合政务",
            subject,
            number,
        )

    def interpretation(self, on: date, of: Text) -> Text:
        subject = of.keywords
        body = [
            f"一、制定背景：为贯彻落实{self.rng.choice(THEMES)}改革要求，{self.short}制定了《{subject}》。",
            f"二、主要内容：《{subject}》共七条，明确了适用范围、工作职责、办理要求和监督考核等内容。",
            "三、创新举措：推行一次性告知和限时办结，实行电子监察全程监督。",
            f"四、施行时间：自{on.year}年{on.month}月{on.day}日起施行。",
        ]
        return Text(
            f"《{subject}》政策解读",
            "zcwj-zcjd",
            Kind.INTERPRETATION,
            "".join(map(_para, body)),
            "解读",
            "综合政务",
            subject,
        )

    def statistics(self, on: date) -> Text:
        s = self._slots(on)
        month = on.month - 1 or 12
        title = f"{self.short}{on.year if on.month > 1 else on.year - 1}年{month}月政务服务数据统计"
        body = [
            f"{month}月份，中心共受理各类办件{s['n1']}件，办结{s['n2']}件，即办件占比{s['rate']}%，群众满意率{s['sat']}%。"
        ]
        return Text(
            title, "tjxx", Kind.STATISTICS, "".join(map(_para, body)), "统计", "统计信息", "政务服务数据"
        )

    def yearly(self, on: date, which: str) -> Text:
        titles = {
            "budget": (f"{self.centre}{on.year}年部门预算公开", "czyjs", Kind.OTHER, "财政预决算"),
            "accounts": (f"{self.centre}{on.year - 1}年部门决算公开", "czyjs", Kind.OTHER, "财政预决算"),
            "plan": (f"{self.centre}{on.year}年工作要点", "ghxx", Kind.PLAN, "规划计划"),
            "functions": (
                f"{self.centre}主要职责和内设机构（{on.year}年更新）",
                "jgzn",
                Kind.OTHER,
                "机构职能",
            ),
            "fees": (f"{self.centre}{on.year}年行政事业性收费项目清单", "sf", Kind.OTHER, "行政事业性收费"),
        }
        title, node, kind, topic = titles[which]
        s = self._slots(on)
        body = [
            f"根据有关规定，现将{title.removeprefix(self.centre)}情况公开如下。",
            self.rng.choice(MIDDLES).format(**s),
        ]
        return Text(title, node, kind, "".join(map(_para, body)), "公开", topic, topic)
