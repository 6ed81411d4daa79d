"""sitemap.xml (sitemaps.org 0.9): an index of the portal's pages, the service guides and the publications.

Each list holds at most `CHUNK` addresses (the protocol allows 50,000 per file), cut by id ranges so a
file is one range scan however many publications there are. Which ranges exist is cached for an hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from xml.sax.saxutils import escape

from django.core.cache import cache
from django.db.models import F, Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control

from yimen.catalog.models import ServiceItem
from yimen.portal.nav import available_sections
from yimen.publishing import queries
from yimen.publishing.models import Publication

CHUNK = 50_000
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
RANGES_CACHE_SECONDS = 3600
_PLACEHOLDER = 987654321


def _publications() -> QuerySet[Publication]:
    return queries.public_publications()


def _guides() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(current__isnull=False, retired_at__isnull=True)


def _ranges(kind: str) -> list[tuple[int, datetime | None]]:
    """(chunk number, latest change in it) of every id range holding at least one public record."""
    key = f"sitemap:ranges:{kind}"
    found: list[tuple[int, datetime | None]] | None = cache.get(key)
    if found is None:
        chunks = _publications() if kind == "publications" else _guides()
        changed = "updated_at" if kind == "publications" else "current__published_at"
        rows = chunks.annotate(chunk=F("id") / CHUNK).values("chunk").annotate(last=Max(changed)).order_by()
        found = sorted((row["chunk"], row["last"]) for row in rows)
        cache.set(key, found, RANGES_CACHE_SECONDS)
    return found


def _xml(root: str, entries: Iterable[tuple[str, datetime | None]]) -> HttpResponse:
    """<urlset> or <sitemapindex> of (absolute address, last modified) pairs."""
    element = "url" if root == "urlset" else "sitemap"
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<{root} xmlns="{NAMESPACE}">']
    for address, modified in entries:
        lastmod = f"<lastmod>{modified.date().isoformat()}</lastmod>" if modified is not None else ""
        lines.append(f"<{element}><loc>{escape(address)}</loc>{lastmod}</{element}>")
    lines.append(f"</{root}>")
    return HttpResponse("\n".join(lines), content_type="application/xml; charset=utf-8")


@cache_control(public=True, max_age=3600)
def index(request: HttpRequest) -> HttpResponse:
    def address(section: str, number: int | None = None) -> str:
        args = [section] if number is None else [f"{section}-{number}"]
        return request.build_absolute_uri(reverse("syndication:section", args=args))

    entries: list[tuple[str, datetime | None]] = [(address("pages"), None)]
    entries += [(address("guides", n), last) for n, last in _ranges("guides")]
    entries += [(address("publications", n), last) for n, last in _ranges("publications")]
    return _xml("sitemapindex", entries)


def _template(name: str, placeholder: object = _PLACEHOLDER) -> str:
    """An absolute address with `{}` where the argument goes: one reverse() per file, not per row."""
    return reverse(name, args=[placeholder]).replace(str(placeholder), "{}")


def _pages(request: HttpRequest) -> list[tuple[str, datetime | None]]:
    from yimen.org.models import Organisation

    addresses = [url for _, url in available_sections()]
    organisations = Organisation.objects.filter(catalogue_nodes__isnull=False, is_active=True).distinct()
    for code in organisations.order_by("code").values_list("code", flat=True):
        addresses += [
            reverse("publishing:organisation", args=[code]),
            reverse("publishing:guide", args=[code]),
        ]
    return [(request.build_absolute_uri(a), None) for a in dict.fromkeys(addresses)]


@cache_control(public=True, max_age=3600)
def section(request: HttpRequest, name: str) -> HttpResponse:
    if name == "pages":
        return _xml("urlset", _pages(request))
    kind, _, number = name.rpartition("-")
    if kind not in ("guides", "publications") or not number.isdigit():
        raise Http404("没有这个网站地图")
    low, high = int(number) * CHUNK, (int(number) + 1) * CHUNK
    base = request.build_absolute_uri("/").rstrip("/")
    entries: list[tuple[str, datetime | None]]
    if kind == "publications":
        template = base + _template("publishing:detail")
        rows = _publications().filter(id__gte=low, id__lt=high).order_by("id").values_list("id", "updated_at")
        entries = [(template.format(pk), modified) for pk, modified in rows]
    else:
        template = base + _template("catalog:item", "CODE")
        guides = _guides().filter(id__gte=low, id__lt=high).order_by("id")
        entries = [
            (template.format(code), at)
            for code, at in guides.values_list("impl_code", "current__published_at")
        ]
    if not entries:
        raise Http404("没有这个网站地图")
    return _xml("urlset", entries)
