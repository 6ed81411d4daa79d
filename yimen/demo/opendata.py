"""The demo's open data catalogue: five data sets of the city government built from the demo's own records
(items, windows, monthly case statistics, 好差评 figures, publications), four 无条件开放 and the 好差评
figures 有条件开放, each saved and published through the services by the administrator 周管理 (their files
generated then), and one application to the 有条件开放 one awaiting a decision. The applicant is invented.
"""

from __future__ import annotations

from django.utils import timezone

from yimen.opendata import queries, services
from yimen.opendata.models import (
    Dataset,
    Distribution,
    Format,
    Frequency,
    Openness,
    SecurityLevel,
    SourceCode,
    Theme,
)
from yimen.org.models import Organisation, Staff

# (title, source, theme, frequency, openness, keywords, description)
DATASETS = [
    (
        "政务服务事项目录",
        SourceCode.ITEMS,
        Theme.SERVICE,
        Frequency.WEEKLY,
        Openness.OPEN,
        ["政务服务", "事项", "办事指南", "承诺时限"],
        "全市现行政务服务事项的实施编码、基本编码、事项名称、事项类型、实施主体、行使层级、法定时限、承诺时限和收费情况。",
    ),
    (
        "政务服务大厅窗口",
        SourceCode.WINDOWS,
        Theme.ORGANISATION,
        Frequency.MONTHLY,
        Openness.OPEN,
        ["窗口", "进驻单位", "监督电话"],
        "市民之家政务服务大厅在用窗口的窗口号、名称、服务单位、位置和监督电话。",
    ),
    (
        "各单位月度办件统计",
        SourceCode.CASE_STATS,
        Theme.STATISTICS,
        Frequency.DAILY,
        Openness.OPEN,
        ["办件统计", "受理量", "办结量", "按时办结率"],
        "近24个月各单位每月的受理量、办结量、即办件数、按时办结率、提前办结率、超期件数和平均办结用时。",
    ),
    (
        "主动公开信息目录",
        SourceCode.PUBLICATIONS,
        Theme.DISCLOSURE,
        Frequency.DAILY,
        Openness.OPEN,
        ["政府信息公开", "索引号", "文号"],
        "已主动公开的政府信息的标题、索引号、文号、发布机构、发布日期、主题分类和公开目录。",
    ),
    (
        "各单位月度好差评统计",
        SourceCode.EVALUATIONS,
        Theme.EVALUATION,
        Frequency.MONTHLY,
        Openness.CONDITIONAL,
        ["好差评", "满意率", "差评整改"],
        "近24个月各单位每月的好差评评价数、各等级数量、满意率和差评整改率，供研究机构和上级部门申请使用。",
    ),
]


def load(*, scale: str = "small") -> str:
    if Dataset.objects.exists():
        return "演示开放数据集已存在，跳过"
    government = Organisation.objects.filter(code="XN-GOV").first()
    admin = Staff.objects.filter(username="admin").first()
    if government is None or admin is None:
        return "没有演示机构或系统管理员，跳过"
    published = []
    for title, source, theme, frequency, openness, keywords, description in DATASETS:
        saved = services.save_dataset(
            dataset=None,
            fields=services.DatasetFields(
                identifier=queries.next_identifier(timezone.localdate()),
                title=title,
                description=description,
                publisher=government,
                maintainer="咸宁市政务服务中心 数据管理科",
                contact="0715-8126517",
                openness=openness,
                frequency=frequency,
                theme=theme,
                keywords=keywords,
                security_level=SecurityLevel.TWO if openness == Openness.CONDITIONAL else SecurityLevel.ONE,
                source=source,
                license="可免费获取、使用和传播，使用时须注明数据来源：咸宁市人民政府",
            ),
            by=admin,
        )
        published.append(services.publish(dataset=saved, by=admin))
    conditional = [d for d in published if d.conditional]
    services.file_application(
        datasets=conditional,
        applicant=services.Applicant(
            organisation="咸宁学院公共管理学院",
            uscc="",
            contact_person="林研究",
            phone="13900001234",
            email="lin@example.edu.cn",
        ),
        purpose="研究政务服务满意度与办件时效的关系，成果用于学术论文，不对外提供原始数据。",
    )
    records = sum(
        Distribution.objects.filter(dataset__in=published, format=Format.CSV).values_list(
            "record_count", flat=True
        )
    )
    return f"已发布开放数据集 {len(published)} 个（其中有条件开放 {len(conditional)} 个，共 {records} 条记录），待审核申请 1 件"
