"""Publications over HTTP: GET /api/v1/publications (search, filters, pages) and
GET /api/v1/publications/{index_number} (one publication; a withdrawn one says so and why)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from yimen.core import pages
from yimen.core.api_schema import ErrorOut
from yimen.core.validation import label_fields
from yimen.org.models import Organisation
from yimen.publishing import queries
from yimen.publishing.models import Kind, Publication, PublicationState, Validity
from yimen.publishing.search_plan import SearchFilter
from yimen.publishing.search_query import search_publications

router = Router(tags=["主动公开"])
label_fields(
    prefix="/api/v1/publications",
    q="关键词",
    organisation="发布机构",
    node="公开目录",
    year="发布年份",
    validity="有效性",
    kind="类别",
    sort="排序",
    page="页码",
    page_size="每页条数",
)


class PublicationQuery(Schema):
    q: str = Field("", max_length=100, description="关键词或文号（中文分词检索；文号按文号匹配）")
    organisation: str = Field("", max_length=30, description="发布机构代码")
    node: str = Field("", max_length=40, pattern=r"^[a-z0-9-]*$", description="公开目录代码，如 zcwj-gfxwj")
    year: int | None = Field(None, ge=1949, le=2100, description="发布年份")
    validity: Validity | None = Field(None, description="有效性")
    kind: Kind | None = Field(None, description="类别")
    sort: str = Field(
        "relevance", pattern="^(relevance|date)$", description="relevance 相关度；date 发布日期"
    )
    page: int = Field(1, ge=1, le=250)
    page_size: int = Field(20, ge=1, le=100)


class PublicationSummary(Schema):
    index_number: str
    title: str
    organisation: str
    organisation_code: str
    node: str
    node_code: str
    kind: str
    kind_label: str
    document_number: str
    written_on: date
    published_at: datetime | None
    validity: str
    validity_label: str
    summary: str
    url: str
    api_url: str


class PublicationPage(Schema):
    count: int
    count_is_estimate: bool
    page: int
    page_size: int
    publications: list[PublicationSummary]


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int
    sha256: str
    url: str


class PublicationDetail(PublicationSummary):
    state: str
    topic: str
    genre: str
    keywords: str
    body: str
    effective_on: date | None
    expired_on: date | None
    repealed_on: date | None
    attachments: list[AttachmentOut]
    withdrawn_at: datetime | None
    withdrawn_reason: str


def _summary(request: HttpRequest, p: Publication) -> dict[str, object]:
    return {
        "index_number": p.index_number or "",
        "title": p.title,
        "organisation": p.organisation.name,
        "organisation_code": p.organisation.code,
        "node": p.node.name,
        "node_code": p.node.code,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "document_number": p.document_number,
        "written_on": p.written_on,
        "published_at": p.published_at,
        "validity": p.validity,
        "validity_label": p.get_validity_display(),
        "summary": p.summary,
        "url": request.build_absolute_uri(p.get_absolute_url()),
        "api_url": request.build_absolute_uri(
            reverse("api:publication_detail", kwargs={"index_number": p.index_number or ""})
        ),
    }


@router.get(
    "",
    response={200: PublicationPage, 404: ErrorOut},
    summary="主动公开信息列表与检索（可按机构、目录、年份、有效性、类别筛选）",
)
def list_publications(request: HttpRequest, f: Query[PublicationQuery]) -> dict[str, object]:
    organisation = None
    if f.organisation:
        organisation = Organisation.objects.filter(code=f.organisation).values_list("pk", flat=True).first()
        if organisation is None:
            raise HttpError(404, f"没有代码为 {f.organisation} 的机构")
    results = search_publications(
        SearchFilter(
            q=" ".join(f.q.split()),
            organisation=organisation,
            node=f.node,
            year=f.year,
            validity=f.validity or "",
            kind=f.kind or "",
            sort=f.sort if f.q.strip() else "date",
        ),
        with_facets=False,
    )
    start = (f.page - 1) * f.page_size
    return {
        "count": results.total.hits,
        "count_is_estimate": results.total.estimated,
        "page": f.page,
        "page_size": f.page_size,
        "publications": [_summary(request, p) for p in results.matches[start : start + f.page_size]],
    }


@router.get(
    "/{path:index_number}",
    response=PublicationDetail,
    url_name="publication_detail",
    summary="按索引号取一条主动公开信息（已撤回的返回撤回时间和原因）",
)
def publication_detail(request: HttpRequest, index_number: str) -> dict[str, object]:
    p = queries.by_index_number(index_number)
    if p is None:
        raise HttpError(404, f"没有索引号为 {index_number} 的公开信息")
    withdrawn = p.state == PublicationState.WITHDRAWN
    files = [] if withdrawn else list(p.attachments.all())
    return _summary(request, p) | {
        "state": p.state,
        "topic": p.topic,
        "genre": p.genre,
        "keywords": p.keywords,
        "body": "" if withdrawn else p.body,
        "effective_on": p.effective_on,
        "expired_on": p.expired_on,
        "repealed_on": p.repealed_on,
        "attachments": [
            {
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "url": request.build_absolute_uri(pages.path("publication.attachment", p.pk, a.pk)),
            }
            for a in files
        ],
        "withdrawn_at": p.withdrawn_at,
        "withdrawn_reason": p.withdrawn_reason,
    }
