"""Reads about organisations that pages, notices and messages share: the centre, units and windows."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from yimen.org.models import Organisation, OrganisationKind, Window


def centre() -> Organisation | None:
    """The service centre whose address, hours and phones head and foot every page."""
    return (
        Organisation.objects.filter(kind=OrganisationKind.CENTRE, is_active=True)
        .select_related("region")
        .order_by("region__code", "id")
        .first()
    )


def units_with_windows() -> QuerySet[Organisation]:
    """Organisations seated in the hall, each with its active windows (one query each, not per row)."""
    windows = Window.objects.filter(is_active=True).order_by("number")
    return (
        Organisation.objects.filter(is_active=True)
        .annotate(window_count=Count("windows", filter=Q(windows__is_active=True)))
        .filter(window_count__gt=0)
        .prefetch_related(Prefetch("windows", queryset=windows, to_attr="active_windows"))
        .order_by("code")
    )


def review_body(organisation: Organisation) -> str:
    """Who reviews this organisation's acts (行政复议法 第二十四条): a department's act is reviewed by the
    government it belongs to; otherwise the letter names 有管辖权的行政复议机关."""
    parent = organisation.parent
    if parent is not None and parent.kind == OrganisationKind.GOVERNMENT:
        return parent.name
    return "有管辖权的行政复议机关"
