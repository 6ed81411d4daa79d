"""RSS 2.0 and Atom feeds of the publications: everything, one organisation's, or one catalogue node's
(with the nodes under it). Newest first, the latest `ITEMS`; withdrawn items leave the feeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from yimen.core import pages
from yimen.org.models import Organisation
from yimen.org.queries import centre
from yimen.publishing import queries
from yimen.publishing.models import CatalogueNode, Publication

ITEMS = 50
DESCRIPTION_CHARACTERS = 300


@dataclass(frozen=True)
class Scope:
    """What a feed covers: everything, an organisation, or a node of its catalogue."""

    organisation: Organisation | None = None
    node: CatalogueNode | None = None

    @property
    def name(self) -> str:
        if self.organisation is None:
            hall = centre()
            return f"{hall.name if hall else '一门'}政务公开"
        parts = [self.organisation.name, self.node.name if self.node else "", "政务公开"]
        return " · ".join(p for p in parts if p)

    def search_url(self) -> str:
        query = {"org": self.organisation.code} if self.organisation else {}
        if self.node is not None:
            query["node"] = self.node.code
        return pages.path("publication.search") + ("?" + urlencode(query) if query else "")

    def publications(self) -> QuerySet[Publication]:
        found = queries.public_publications().select_related("organisation", "node")
        if self.node is not None:
            found = found.filter(node__in=queries.node_and_children(self.node))
        elif self.organisation is not None:
            found = found.filter(organisation=self.organisation)
        return found.order_by("-published_at", "-id")[:ITEMS]


if TYPE_CHECKING:
    FeedBase = Feed[Publication, Scope]  # generic in django-stubs only
else:
    FeedBase = Feed


class PublicationRss(FeedBase):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def get_object(self, request: HttpRequest, org: str = "", node: str = "") -> Scope:
        if not org:
            return Scope()
        organisation = Organisation.objects.filter(code=org, is_active=True).first()
        if organisation is None:
            raise Http404("没有这个机构")
        if not node:
            return Scope(organisation)
        found = CatalogueNode.objects.filter(organisation=organisation, code=node, is_active=True).first()
        if found is None:
            raise Http404("该机构的公开目录中没有这个栏目")
        return Scope(organisation, found)

    def title(self, obj: Scope) -> str:
        return obj.name

    def link(self, obj: Scope) -> str:
        return obj.search_url()

    def description(self, obj: Scope) -> str:
        return f"{obj.name}：主动公开的政府信息，最新 {ITEMS} 条。"

    def items(self, obj: Scope) -> QuerySet[Publication]:
        return obj.publications()

    def item_title(self, item: Publication) -> str:
        return item.title

    def item_description(self, item: Publication) -> str:
        text = item.summary or " ".join(item.body_text.split())
        cut = text[:DESCRIPTION_CHARACTERS]
        return cut + ("…" if len(text) > len(cut) else "")

    def item_link(self, item: Publication) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Publication) -> str | None:
        return item.index_number or str(item.pk)

    def item_guid_is_permalink(self, item: Publication) -> bool:
        return False

    def item_pubdate(self, item: Publication) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Publication) -> datetime | None:
        return item.updated_at

    def item_author_name(self, item: Publication) -> str:
        return item.organisation.name

    def item_categories(self, item: Publication) -> list[str]:
        return [item.node.name, item.get_kind_display()]


class PublicationAtom(PublicationRss):
    feed_type = Atom1Feed

    def item_guid(self, item: Publication) -> str | None:
        return None  # Atom ids are URIs: a tag: URI made from the link and the date

    def subtitle(self, obj: Scope) -> str:
        return self.description(obj)
