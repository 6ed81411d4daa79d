"""The default 政府信息公开目录 of an organisation: 条例第二十条 (the fifteen items every agency publishes)
and 第二十一条 (what a 设区的市 and its departments add), arranged as the observed department sites do.

Codes are stable: search facets, feeds and the annual report (年度报告 goes under `ndbg`) rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DefaultNode:
    code: str
    name: str
    basis: str = ""
    children: tuple[DefaultNode, ...] = field(default=())


ART20 = "条例第二十条第（{}）项"

DEFAULT_TREE: tuple[DefaultNode, ...] = (
    DefaultNode("jgzn", "机构职能", ART20.format("二")),
    DefaultNode(
        "zcwj",
        "政策文件",
        ART20.format("一"),
        (
            DefaultNode("zcwj-gz", "规章", ART20.format("一")),
            DefaultNode("zcwj-gfxwj", "行政规范性文件", ART20.format("一")),
            DefaultNode("zcwj-qtwj", "其他文件", ART20.format("一")),
            DefaultNode("zcwj-zcjd", "政策解读", ART20.format("一")),
        ),
    ),
    DefaultNode("ghxx", "规划信息", ART20.format("三")),
    DefaultNode("tjxx", "统计信息", ART20.format("四")),
    DefaultNode("xzxk", "行政许可和其他对外管理服务", ART20.format("五")),
    DefaultNode("xzcf", "行政处罚和行政强制", ART20.format("六")),
    DefaultNode("czyjs", "财政预决算（含“三公”经费）", ART20.format("七")),
    DefaultNode("sf", "行政事业性收费", ART20.format("八")),
    DefaultNode("cg", "政府集中采购", ART20.format("九")),
    DefaultNode("zdxm", "重大建设项目", ART20.format("十")),
    DefaultNode("ms", "民生政策", "条例第二十条第（十一）项、第二十一条"),
    DefaultNode("yjgl", "应急管理", ART20.format("十二")),
    DefaultNode("jdjc", "监督检查", ART20.format("十三")),
    DefaultNode("gwy", "公务员招考", ART20.format("十四")),
    DefaultNode("gzdt", "工作动态", "条例第十九条"),
    DefaultNode("ndbg", "年度报告", "条例第四十九条、第五十条"),
    DefaultNode("qt", "其他", ART20.format("十五")),
)


def walk(nodes: tuple[DefaultNode, ...] = DEFAULT_TREE) -> list[tuple[DefaultNode, DefaultNode | None]]:
    """Every default node with its parent, parents first, in catalogue order."""
    found: list[tuple[DefaultNode, DefaultNode | None]] = []
    for node in nodes:
        found.append((node, None))
        found.extend((child, node) for child in node.children)
    return found


# The node each kind of publication is filed under by default (the editor may choose another).
NODE_FOR_KIND = {
    "regulation": "zcwj-gz",
    "normative": "zcwj-gfxwj",
    "document": "zcwj-qtwj",
    "interpretation": "zcwj-zcjd",
    "news": "gzdt",
    "notice": "gzdt",
    "plan": "ghxx",
    "statistics": "tjxx",
    "annual_report": "ndbg",
    "other": "qt",
}
