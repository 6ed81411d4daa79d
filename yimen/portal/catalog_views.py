"""办事指南 on the portal: browse and search items, read a guide, download its forms, print it."""

from __future__ import annotations

import contextlib
from urllib.parse import quote

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from yimen.catalog import queries
from yimen.catalog.models import FormFile, ItemType, ItemVersion, Level, Material, ServiceItem, VersionState
from yimen.core import files
from yimen.core.downloads import stored_file_response
from yimen.portal.context import LARGE_TEXT_COOKIE

# Rendered guides are kept until they go stale: their key names the version, the item's current
# version (the history table), the text size and the names they show from other records
# (queries.names_revision), so a new version, a retirement or a renamed unit shows at once.
GUIDE_CACHE_SECONDS = None


def _filter(request: HttpRequest) -> queries.ItemFilter:
    get = request.GET
    return queries.ItemFilter(
        organisation=get.get("org", "")[:30],
        item_type=get.get("type", "") if get.get("type", "") in ItemType.values else "",
        theme=get.get("theme", "")[:30],
        level=get.get("level", "") if get.get("level", "") in Level.values else "",
        audience=get.get("for", "") if get.get("for", "") in ("person", "legal") else "",
        q=get.get("q", "").strip()[:50],
    )


def index(request: HttpRequest) -> HttpResponse:
    f = _filter(request)
    filtered = any([f.organisation, f.item_type, f.theme, f.level, f.audience, f.q])
    context: dict[str, object] = {
        "f": f,
        "filtered": filtered,
        "themes": queries.themes_by_audience(),
        "organisations": queries.organisations_with_items(),
        "types": ItemType.choices,
        "levels": Level.choices,
    }
    if filtered:
        page = Paginator(queries.public_items(f), 20).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context |= {"page": page, "query": query.urlencode()}
    return render(request, "portal/catalog/index.html", context)


def _public_item(code: str) -> ServiceItem:
    item = queries.item_header(code)
    if item is None or not item.is_public:
        raise Http404("没有这个事项，或该事项已废止")
    return item


def _body(item: ServiceItem, version: ItemVersion, names: str) -> str:
    """A version's guide without the page around it: rendered once, shared by both text sizes."""
    key = f"guide:body:{version.pk}:{item.current_id}:{names}"
    body = cache.get(key)
    if body is None:
        body = render_to_string(
            "portal/catalog/guide_body.html",
            {"item": item, "v": queries.guide(version), "history": queries.history(item)},
        )
        cache.set(key, body, GUIDE_CACHE_SECONDS)
    return str(body)


def _guide_page(request: HttpRequest, item: ServiceItem, version: ItemVersion, names: str) -> HttpResponse:
    body = _body(item, version, names)
    return render(
        request,
        "portal/catalog/item.html",
        {"item": item, "v": version, "is_current": version.pk == item.current_id, "body": mark_safe(body)},  # nosec B308 B703  # every text in it is escaped first
    )


def item(request: HttpRequest, code: str) -> HttpResponse:
    """The current guide. The whole page is kept per version and text size, so showing it again costs
    one indexed lookup (is the item public, which version is current) and one cache read."""
    current = queries.current_version_id(code)
    if current is None:
        raise Http404("没有这个事项，或该事项已废止")
    names = queries.names_revision()
    if request.GET:  # the page links back to its own address: only the plain one is kept
        header = _public_item(code)
        assert header.current is not None
        return _guide_page(request, header, header.current, names)
    large = request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"
    key = f"guide:page:{current}:{int(large)}:{names}"
    page = cache.get(key)
    if page is None:
        header = _public_item(code)
        assert header.current is not None
        response = _guide_page(request, header, header.current, names)
        cache.set(key, response.content, GUIDE_CACHE_SECONDS)
        return response
    return HttpResponse(page)


def render_guide(code: str) -> None:
    """Render an item's current guide into the cache, as its first visitor would (after publishing)."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = reverse("catalog:item", args=[code])
    request.META = {"SERVER_NAME": "localhost", "SERVER_PORT": "80"}
    with contextlib.suppress(Http404):  # retired, or unknown, by now
        item(request, code)


def item_version(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """An earlier published version, as it read then (变更记录)."""
    found = _public_item(code)
    version = get_object_or_404(
        ItemVersion, item=found, number=number, state__in=[VersionState.PUBLISHED, VersionState.SUPERSEDED]
    )
    return _guide_page(request, found, version, queries.names_revision())


def item_pdf(request: HttpRequest, code: str) -> HttpResponse:
    from yimen.catalog.documents import guide_pdf

    found = _public_item(code)
    assert found.current is not None
    url = request.build_absolute_uri(f"/guide/{found.impl_code}/")
    pdf = guide_pdf(found.current, url=url)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{found.current.name}-办事指南.pdf"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


def form_file(request: HttpRequest, file_id: int) -> FileResponse:
    """A blank form or sample, only while a public guide offers it."""
    form = get_object_or_404(FormFile, pk=file_id)
    offered = Material.objects.filter(
        Q(blank_form=form) | Q(sample=form),
        version__state=VersionState.PUBLISHED,
        version__item__retired_at__isnull=True,
    ).exists()
    if not offered:
        raise Http404("该表格不存在或已停用")
    stem = form.name.rsplit(".", 1)[0] if "." in form.name else form.name
    extension = form.file.name.rsplit(".", 1)[-1]  # the stored name: ours
    return stored_file_response(
        form.file, filename=files.download_name(stem, extension), content_type=form.content_type
    )


def reforms(request: HttpRequest) -> HttpResponse:
    """流程再造成效: what each organisation cut in a year, summed from the published versions."""
    years = list(range(timezone.localdate().year, 2014, -1))
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    rows = queries.reform_summary(year or None)
    totals = {
        key: sum(row[key] for row in rows)
        for key in (
            "items",
            "steps_before",
            "steps_after",
            "materials_before",
            "materials_after",
            "visits_before",
            "visits_after",
            "days_before",
            "days_after",
        )
    }
    return render(
        request, "portal/catalog/reforms.html", {"rows": rows, "year": year, "years": years, "totals": totals}
    )
