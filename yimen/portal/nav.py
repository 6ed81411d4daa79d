"""The portal's main navigation. A section appears once the app that serves it is installed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.urls import NoReverseMatch, get_urlconf, reverse


@dataclass(frozen=True)
class Section:
    label: str
    url_name: str


SECTIONS = [
    Section("首页", "portal:home"),
    Section("办事指南", "catalog:index"),
    Section("一件事一次办", "combined:index"),
    Section("办件查询", "cases:lookup"),
    Section("电子证照核验", "certificates:verify"),
    Section("政务公开", "publishing:index"),
    Section("依申请公开", "disclosure:apply"),
    Section("年度报告", "reports:annual_index"),
    Section("数据开放", "opendata:index"),
    Section("好差评", "evaluate:stats"),
    Section("进驻单位", "portal:units"),
]


def available_sections() -> list[tuple[str, str]]:
    return list(_sections_for(get_urlconf() or settings.ROOT_URLCONF))


@cache
def _sections_for(urlconf: str) -> tuple[tuple[str, str], ...]:
    """The sections whose URLs exist in this URLconf (fixed while a process runs)."""
    found = []
    for section in SECTIONS:
        try:
            found.append((section.label, reverse(section.url_name, urlconf=urlconf)))
        except NoReverseMatch:
            continue
    return tuple(found)
