"""Every route is either on the public list below or refuses an anonymous visitor (GB/T 22239-2019
8.1.4.2 a: 应对登录的用户分配账户和权限; security.md goal 11). A new public page must be added here on
purpose; a new office page that forgot its permission check fails the second test. The API's operations
are checked against their OpenAPI security in tests/core/test_api_*."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {
    # 办事指南、网上申办、评价
    "portal:home", "portal:units", "portal:large_text",
    "catalog:index", "catalog:reforms", "catalog:form_file", "catalog:item", "catalog:item_version",
    "catalog:print", "catalog:apply", "evaluate:stats", "evaluate:case",
    # 办件查询与公示
    "cases:lookup", "cases:board", "cases:board_data", "cases:screen", "cases:screen_data",
    # 政府信息公开
    "publishing:index", "publishing:detail", "publishing:attachment", "publishing:version",
    "publishing:organisation", "publishing:guide", "publishing:node", "publishing:search",
    "publishing:upper_news", "publishing:rss", "publishing:atom", "publishing:org_rss", "publishing:org_atom",
    "publishing:node_rss", "publishing:node_atom",
    "disclosure:apply", "disclosure:done", "disclosure:track", "disclosure:status", "disclosure:supplement",
    "disclosure:letter",
    "reports:annual_index", "reports:statistics", "reports:statistics_export", "reports:annual_detail",
    "reports:annual_download",
    "syndication:sitemap", "syndication:section",
    # 个人信息保护: the notice, and the rights request proven by a case's 查询码 or an ID number's phone tail
    "privacy:notice", "privacy:request", "privacy:done", "privacy:track", "privacy:status", "privacy:copy",
    # 一件事一次办: the published combined services' list and guides, and applying online as for an item
    "combined:index", "combined:guide", "combined:apply",
    # 电子证照核验: anyone shown a certificate checks it (identifier + 核验码, the QR code, or its file), and
    # the system signature's public keys are published so anyone can check a signature
    "certificates:verify", "certificates:verify_file", "certificates:keys",
    # 我的电子证照: the holder proven by ID number + registered phone + SMS code; files only for that holder
    "certificates:mine", "certificates:mine_leave", "certificates:mine_file",
    # 政务数据开放: the catalogue, its DCAT export, a data set's page and 无条件开放 downloads, and the
    # application to 有条件开放 data sets with its receipt (shown only to the browser that filed it)
    "opendata:index", "opendata:dcat", "opendata:dataset", "opendata:download", "opendata:apply",
    "opendata:applied",
    # Open311 GeoReport v2, read only: items as services, cases' public status as requests, no personal data
    "open311:discovery", "open311:services", "open311:requests", "open311:request",
}  # fmt: skip
OFFICE_DOORS = {
    "office:login",
    "admin:logout",
}  # reached signed out: the sign-in, and a sign-out that does nothing


def routes() -> Iterator[tuple[str, str]]:
    """(route, namespaced name) of every Django URL pattern, the API's excepted."""

    def walk(patterns: list, prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{namespace}:{p.namespace}" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), f"{namespace.strip(':')}:{p.name or ''}"

    for route, name in walk(get_resolver().url_patterns, "", ""):
        if not route.startswith("api/"):
            yield route, name


def sample(route: str) -> str:
    """A URL for the route: 1 for a number, x for anything else; regular-expression routes (the admin's)
    with their groups filled the same way."""
    url = re.sub(r"<int:\w+>", "1", route)
    url = re.sub(r"<(?:\w+:)?\w+>", "x", url)
    url = re.sub(r"\(\?P<\w+>[^)]*\\d[^)]*\)", "1", url)
    url = re.sub(r"\(\?P<\w+>[^)]*\)", "x", url)
    return "/" + url.lstrip("^").rstrip("$").replace("\\", "")


def test_every_page_outside_the_office_is_public_on_purpose() -> None:
    outside = {name for route, name in routes() if not route.startswith(("office/", "admin/"))}
    assert outside == PUBLIC, "a public page was added or removed: update PUBLIC deliberately"


STAFF_ONLY = sorted(
    {(route, name) for route, name in routes() if route.startswith(("office/", "admin/"))}
    - {(route, name) for route, name in routes() if name in OFFICE_DOORS}
)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), STAFF_ONLY, ids=[name for _, name in STAFF_ONLY])
def test_every_office_and_admin_page_refuses_an_anonymous_visitor(route: str, name: str) -> None:
    client = Client()
    for method in (client.get, client.post):
        response = method(sample(route))
        if response.status_code == 302:
            assert response["Location"].startswith(("/office/login/", "/admin/login/")), response["Location"]
        else:
            assert response.status_code in (401, 403, 404, 405), (method.__name__, response.status_code)
