"""政务公开信息检索 on the portal: one search box over the publications, facets to narrow the hits,
highlighted snippets, and the matching service items as a second group."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString

from yimen.org.models import Organisation
from yimen.publishing import highlight
from yimen.publishing.models import Attachment, Kind, Publication, Validity
from yimen.publishing.search_plan import SearchFilter
from yimen.publishing.search_query import SORTS, Facet, search_publications

PER_PAGE = 20
MAX_PAGE = 250  # deeper pages would cost an OFFSET over thousands of hits nobody reads
ITEMS_SHOWN = 5


@dataclass(frozen=True)
class Hit:
    publication: Publication
    title: SafeString
    snippet: SafeString


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int
    selected: bool
    url: str


def search_filter(get: QueryDict) -> tuple[SearchFilter, str]:
    """The filter the query string asks for (unknown values are ignored), and the organisation code."""
    code = get.get("org", "")[:30]
    organisation = (
        Organisation.objects.filter(code=code).values_list("pk", flat=True).first() if code else None
    )
    year = get.get("year", "")
    node = get.get("node", "")[:40]
    return (
        SearchFilter(
            q=" ".join(get.get("q", "").split())[:100],
            organisation=organisation,
            node=node if node.replace("-", "").isalnum() else "",
            year=int(year) if year.isdigit() and len(year) == 4 else None,
            validity=get.get("validity", "") if get.get("validity", "") in Validity.values else "",
            kind=get.get("kind", "") if get.get("kind", "") in Kind.values else "",
            sort=get.get("sort", "") if get.get("sort", "") in SORTS else "relevance",
        ),
        code if organisation else "",
    )


def _links(get: QueryDict, facets: list[Facet]) -> list[tuple[str, list[FacetLink]]]:
    """Each option links to this search with that value chosen (or, when chosen, with it cleared)."""
    groups = []
    for facet in facets:
        links = []
        for option in facet.options:
            query = get.copy()
            query.pop("page", None)
            if option.selected:
                query.pop(facet.name, None)
            else:
                query[facet.name] = option.value
            links.append(FacetLink(option.label, option.count, option.selected, "?" + query.urlencode()))
        if links:
            groups.append((facet.label, links))
    return groups


def _hits(publications: list[Publication], terms: list[str]) -> list[Hit]:
    texts: dict[int, list[tuple[str, str]]] = {}
    found = Attachment.objects.filter(publication__in=publications).order_by("position", "id")
    for publication_id, name, content in found.values_list("publication_id", "name", "text"):
        texts.setdefault(publication_id, []).append((f"附件 {name}", content))
    return [
        Hit(
            p,
            highlight.mark(p.title, terms),
            highlight.snippet([("", p.summary), ("", p.body_text), *texts.get(p.pk, [])], terms),
        )
        for p in publications
    ]


def _service_items(q: str) -> tuple[list[object], int]:
    from yimen.catalog.queries import ItemFilter, public_items

    items = public_items(ItemFilter(q=q))
    return list(items[:ITEMS_SHOWN]), items.count()


def _feeds(code: str, node: str) -> list[tuple[str, str]]:
    """The subscription links for what is being looked at: the node, the organisation, or everything."""
    if code and node:
        args = [code, node]
        return [
            ("RSS", reverse("publishing:node_rss", args=args)),
            ("Atom", reverse("publishing:node_atom", args=args)),
        ]
    if code:
        return [
            ("RSS", reverse("publishing:org_rss", args=[code])),
            ("Atom", reverse("publishing:org_atom", args=[code])),
        ]
    return [("RSS", reverse("publishing:rss")), ("Atom", reverse("publishing:atom"))]


def search(request: HttpRequest) -> HttpResponse:
    f, code = search_filter(request.GET)
    context: dict[str, object] = {"f": f, "sorts": SORTS.items(), "feeds": _feeds(code, f.node)}
    if f.q or f.narrowed():
        results = search_publications(f)
        paginator = Paginator(results.matches, PER_PAGE)
        page = paginator.get_page(min(_number(request.GET.get("page")), MAX_PAGE))
        query = request.GET.copy()
        query.pop("page", None)
        items, item_count = _service_items(f.q) if f.q else ([], 0)
        context |= {
            "results": results,
            "page": page,
            "hits": _hits(list(page.object_list), results.terms),
            "facets": _links(request.GET, results.facets),
            "query": query.urlencode(),
            "items": items,
            "item_count": item_count,
            "org_code": code,
        }
    return render(request, "portal/publishing/search.html", context)


def upper_news(request: HttpRequest) -> HttpResponse:
    """上级动态: every entry read from the higher-level portals' feeds, newest first."""
    from yimen.publishing.models import FeedEntry

    entries = (
        FeedEntry.objects.filter(source__is_active=True)
        .select_related("source")
        .order_by("-published_at", "-id")
    )
    page = Paginator(entries, PER_PAGE).get_page(min(_number(request.GET.get("page")), MAX_PAGE))
    return render(request, "portal/publishing/upper_news.html", {"page": page})


def _number(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1
