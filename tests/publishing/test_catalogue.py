"""Each organisation gets the default 公开目录 of 条例第二十条、第二十一条, once, with stable codes."""

from __future__ import annotations

import pytest

from yimen.publishing import queries
from yimen.publishing.models import CatalogueNode
from yimen.publishing.services import catalogue

pytestmark = pytest.mark.django_db

TOP = [
    ("jgzn", "机构职能"),
    ("zcwj", "政策文件"),
    ("ghxx", "规划信息"),
    ("tjxx", "统计信息"),
    ("xzxk", "行政许可和其他对外管理服务"),
    ("xzcf", "行政处罚和行政强制"),
    ("czyjs", "财政预决算（含“三公”经费）"),
    ("sf", "行政事业性收费"),
    ("cg", "政府集中采购"),
    ("zdxm", "重大建设项目"),
    ("ms", "民生政策"),
    ("yjgl", "应急管理"),
    ("jdjc", "监督检查"),
    ("gwy", "公务员招考"),
    ("gzdt", "工作动态"),
    ("ndbg", "年度报告"),
    ("qt", "其他"),
]


def test_the_default_tree_follows_the_regulation(cast) -> None:
    catalogue.ensure_catalogue(organisation=cast.centre)
    tree = queries.catalogue_tree(cast.centre)
    assert [(row.node.code, row.node.name) for row in tree] == TOP
    policy = next(row for row in tree if row.node.code == "zcwj")
    assert [c.node.code for c in policy.children] == ["zcwj-gz", "zcwj-gfxwj", "zcwj-qtwj", "zcwj-zcjd"]
    assert policy.node.basis == "条例第二十条第（一）项"
    assert next(row for row in tree if row.node.code == "gwy").node.basis == "条例第二十条第（十四）项"


def test_ensuring_again_adds_only_what_is_missing_and_keeps_local_changes(cast) -> None:
    catalogue.ensure_catalogue(organisation=cast.centre)
    node = CatalogueNode.objects.get(organisation=cast.centre, code="gzdt")
    node.name, node.responsible_office = "中心动态", "综合科"
    node.save()
    CatalogueNode.objects.get(organisation=cast.centre, code="qt").delete()
    catalogue.ensure_catalogue(organisation=cast.centre)
    assert CatalogueNode.objects.filter(organisation=cast.centre).count() == len(TOP) + 4
    node.refresh_from_db()
    assert (node.name, node.responsible_office) == ("中心动态", "综合科")


def test_each_organisation_has_its_own_tree(cast) -> None:
    catalogue.ensure_catalogue(organisation=cast.centre)
    catalogue.ensure_catalogue(organisation=cast.market)
    assert CatalogueNode.objects.filter(organisation=cast.market, code="zcwj-gfxwj").exists()
    assert CatalogueNode.objects.filter(code="zcwj-gfxwj").count() == 2


def test_the_tree_counts_published_items_under_each_node(desk) -> None:
    desk.published()
    desk.draft()
    tree = queries.catalogue_tree(desk.base.centre)
    policy = next(row for row in tree if row.node.code == "zcwj")
    assert (policy.count, policy.total) == (0, 1)
    assert next(c for c in policy.children if c.node.code == "zcwj-gfxwj").count == 1
