"""The portal's main navigation. A section appears once the app that serves it is installed."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Section:
    label: str
    url_name: str


SECTIONS = [
    Section("首页", "portal:home"),
    Section("办事指南", "catalog:index"),
    Section("办件查询", "cases:lookup"),
    Section("政务公开", "publishing:index"),
    Section("依申请公开", "disclosure:apply"),
    Section("年度报告", "reports:annual_index"),
    Section("进驻单位", "portal:units"),
]


def available_sections() -> list[tuple[str, str]]:
    found = []
    for section in SECTIONS:
        try:
            found.append((section.label, reverse(section.url_name)))
        except NoReverseMatch:
            continue
    return found
