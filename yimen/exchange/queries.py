"""Reads of data exchange: the one selector for staff (`deliveries_visible_to`: the rows of the records
of their organisations), the targets they may open, and the rejected and dead rows still waiting for a
hand (those no newer delivery of the same row to the same target has followed)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from yimen.exchange.models import OPEN, Delivery, Status, Target
from yimen.org.models import Organisation
from yimen.org.permissions import ancestors_and_self, can, organisations_for

VIEW = "exchange.view"  # the pages: 监察 and the administrator everything, a department its own rows
REQUEUE = "exchange.requeue"  # 重新推送 a rejected or dead row of one's organisation
MANAGE = "org.manage"  # targets: created, changed, enabled and disabled by the administrator only


def reach_of(staff: Any) -> set[int] | None:
    """The organisations whose rows `staff` sees; None when that is every organisation (the centre's
    监察 and the administrator hold their role over the whole tree: no filter, no join)."""
    reach = organisations_for(staff, VIEW)
    if reach is None or not Organisation.objects.exclude(pk__in=reach).exists():
        return None
    return reach


def deliveries_visible_to(staff: Any) -> QuerySet[Delivery]:
    """The one selector: the deliveries of the records of the organisations where `staff` may view
    exchange rows; nothing for those without the role."""
    if not can(staff, VIEW):
        return Delivery.objects.none()
    reach = reach_of(staff)
    found = Delivery.objects.all()
    return found if reach is None else found.filter(record__organisation_id__in=reach)


def delivery_for(staff: Any, pk: int) -> Delivery:
    """A delivery `staff` may see, or 404 (another organisation's answers as an unknown one)."""
    found = deliveries_visible_to(staff).select_related("record", "target", "revision").filter(pk=pk).first()
    if found is None:
        raise Http404("没有找到该推送记录")
    return found


def targets_visible_to(staff: Any) -> QuerySet[Target]:
    """The targets whose pages `staff` opens: those that may take rows of their organisations — every
    target not narrowed to an organisation, and those narrowed to one within their reach or above it."""
    if not can(staff, VIEW):
        return Target.objects.none()
    reach = reach_of(staff)
    found = Target.objects.select_related("organisation").order_by("code")
    if reach is None:
        return found
    above = {org for own in reach for org in ancestors_and_self(own)}
    return found.filter(Q(organisation__isnull=True) | Q(organisation_id__in=above))


def target_for(staff: Any, pk: int) -> Target:
    found = targets_visible_to(staff).filter(pk=pk).first()
    if found is None:
        raise Http404("没有找到该交换目标")
    return found


def _followed() -> Exists:
    """A later delivery of the same row to the same target (a correction, a re-queue or a new version)."""
    later = Delivery.objects.filter(
        target=OuterRef("target"), record=OuterRef("record"), pk__gt=OuterRef("pk")
    )
    return Exists(later)


def open_rejections(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """Rows the target rejected that nobody has sent again yet."""
    return deliveries.filter(status=Status.REJECTED).exclude(_followed())


def open_dead(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """Dead letters (the retry schedule used up) not sent again yet."""
    return deliveries.filter(status=Status.DEAD).exclude(_followed())


def backlog(deliveries: QuerySet[Delivery]) -> dict[int, dict[str, int]]:
    """Per target, what waits: rows to send, rows awaiting a 前置库's confirmation, and the rejected and
    dead rows nobody has sent again (one GROUP BY over the rows in those states)."""
    waiting = (*OPEN, Status.SENT, Status.REJECTED, Status.DEAD)
    followed = Q(_followed())
    rows = (
        deliveries.filter(status__in=waiting)
        .values("target_id")
        .annotate(
            pending=Count("pk", filter=Q(status__in=OPEN)),
            waiting=Count("pk", filter=Q(status=Status.SENT)),
            rejected=Count("pk", filter=Q(status=Status.REJECTED) & ~followed),
            dead=Count("pk", filter=Q(status=Status.DEAD) & ~followed),
        )
        .order_by("target_id")
    )
    return {row.pop("target_id"): row for row in rows}
