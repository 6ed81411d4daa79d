"""The office's proactive-disclosure pages: the list, the editor, one publication and its workflow, the
review queue, and what is due or was late (条例第二十六条).

Every change goes through `publishing.services`; these views parse forms, call a service, and show
its refusal where it belongs: field messages (422), a wrong state (409) or a missing role (403).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yimen.core import calendar
from yimen.core.errors import ApplicationError
from yimen.office.publishing_forms import PublicationForm, ValidityForm, show_errors
from yimen.office.publishing_history import history
from yimen.office.sections import Section
from yimen.office.views import requires, signed_in
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can, organisations_for
from yimen.publishing import attachments, content, queries
from yimen.publishing.models import Attachment, Publication, PublicationState
from yimen.publishing.services import publications, revisions

ACTIONS = ("publication.edit", "publication.review")


SECTION = Section(
    "office/publishing",
    home=("返回公开目录", "office_publishing:catalogue"),
    detail=("返回该信息", "office_publishing:detail"),
    pages=(
        ("主动公开", "office_publishing:list", ACTIONS),
        ("公开审核", "office_publishing:review_queue", ("publication.review",)),
        ("应公开与逾期", "office_publishing:due", ACTIONS),
        ("公开目录与指南", "office_publishing:catalogue", ACTIONS),
    ),
)
render_page, refused = SECTION.render, SECTION.refused


def disclosure_staff(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and an editor or a reviewer of publications somewhere; otherwise 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not any(can(request.user, action) for action in ACTIONS):
            return render(request, "office/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _within(items: QuerySet[Publication], organisations: set[int] | None) -> QuerySet[Publication]:
    return items if organisations is None else items.filter(organisation_id__in=organisations)


def _publication(request: HttpRequest, pk: int) -> Publication:
    visible = queries.publications_visible_to(signed_in(request))
    publication = (
        visible.select_related("organisation", "node", "created_by", "revision_of").filter(pk=pk).first()
    )
    if publication is None:
        raise Http404("没有这条信息")
    return publication


# Filters of the list besides the states: what an editor looks for first.
LIST_FILTERS: dict[str, tuple[str, Q]] = {
    "returned": ("被退回的草稿", Q(state=PublicationState.DRAFT) & ~Q(rejection_reason="")),
    "revisions": ("修订稿", Q(revision_of__isnull=False)),
}


# --- the list --------------------------------------------------------------------------------------


@disclosure_staff
def publication_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in PublicationState.values or state in LIST_FILTERS else ""
    q = request.GET.get("q", "").strip()[:50]
    items = queries.publications_visible_to(signed_in(request)).select_related(
        "organisation", "node", "revision_of"
    )
    if state in LIST_FILTERS:
        items = items.filter(LIST_FILTERS[state][1])
    elif state:
        items = items.filter(state=state)
    if q:
        items = items.filter(
            Q(title__icontains=q) | Q(document_number__icontains=q) | Q(index_number__icontains=q)
        )
    page = Paginator(items.order_by("-updated_at", "-pk"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "states": [*PublicationState.choices, *((key, label) for key, (label, _) in LIST_FILTERS.items())],
        "state": state,
        "q": q,
        "may_draft": can(signed_in(request), "publication.edit"),
    }
    return render_page(request, "list.html", context)


# --- the editor ------------------------------------------------------------------------------------


def _editor(
    request: HttpRequest, form: PublicationForm, publication: Publication | None = None, *, status: int = 200
) -> HttpResponse:
    context = {"form": form, "publication": publication, "failed": status == 422}
    return render_page(request, "editor.html", context, status=status)


def _data(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


@requires("publication.edit")
def publication_new(request: HttpRequest) -> HttpResponse:
    staff = signed_in(request)
    node = request.GET.get("node")
    form = PublicationForm(_data(request), staff=staff, initial={"node": node} if node else None)
    if request.method != "POST" or not form.is_valid():
        return _editor(request, form, status=422 if request.method == "POST" else 200)
    try:
        publication = publications.create_draft(
            by=staff,
            node=form.cleaned_data["node"],
            fields=form.values(),
            files=request.FILES.getlist("files"),
        )
    except ApplicationError as exc:
        if exc.status != 422:
            return refused(request, exc)
        show_errors(exc, form)
        return _editor(request, form, status=422)
    messages.success(request, f"已保存草稿“{publication.title}”，应于 {publication.due_on:%Y-%m-%d} 前公开。")
    return redirect("office_publishing:detail", pk=publication.pk)


@requires("publication.edit")
def publication_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = signed_in(request)
    publication = _publication(request, pk)
    form = PublicationForm(_data(request), staff=staff, publication=publication)
    if request.method != "POST":
        return _editor(request, form, publication)
    if not form.is_valid():
        return _editor(request, form, publication, status=422)
    fields = form.values() | {
        "node": form.cleaned_data["node"].pk,
        "remove_attachments": request.POST.getlist("remove_attachments"),
    }
    try:
        publications.update_draft(
            publication=publication,
            by=staff,
            lock_version=form.cleaned_data["lock_version"] or 0,
            fields=fields,
            files=request.FILES.getlist("files"),
        )
    except ApplicationError as exc:
        if exc.status != 422:
            return refused(request, exc, publication)
        show_errors(exc, form)
        return _editor(request, form, publication, status=422)
    messages.success(request, "草稿已保存为新版本。")
    return redirect("office_publishing:detail", pk=publication.pk)


# --- one publication and its workflow --------------------------------------------------------------


def _actions(staff: Staff, publication: Publication, revision: Publication | None) -> dict[str, bool]:
    """Which buttons to show; the services decide again when one is pressed."""
    state = publication.state
    editor = publications.is_responsible(staff, publication.node)
    reviewer = can(staff, "publication.review", publication)
    published = state == PublicationState.PUBLISHED
    return {
        "edit": editor and state == PublicationState.DRAFT,
        "submit": editor and state == PublicationState.DRAFT,
        "discard": editor and state == PublicationState.DRAFT,
        "review": reviewer and state == PublicationState.REVIEW and publication.created_by_id != staff.pk,
        "revise": editor and published and revision is None,
        "withdraw": reviewer and published,
        "validity": (editor or reviewer) and published,
    }


def _detail(
    request: HttpRequest,
    publication: Publication,
    *,
    failure: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    revision = publication.revisions.select_related("created_by").first()
    original = publication.revision_of
    context = {
        "p": publication,
        "revision": revision,
        "changes": content.differences(original, publication) if original is not None else None,
        "actions": _actions(signed_in(request), publication, revision),
        "attachments": publication.attachments.all(),
        "versions": publication.versions.select_related("created_by").order_by("-number"),
        "history": history(publication),
        "validity_form": ValidityForm(initial={"validity": publication.validity}),
        "failure": failure,
        "today": timezone.localdate(),
    }
    return render_page(request, "detail.html", context, status=status)


@login_required
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _publication(request, pk))


def _perform(action: str, publication: Publication, by: Staff, form: QueryDict) -> str:
    """Run one workflow step; returns what to tell the user."""
    if action == "submit":
        publications.submit(publication=publication, by=by)
        return "已提交审核。"
    if action == "approve":
        revised = publication.revision_of_id is not None
        published = publications.approve(publication=publication, by=by)
        if revised:
            return f"变更已发布，索引号 {published.index_number} 不变；门户网站的变更记录已增加一条。"
        return f"已发布，索引号 {published.index_number}。"
    if action == "reject":
        publications.reject(publication=publication, by=by, reason=form.get("reason", ""))
        return "已退回修改，起草人可在信息页看到退回原因。"
    if action == "withdraw":
        publications.withdraw(publication=publication, by=by, reason=form.get("reason", ""))
        return "已撤回；门户网站上该信息的页面改为显示撤回说明。"
    if action == "validity":
        validity = ValidityForm(form)
        if not validity.is_valid():
            raise ApplicationError("有效性或日期格式不正确", fields={"on": ["日期：格式如 2024-05-20"]})
        publications.change_validity(
            publication=publication,
            by=by,
            validity=validity.cleaned_data["validity"],
            on=validity.cleaned_data["on"],
        )
        return "有效性已变更。"
    raise Http404("没有这项操作")


def _leave(action: str, publication: Publication, by: Staff) -> tuple[str, str]:
    """Steps after which the page is another one: (message, where to go)."""
    if action == "revise":
        revision = revisions.open_revision(publication=publication, by=by)
        message = f"已建立修订稿，变更日期为今天，应于 {revision.due_on:%Y-%m-%d} 前公开。审核通过前门户网站仍显示原内容。"
        return message, reverse("office_publishing:edit", args=[revision.pk])
    original = revisions.discard_draft(publication=publication, by=by)
    if original is not None:
        return "修订稿已删除，已发布的内容未作改动。", reverse("office_publishing:detail", args=[original.pk])
    return f"草稿“{publication.title}”已删除。", reverse("office_publishing:list")


@require_POST
@login_required
def publication_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    publication = _publication(request, pk)
    staff = signed_in(request)
    try:
        if action in ("revise", "discard"):
            message, url = _leave(action, publication, staff)
        else:
            revision_of = publication.revision_of_id
            message = _perform(action, publication, staff, request.POST)
            # An approved revision is gone: its item shows the change.
            merged = revision_of is not None and not Publication.objects.filter(pk=publication.pk).exists()
            url = reverse("office_publishing:detail", args=[revision_of if merged else publication.pk])
    except ApplicationError as exc:
        if exc.status != 422:
            return refused(request, exc, publication)
        publication.refresh_from_db()
        return _detail(request, publication, failure=exc, status=422)
    messages.success(request, message)
    return redirect(url)


@login_required
def attachment_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = get_object_or_404(Attachment.objects.select_related("publication"), pk=pk)
    _publication(request, attachment.publication_id)
    return attachments.download(attachment)


# --- review and deadlines --------------------------------------------------------------------------


DUE_SOON_WORKDAYS = 3


def _clock() -> dict[str, date]:
    """Today, and the last day counted as 即将到期: items due within three working days are marked."""
    today = timezone.localdate()
    try:
        soon = calendar.add_workdays(today, DUE_SOON_WORKDAYS).date
    except calendar.CalendarError:
        soon = today
    return {"today": today, "soon": soon}


@requires("publication.review")
def review_queue(request: HttpRequest) -> HttpResponse:
    waiting = Publication.objects.filter(state=PublicationState.REVIEW).select_related(
        "organisation", "node", "created_by"
    )
    waiting = _within(waiting, organisations_for(signed_in(request), "publication.review"))
    page = Paginator(waiting.order_by("due_on", "pk"), 50).get_page(request.GET.get("page"))
    return render_page(request, "queue.html", {"page": page, **_clock()})


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2099)


@disclosure_staff
def due(request: HttpRequest) -> HttpResponse:
    """条例第二十六条: what waits (most urgent first), what was published late, the rate per organisation."""
    staff = signed_in(request)
    year = _year(request)
    organisations = queries.reach(staff)
    within = (
        Organisation.objects.all()
        if organisations is None
        else Organisation.objects.filter(pk__in=organisations)
    )
    context = {
        "year": year,
        "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
        **_clock(),
        "waiting": queries.waiting(organisations)[:200],
        "late": Paginator(queries.published_late(organisations, year), 50).get_page(request.GET.get("page")),
        "rates": queries.timeliness_by_organisation(within, year),
    }
    return render_page(request, "due.html", context)
