"""Reads of proactive disclosure that the portal, the office, the API and the annual report share.

Counting is done by the database: one conditional aggregation per table, never a loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, DateField, F, Q, QuerySet, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from yimen.org.models import Organisation, Staff
from yimen.org.permissions import organisations_for_any
from yimen.publishing.models import (
    CatalogueNode,
    DisclosureSettings,
    Kind,
    Publication,
    PublicationState,
    PublicationVersion,
)

ISSUED = "本年制发件数"
REPEALED = "本年废止件数"
IN_FORCE = "现行有效件数"
COUNTED_KINDS = {"规章": Kind.REGULATION, "行政规范性文件": Kind.NORMATIVE}
STAFF_ACTIONS = ("publication.edit", "publication.review")


# --- who sees which publications in the office ----------------------------------------------------


def reach(staff: Staff) -> set[int] | None:
    """The organisations whose publications `staff` sees: where they edit or review (None: all)."""
    return organisations_for_any(staff, STAFF_ACTIONS)


def publications_visible_to(staff: Staff) -> QuerySet[Publication]:
    """The office's list, a publication's page and its attachments: one not here does not exist (404)."""
    organisations = reach(staff)
    found = Publication.objects.all()
    return found if organisations is None else found.filter(organisation_id__in=organisations)


def public_publications() -> QuerySet[Publication]:
    """What the public may see in lists, search, feeds and the API: published items only."""
    return Publication.objects.filter(state=PublicationState.PUBLISHED)


def public_page(pk: int) -> Publication | None:
    """A publication's public page: published, or withdrawn (its page then shows a notice, not a 404)."""
    return (
        Publication.objects.filter(pk=pk, state__in=[PublicationState.PUBLISHED, PublicationState.WITHDRAWN])
        .select_related("organisation", "node")
        .prefetch_related("attachments")
        .first()
    )


def change_record(publication: Publication) -> list[PublicationVersion]:
    """The versions the public saw, newest first: the first publication and each approved change
    (条例第二十六条 speaks of information 形成或者变更: the portal shows when and what changed)."""
    return list(
        publication.versions.filter(published_at__isnull=False)
        .only("publication_id", "number", "note", "published_at", "due_on", "snapshot")
        .order_by("-number")
    )


def public_version(pk: int, number: int) -> tuple[Publication, PublicationVersion] | None:
    """An earlier published version of a published item, for reading."""
    version = (
        PublicationVersion.objects.filter(
            publication_id=pk,
            number=number,
            published_at__isnull=False,
            publication__state=PublicationState.PUBLISHED,
        )
        .select_related("publication__organisation", "publication__node")
        .first()
    )
    return None if version is None else (version.publication, version)


def by_index_number(index_number: str) -> Publication | None:
    return (
        Publication.objects.filter(
            index_number=index_number, state__in=[PublicationState.PUBLISHED, PublicationState.WITHDRAWN]
        )
        .select_related("organisation", "node")
        .first()
    )


def ended_on() -> Case:
    """The day a document stopped being in force: its 废止 or 失效 date, whichever came first."""
    return Case(
        When(repealed_on__isnull=True, then=F("expired_on")),
        When(expired_on__isnull=True, then=F("repealed_on")),
        When(repealed_on__lte=F("expired_on"), then=F("repealed_on")),
        default=F("expired_on"),
        output_field=DateField(),
    )


def _column_rules(year: int) -> dict[str, Q]:
    """Table 二's three columns for one year, as filters over publications annotated with `ended_on`."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return {
        ISSUED: Q(written_on__range=(first, last)),
        REPEALED: Q(ended_on__range=(first, last)),
        IN_FORCE: Q(written_on__lte=last) & (Q(ended_on__isnull=True) | Q(ended_on__gt=last)),
    }


def _counted(organisation_ids: list[int]) -> QuerySet[Publication]:
    return (
        public_publications()
        .filter(organisation_id__in=organisation_ids, kind__in=COUNTED_KINDS.values())
        .annotate(ended_on=ended_on())
    )


def annual_counts(organisation: Organisation, year: int) -> dict[str, dict[str, int]]:
    """Table 二 of the annual report, rows 规章 and 行政规范性文件 (annual-report-rules.md):
    本年制发件数 — 成文日期 in the year; 本年废止件数 — 废止 (or 失效) date in the year;
    现行有效件数 — 成文日期 on or before 31 Dec and no 废止/失效 date on or before 31 Dec.
    Only published documents count (a draft was not issued to the public; a withdrawn one was retracted).
    """
    rules = _column_rules(year)
    rows = (
        _counted([organisation.pk])
        .values("kind")
        .annotate(**{column: Count("id", filter=rule) for column, rule in rules.items()})
    )
    found = {row["kind"]: row for row in rows}
    return {
        label: {column: found.get(kind, {}).get(column, 0) for column in rules}
        for label, kind in COUNTED_KINDS.items()
    }


def annual_count_records(
    organisation_ids: list[int], year: int, kind: str, column: str
) -> QuerySet[Publication]:
    """The publications behind one cell of `annual_counts` (so an officer can check it by hand)."""
    return _counted(organisation_ids).filter(kind=kind).filter(_column_rules(year)[column])


@dataclass(frozen=True)
class Timeliness:
    """条例第二十六条 for one organisation and year: of the items published in the year, how many were
    published by their due date (20 working days from 成文/变更); and how many still wait past it.

    A revised item counts once, in the year of its latest change and judged by it (its due date then
    runs from the 变更日期, and the approval of the change is its publication); its first publication
    stays on record in its versions (`PublicationVersion.published_at` and `due_on`)."""

    year: int
    published: int
    on_time: int
    late: int
    waiting_overdue: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.published if self.published else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate:.1%}"


def _published_on() -> TruncDate:
    """The local day the public content was last published (its latest change, else its publication)."""
    return TruncDate(Coalesce("revised_at", "published_at"), tzinfo=timezone.get_current_timezone())


def _published_in(year: int) -> Q:
    """Published (or last changed) in `year`, counted in local time like `_published_on`."""
    return Q(revised_at__year=year) | Q(revised_at__isnull=True, published_at__year=year)


def timeliness(organisation: Organisation | None, year: int, *, today: date | None = None) -> Timeliness:
    """Counted by the database. Withdrawn items count too: they were published, on time or not."""
    today = today or timezone.localdate()
    published = Publication.objects.filter(
        _published_in(year), state__in=[PublicationState.PUBLISHED, PublicationState.WITHDRAWN]
    )
    waiting = Publication.objects.filter(
        state__in=[PublicationState.DRAFT, PublicationState.REVIEW], due_on__year=year, due_on__lt=today
    )
    if organisation is not None:
        published, waiting = (
            published.filter(organisation=organisation),
            waiting.filter(organisation=organisation),
        )
    counted = published.annotate(published_on=_published_on()).aggregate(
        total=Count("id"), on_time=Count("id", filter=Q(published_on__lte=F("due_on")))
    )
    total, on_time = counted["total"], counted["on_time"]
    return Timeliness(year, total, on_time, total - on_time, waiting.count())


def timeliness_by_organisation(organisations: QuerySet[Organisation], year: int) -> list[dict[str, object]]:
    """One row per organisation with publications in the year: published, on time, rate (one GROUP BY)."""
    rows = (
        Publication.objects.filter(
            _published_in(year),
            organisation__in=organisations,
            state__in=[PublicationState.PUBLISHED, PublicationState.WITHDRAWN],
        )
        .annotate(published_on=_published_on())
        .values("organisation_id", "organisation__name")
        .annotate(total=Count("id"), on_time=Count("id", filter=Q(published_on__lte=F("due_on"))))
        .order_by("organisation__name")
    )
    return [
        {
            "organisation": row["organisation__name"],
            "published": row["total"],
            "on_time": row["on_time"],
            "late": row["total"] - row["on_time"],
            "rate": f"{row['on_time'] / row['total']:.1%}" if row["total"] else "—",
        }
        for row in rows
    ]


def waiting(organisations: set[int] | None) -> QuerySet[Publication]:
    """Drafts and items in review, the most urgent first: what is due (条例第二十六条)."""
    items = Publication.objects.filter(state__in=[PublicationState.DRAFT, PublicationState.REVIEW])
    if organisations is not None:
        items = items.filter(organisation_id__in=organisations)
    return items.select_related("organisation", "node", "created_by").order_by("due_on", "pk")


def published_late(organisations: set[int] | None, year: int) -> QuerySet[Publication]:
    """Items of the year published after their due date, latest first."""
    items = (
        Publication.objects.filter(
            _published_in(year), state__in=[PublicationState.PUBLISHED, PublicationState.WITHDRAWN]
        )
        .annotate(published_on=_published_on())
        .filter(published_on__gt=F("due_on"))
    )
    if organisations is not None:
        items = items.filter(organisation_id__in=organisations)
    return items.select_related("organisation", "node").order_by("-published_on", "-pk")


# --- the catalogue and the guide ---------------------------------------------------------------------


@dataclass
class NodeRow:
    node: CatalogueNode
    count: int
    children: list[NodeRow]

    @property
    def total(self) -> int:
        return self.count + sum(child.total for child in self.children)


def catalogue_tree(organisation: Organisation) -> list[NodeRow]:
    """The organisation's active nodes as a tree, each with how many published items it holds."""
    counts = dict(
        public_publications()
        .filter(organisation=organisation)
        .values_list("node_id")
        .annotate(n=Count("id"))
        .values_list("node_id", "n")
    )
    nodes = list(
        CatalogueNode.objects.filter(organisation=organisation, is_active=True)
        .prefetch_related("editors")
        .order_by("position", "id")
    )
    rows = {n.pk: NodeRow(n, counts.get(n.pk, 0), []) for n in nodes}
    top: list[NodeRow] = []
    for node in nodes:
        parent = rows.get(node.parent_id) if node.parent_id else None
        (parent.children if parent else top).append(rows[node.pk])
    return top


def node_and_children(node: CatalogueNode) -> list[int]:
    return [node.pk, *CatalogueNode.objects.filter(parent=node).values_list("pk", flat=True)]


def listing(organisation: Organisation, node: CatalogueNode | None = None) -> QuerySet[Publication]:
    """The 目录 (条例第十二条: 索引、名称、内容概述、生成日期) of an organisation or one of its nodes."""
    items = public_publications().filter(organisation=organisation)
    if node is not None:
        items = items.filter(node_id__in=node_and_children(node))
    return items.select_related("node").order_by("-published_at", "-pk")


def organisations_publishing() -> QuerySet[Organisation]:
    """Organisations that have a catalogue, with how many items they have published."""
    return (
        Organisation.objects.filter(is_active=True, catalogue_nodes__isnull=False)
        .annotate(
            published=Count(
                "publications",
                filter=Q(publications__state=PublicationState.PUBLISHED),
                distinct=True,
            )
        )
        .order_by("-published", "code")
        .distinct()
    )


@dataclass(frozen=True)
class GuideContacts:
    """The 指南's contact facts: the organisation's settings, or what its own record says."""

    office_name: str
    address: str
    office_hours: str
    phone: str
    fax: str
    email: str
    website: str
    postcode: str
    notes: str
    configured: bool
    updated_at: object


def guide_contacts(organisation: Organisation) -> GuideContacts:
    found = DisclosureSettings.objects.filter(organisation=organisation).first()
    if found is not None:
        return GuideContacts(
            found.office_name,
            found.address,
            found.office_hours,
            found.phone,
            found.fax,
            found.email,
            found.website,
            found.postcode,
            found.notes,
            True,
            found.updated_at,
        )
    return GuideContacts(
        f"{organisation.name}办公室",
        organisation.address,
        organisation.office_hours,
        organisation.contact_phone,
        "",
        "",
        "",
        "",
        "",
        False,
        None,
    )
