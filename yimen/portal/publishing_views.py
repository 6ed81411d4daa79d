"""政务公开 on the portal: each organisation's 政府信息公开目录 and 指南 (条例第十二条), always current,
and each publication's page (a withdrawn one keeps its page with a notice instead of a 404)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse

from yimen.org.models import Organisation
from yimen.publishing import attachments, queries
from yimen.publishing.content import DISCLOSURE_WORKDAYS
from yimen.publishing.index_numbers import format_number, organisation_code
from yimen.publishing.models import Attachment, CatalogueNode, Kind, PublicationState, Validity
from yimen.publishing.sanitize import clean_html

PAGE_SIZE = 20


def _link(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def index(request: HttpRequest) -> HttpResponse:
    context = {
        "organisations": queries.organisations_publishing()[:100],
        "latest": queries.public_publications().select_related("organisation", "node")[:12],
    }
    return render(request, "portal/publishing/index.html", context)


def _organisation(code: str) -> Organisation:
    organisation = Organisation.objects.filter(code=code, is_active=True).first()
    if organisation is None or not CatalogueNode.objects.filter(organisation=organisation).exists():
        raise Http404("该机构没有政府信息公开目录")
    return organisation


def organisation(request: HttpRequest, code: str, node: str = "") -> HttpResponse:
    """The 目录: 索引号、名称、内容概述、生成日期 of everything published, by node."""
    found = _organisation(code)
    chosen = None
    if node:
        chosen = get_object_or_404(CatalogueNode, organisation=found, code=node, is_active=True)
    page = Paginator(queries.listing(found, chosen), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organisation": found,
        "tree": queries.catalogue_tree(found),
        "chosen": chosen,
        "page": page,
    }
    return render(request, "portal/publishing/organisation.html", context)


def guide(request: HttpRequest, code: str) -> HttpResponse:
    """政府信息公开指南, generated from the organisation's settings and catalogue (条例第十二条)."""
    found = _organisation(code)
    context = {
        "organisation": found,
        "contacts": queries.guide_contacts(found),
        "tree": queries.catalogue_tree(found),
        "example_index": format_number(organisation_code(found), 2024, 1),
        "workdays": DISCLOSURE_WORKDAYS,
        "apply_url": _link("disclosure:apply"),
        "reports_url": _link("reports:annual_index"),
    }
    return render(request, "portal/publishing/guide.html", context)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = queries.public_page(pk)
    if publication is None:
        raise Http404("没有这条信息")
    withdrawn = publication.state == PublicationState.WITHDRAWN
    context = {
        "p": publication,
        "withdrawn": withdrawn,
        "attachments": publication.attachments.all(),
        "changes": [] if withdrawn else queries.change_record(publication),
    }
    # 410 Gone: the item was published and taken back; the page says so and why.
    return render(request, "portal/publishing/detail.html", context, status=410 if withdrawn else 200)


def version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """An earlier published version, as it read then (the current one is the item's own page)."""
    found = queries.public_version(pk, number)
    if found is None:
        raise Http404("没有这个版本")
    publication, shown = found
    changes = queries.change_record(publication)
    if changes and changes[0].number == shown.number:
        return redirect(publication.get_absolute_url())
    data = shown.snapshot
    current = {a.sha256: a for a in publication.attachments.all()}
    context = {
        "p": publication,
        "v": shown,
        "data": data,
        "body": clean_html(str(data.get("body") or "")),
        "kind": Kind(data["kind"]).label if data.get("kind") in Kind.values else "",
        "validity": Validity(data["validity"]).label if data.get("validity") in Validity.values else "",
        "files": [
            (f.get("name", ""), current.get(str(f.get("sha256")))) for f in data.get("attachments", [])
        ],
        "replaced_by": next((c for c in reversed(changes) if c.number > shown.number), None),
    }
    return render(request, "portal/publishing/version.html", context)


def attachment(request: HttpRequest, pk: int, file_id: int) -> HttpResponseBase:
    """An attachment, only while its publication is published."""
    found = get_object_or_404(
        Attachment, pk=file_id, publication_id=pk, publication__state=PublicationState.PUBLISHED
    )
    return attachments.download(found)
