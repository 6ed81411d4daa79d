"""The demo city, modelled on the seed's centre: 咸宁市, its 6 counties, 66 window units, 220 window staff.

Person names and phone numbers are invented. Every run with the same scale builds the same city.
"""

from __future__ import annotations

import base64
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from yimen.core import audit
from yimen.core.identity import USCC_ALPHABET, uscc_check_char
from yimen.org.models import (
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    Role,
    Staff,
    StaffRole,
    Window,
)

DEMO_PASSWORD = "Yimen@2026"
# The administrators' and 监察's TOTP key, enrolled in advance so the demo can be tried at once: add it to an
# authenticator app (or `oathtool --totp -b KEY`). A demo key, known to everyone: never keep demo accounts
# on a production system.
DEMO_TOTP_SECRET = "YIMENDEMOYIMENDEMOYIMENDEMOYIMEN"
# (username, password, who) printed by `yimen demo`.
DEMO_LOGINS = [
    ("admin", DEMO_PASSWORD, "系统管理员"),
    ("security", DEMO_PASSWORD, "安全管理员 陈安全"),
    ("auditor", DEMO_PASSWORD, "审计管理员 秦审计"),
    ("clerk", DEMO_PASSWORD, "窗口人员 李窗口"),
    ("reviewer", DEMO_PASSWORD, "审批人员 王审批"),
    ("officer", DEMO_PASSWORD, "公开专员 赵公开"),
    ("head", DEMO_PASSWORD, "公开工作机构负责人 何主任"),
    ("supervisor", DEMO_PASSWORD, "监察人员 钱监察"),
    ("other", DEMO_PASSWORD, "其他部门 孙其他"),
    ("editor", DEMO_PASSWORD, "事项编辑 吴编辑"),
    ("legal", DEMO_PASSWORD, "法制审核 郑法制"),
    ("reform", DEMO_PASSWORD, "审改审核 冯审改"),
]

CITY = ("421200", "咸宁市")
COUNTIES = [
    ("421202", "咸安区"),
    ("421221", "嘉鱼县"),
    ("421222", "通城县"),
    ("421223", "崇阳县"),
    ("421224", "通山县"),
    ("421281", "赤壁市"),
]
TOWN_SYLLABLES = [
    "桂花",
    "向阳",
    "青山",
    "白泉",
    "双溪",
    "马桥",
    "横沟",
    "官埠",
    "汀泗",
    "温泉",
    "杨芳",
    "贺胜",
    "南川",
    "石城",
    "高桥",
    "沙坪",
    "九宫",
    "洪港",
    "黄沙",
    "柳山",
    "新店",
    "金竹",
    "天城",
    "路口",
]
VILLAGE_SYLLABLES = [
    "东岭",
    "西畈",
    "南湾",
    "北塘",
    "上坪",
    "下洲",
    "中港",
    "石桥",
    "枫林",
    "竹园",
    "荷塘",
    "杏坛",
    "梅岭",
    "柏树",
    "泉口",
    "稻香",
]

# The units seated in the hall; with the centre, which runs the 综合窗口, they are the seed's 66.
UNITS = [
    "市政务服务和大数据管理局",
    "市发展和改革委员会",
    "市教育局",
    "市科学技术局",
    "市经济和信息化局",
    "市公安局",
    "市公安局交通警察支队",
    "市公安局出入境管理支队",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市自然资源和规划局",
    "市生态环境局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市水利和湖泊局",
    "市农业农村局",
    "市商务局",
    "市文化和旅游局",
    "市卫生健康委员会",
    "市退役军人事务局",
    "市应急管理局",
    "市市场监督管理局",
    "市统计局",
    "市医疗保障局",
    "市林业局",
    "市城市管理执法委员会",
    "市人民防空办公室",
    "市民族宗教事务委员会",
    "市气象局",
    "市烟草专卖局",
    "国家税务总局咸宁市税务局",
    "市不动产登记中心",
    "市住房公积金中心",
    "市公共资源交易中心",
    "市房产服务中心",
    "市社会保险服务中心",
    "市医疗保障服务中心",
    "市就业服务中心",
    "市劳动人事争议仲裁院",
    "市婚姻登记处",
    "市档案馆",
    "市消防救援支队",
    "市邮政管理局",
    "中国人民银行咸宁市分行",
    "市公证处",
    "市法律援助中心",
    "市残疾人联合会",
    "市总工会",
    "市红十字会",
    "市地方金融工作局",
    "国网咸宁供电公司",
    "市自来水公司",
    "市天然气公司",
    "中国电信咸宁分公司",
    "中国移动咸宁分公司",
    "中国联通咸宁分公司",
    "市工程咨询中心",
    "市房地产评估事务所",
    "市勘察设计院",
    "市测绘院",
    "市建筑设计院",
    "市出生医学证明签发点",
    "市邮政快递服务点",
]
ENTERPRISES = {
    "国网咸宁供电公司",
    "市自来水公司",
    "市天然气公司",
    "中国电信咸宁分公司",
    "中国移动咸宁分公司",
    "中国联通咸宁分公司",
    "市邮政快递服务点",
}
INTERMEDIARIES = {"市工程咨询中心", "市房地产评估事务所", "市勘察设计院", "市测绘院", "市建筑设计院"}
INSTITUTIONS_SUFFIX = ("中心", "院", "处", "馆", "点")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马胡朱郭何罗高林郑梁谢唐许冯宋韩邓彭曹曾田萧潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉鹏飞宇晨欣怡浩然子涵雨轩思远嘉琪梓萱俊杰晓峰海燕春梅志勇国庆"


def has_demo() -> bool:
    return Organisation.objects.filter(code="XN-ZWFW").exists()


def _uscc(rng: random.Random, prefix: str) -> str:
    body = prefix + "".join(rng.choice(USCC_ALPHABET) for _ in range(17 - len(prefix)))
    return body + uscc_check_char(body)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _kind(name: str) -> str:
    if name in ENTERPRISES:
        return OrganisationKind.ENTERPRISE
    if name in INTERMEDIARIES:
        return OrganisationKind.INTERMEDIARY
    if name.endswith(INSTITUTIONS_SUFFIX):
        return OrganisationKind.INSTITUTION
    return OrganisationKind.DEPARTMENT


def _regions(rng: random.Random, scale: str) -> tuple[Region, int]:
    city = Region.objects.create(code=CITY[0], name=CITY[1], level=RegionLevel.CITY)
    towns_per_county, villages_per_town = (4, 3) if scale == "small" else (10, 12)
    villages: list[Region] = []
    count = 1
    for code, name in COUNTIES:
        county = Region.objects.create(code=code, name=name, level=RegionLevel.COUNTY, parent=city)
        count += 1
        for t, town_name in enumerate(rng.sample(TOWN_SYLLABLES, towns_per_county), start=1):
            suffix = "街道" if t == 1 and code == "421202" else "镇"
            town = Region.objects.create(
                code=f"{code}{t:03d}", name=f"{town_name}{suffix}", level=RegionLevel.TOWNSHIP, parent=county
            )
            count += 1
            for v in range(1, villages_per_town + 1):
                label = VILLAGE_SYLLABLES[(t * 7 + v) % len(VILLAGE_SYLLABLES)]
                villages.append(
                    Region(
                        code=f"{town.code}{v:03d}", name=f"{label}村", level=RegionLevel.VILLAGE, parent=town
                    )
                )
    Region.objects.bulk_create(villages)
    return city, count + len(villages)


@transaction.atomic
def load(*, scale: str = "small") -> str:
    if has_demo():
        return "演示机构已存在，跳过"
    rng = random.Random(20181231)
    city, region_count = _regions(rng, scale)
    address, hours = (
        "咸宁市咸安区金桂路 99 号 市民之家",
        "周一至周五 上午 8:30–12:00，下午 14:30–17:30（法定节假日除外）",
    )
    government = Organisation.objects.create(
        code="XN-GOV",
        name="咸宁市人民政府",
        short_name="市政府",
        kind=OrganisationKind.GOVERNMENT,
        region=city,
        uscc=_uscc(rng, "11421200"),
        contact_phone="0715-8120000",
        address="咸宁市咸安区金桂路 1 号",
    )
    centre = Organisation.objects.create(
        code="XN-ZWFW",
        name="咸宁市政务服务中心",
        short_name="市政务办",
        kind=OrganisationKind.CENTRE,
        region=city,
        parent=government,
        uscc=_uscc(rng, "11421200"),
        contact_phone="0715-8126517",
        supervision_phone="0715-12345",
        address=address,
        office_hours=hours,
    )
    units = [
        Organisation(
            code=f"XN-{n:03d}",
            name=name if name.startswith(("国", "中国")) else f"咸宁{name}",
            short_name=name.removeprefix("市")[:30],
            kind=_kind(name),
            region=city,
            parent=government,
            uscc=_uscc(rng, "11421200" if _kind(name) == OrganisationKind.DEPARTMENT else "12421200"),
            contact_phone=f"0715-81{rng.randrange(10000, 99999)}",
            address=address,
            office_hours=hours,
        )
        for n, name in enumerate(UNITS, start=1)
    ]
    Organisation.objects.bulk_create(units)
    units = list(Organisation.objects.filter(code__startswith="XN-0").order_by("code"))

    windows: list[Window] = []
    comprehensive = [
        Window(
            number=f"A{n:02d}",
            name=f"综合受理窗口{n}",
            is_comprehensive=True,
            location="一楼 A 区",
            supervision_phone="0715-8126517",
        )
        for n in range(1, 7)
    ]
    windows += comprehensive
    unit_windows: list[tuple[Organisation, Window]] = []
    number = 0
    for unit in units:
        for i in range(1 + (rng.random() < 0.35) + (rng.random() < 0.1)):
            number += 1
            floor = "二楼 B 区" if number <= 60 else "三楼 C 区"
            window = Window(
                number=f"{'B' if number <= 60 else 'C'}{number:03d}",
                name=f"{unit.short_name}窗口{'' if i == 0 else i + 1}",
                location=floor,
                supervision_phone=f"0715-82{rng.randrange(10000, 99999)}",
            )
            windows.append(window)
            unit_windows.append((unit, window))
    Window.objects.bulk_create(windows)
    saved = {w.number: w for w in Window.objects.all()}
    Window.organisations.through.objects.bulk_create(
        [
            Window.organisations.through(window_id=saved[w.number].pk, organisation_id=u.pk)
            for u, w in unit_windows
        ]
        + [
            Window.organisations.through(window_id=saved[w.number].pk, organisation_id=centre.pk)
            for w in comprehensive
        ]
    )

    password = make_password(DEMO_PASSWORD)
    staff: list[Staff] = []
    # 220 window staff: every unit's windows staffed, the rest spread over the busiest units.
    seats = [(u, saved[w.number]) for u, w in unit_windows] + [
        (centre, saved[w.number]) for w in comprehensive
    ]
    for n in range(220):
        unit, window = seats[n % len(seats)]
        staff.append(
            Staff(
                username=f"w{n + 1:03d}",
                full_name=_name(rng),
                organisation=unit,
                window=window,
                phone=f"139{rng.randrange(10**7, 10**8)}",
                password=password,
            )
        )
    reviewers = [
        Staff(username=f"r{n:03d}", full_name=_name(rng), organisation=unit, password=password)
        for n, unit in enumerate(units, start=1)
    ]
    market = next(u for u in units if u.name.endswith("市场监督管理局"))
    police = next(u for u in units if u.name == "咸宁市公安局")
    market_window = next(saved[w.number] for u, w in unit_windows if u == market)
    police_window = next(saved[w.number] for u, w in unit_windows if u == police)
    cast = [
        Staff(
            username="admin",
            full_name="周管理",
            organisation=centre,
            password=password,
            is_staff=True,
            is_superuser=True,
        ),
        Staff(
            username="clerk", full_name="李窗口", organisation=market, window=market_window, password=password
        ),
        Staff(username="reviewer", full_name="王审批", organisation=market, password=password),
        Staff(username="officer", full_name="赵公开", organisation=centre, password=password),
        Staff(username="supervisor", full_name="钱监察", organisation=centre, password=password),
        Staff(
            username="other", full_name="孙其他", organisation=police, window=police_window, password=password
        ),
        Staff(username="editor", full_name="吴编辑", organisation=market, password=password),
        Staff(username="legal", full_name="郑法制", organisation=government, password=password),
        Staff(username="reform", full_name="冯审改", organisation=government, password=password),
        Staff(username="head", full_name="何主任", organisation=centre, password=password),
        Staff(username="security", full_name="陈安全", organisation=centre, password=password),
        Staff(username="auditor", full_name="秦审计", organisation=centre, password=password),
    ]
    Staff.objects.bulk_create(staff + reviewers + cast)
    by_name = {s.username: s for s in Staff.objects.all()}
    grants = [
        StaffRole(staff=by_name[s.username], role=Role.CLERK, organisation=s.organisation) for s in staff
    ]
    grants += [
        StaffRole(staff=by_name[s.username], role=Role.REVIEWER, organisation=s.organisation)
        for s in reviewers
    ]
    grants += [
        StaffRole(staff=by_name["admin"], role=Role.ADMIN, organisation=government),
        StaffRole(staff=by_name["clerk"], role=Role.CLERK, organisation=market),
        StaffRole(staff=by_name["reviewer"], role=Role.REVIEWER, organisation=market),
        StaffRole(staff=by_name["officer"], role=Role.OFFICER, organisation=centre),
        StaffRole(staff=by_name["supervisor"], role=Role.SUPERVISOR, organisation=government),
        StaffRole(staff=by_name["other"], role=Role.CLERK, organisation=police),
        StaffRole(staff=by_name["editor"], role=Role.ITEM_EDITOR, organisation=market),
        StaffRole(staff=by_name["legal"], role=Role.LEGAL_REVIEWER, organisation=government),
        StaffRole(staff=by_name["reform"], role=Role.REFORM_REVIEWER, organisation=government),
        StaffRole(staff=by_name["head"], role=Role.DISCLOSURE_HEAD, organisation=centre),
        StaffRole(staff=by_name["security"], role=Role.SECURITY_ADMIN, organisation=government),
        StaffRole(staff=by_name["auditor"], role=Role.AUDIT_ADMIN, organisation=government),
    ]
    StaffRole.objects.bulk_create(grants)
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=by_name[name], name="演示", key=key, confirmed=True)
        for name in ("admin", "supervisor", "security", "auditor")
    )
    summary = (
        f"{region_count} 个行政区划，{len(units) + 1} 个窗口单位（含中心综合窗口），{len(windows)} 个窗口"
        f"（{len(comprehensive)} 个综合窗口），{len(staff)} 名窗口人员，{len(reviewers)} 名审批人员"
    )
    audit.record("demo.loaded", centre, actor="系统", after={"scale": scale, "summary": summary})
    return summary
