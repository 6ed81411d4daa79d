"""The office's 公开目录与指南: the catalogue tree with each node's responsible office and editors, new
nodes, and the 政府信息公开指南's contacts. Changes go through `publishing.services.catalogue`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yimen.core.errors import ApplicationError
from yimen.office.publishing_forms import GuideSettingsForm, show_errors
from yimen.office.publishing_views import refused, render_page
from yimen.office.views import signed_in
from yimen.org.models import Organisation
from yimen.org.permissions import can
from yimen.publishing import queries
from yimen.publishing.models import CatalogueNode, DisclosureSettings
from yimen.publishing.services import catalogue as catalogue_steps
from yimen.publishing.services.catalogue import SETTINGS_FIELDS, organisations_kept_by


def _organisation(request: HttpRequest) -> tuple[Organisation | None, list[Organisation]]:
    """The organisation asked for (?org=), else the person's own, among those they keep."""
    staff = signed_in(request)
    kept = organisations_kept_by(staff)
    wanted = request.GET.get("org") or request.POST.get("org") or staff.organisation_id
    chosen = next((o for o in kept if str(o.pk) == str(wanted)), kept[0] if kept else None)
    return chosen, kept


def _page(
    request: HttpRequest, organisation: Organisation, kept: list[Organisation], **extra: object
) -> HttpResponse:
    staff = signed_in(request)
    status = int(str(extra.pop("status", 200)))
    context = {
        "organisation": organisation,
        "kept": kept,
        "tree": queries.catalogue_tree(organisation),
        "contacts": queries.guide_contacts(organisation),
        "is_head": can(staff, "publication.review", organisation),
        "may_draft": can(staff, "publication.edit", organisation),
        **extra,
    }
    return render_page(request, "catalogue.html", context, status=status)


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    organisation, kept = _organisation(request)
    if organisation is None:
        return render(request, "office/forbidden.html", status=403)
    return _page(request, organisation, kept)


@require_POST
@login_required
def catalogue_create(request: HttpRequest) -> HttpResponse:
    """建立默认公开目录: the 条例's tree for an organisation that has none yet (or lacks some nodes)."""
    organisation, _ = _organisation(request)
    if organisation is None:
        return render(request, "office/forbidden.html", status=403)
    nodes = catalogue_steps.ensure_catalogue(organisation=organisation)
    messages.success(request, f"{organisation.name}的公开目录共 {len(nodes)} 个栏目。")
    return redirect(f"{reverse('office_publishing:catalogue')}?org={organisation.pk}")


@require_POST
@login_required
def node_add(request: HttpRequest) -> HttpResponse:
    organisation, kept = _organisation(request)
    if organisation is None:
        return render(request, "office/forbidden.html", status=403)
    parent_id = request.POST.get("parent", "")
    parent = CatalogueNode.objects.filter(pk=parent_id).first() if parent_id.isdigit() else None
    try:
        node = catalogue_steps.add_node(
            organisation=organisation,
            by=signed_in(request),
            parent=parent,
            code=request.POST.get("code", ""),
            name=request.POST.get("name", ""),
        )
    except ApplicationError as exc:
        if exc.status != 422:
            return refused(request, exc)
        return _page(request, organisation, kept, failure=exc, status=422)
    messages.success(request, f"已新增栏目“{node.name}”。")
    return redirect(f"{reverse('office_publishing:catalogue')}?org={organisation.pk}")


class NodeForm(forms.Form):
    name = forms.CharField(label="名称", max_length=60)
    responsible_office = forms.CharField(label="责任科室", max_length=60, required=False)
    editors = forms.TypedMultipleChoiceField(
        label="责任编辑", coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="不选则本机构所有主动公开编辑均可在该栏目起草",
    )  # fmt: skip


@login_required
def node_edit(request: HttpRequest, pk: int) -> HttpResponse:
    node = get_object_or_404(CatalogueNode.objects.select_related("organisation"), pk=pk)
    staff = signed_in(request)
    if not can(staff, "publication.review", node) and not can(staff, "publication.edit", node):
        raise Http404("没有这个栏目")
    candidates = catalogue_steps.eligible_editors(node.organisation)
    initial = {
        "name": node.name,
        "responsible_office": node.responsible_office,
        "editors": list(node.editors.values_list("pk", flat=True)),
    }
    form = NodeForm(request.POST if request.method == "POST" else None, initial=initial)
    editors_field = form.fields["editors"]
    assert isinstance(editors_field, forms.TypedMultipleChoiceField)
    editors_field.choices = [(s.pk, f"{s.full_name or s.username}（{s.username}）") for s in candidates]
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                catalogue_steps.assign_node(
                    node=node,
                    by=staff,
                    name=form.cleaned_data["name"],
                    responsible_office=form.cleaned_data["responsible_office"],
                    editor_ids=form.cleaned_data["editors"],
                )
            except ApplicationError as exc:
                if exc.status != 422:
                    return refused(request, exc)
                show_errors(exc, form)
            else:
                messages.success(request, f"栏目“{form.cleaned_data['name']}”的责任已更新。")
                return redirect(f"{reverse('office_publishing:catalogue')}?org={node.organisation_id}")
        status = 422
    context = {"node": node, "form": form, "is_head": can(staff, "publication.review", node)}
    return render_page(request, "node.html", context, status=status)


@login_required
def guide_settings(request: HttpRequest) -> HttpResponse:
    organisation, _ = _organisation(request)
    if organisation is None:
        return render(request, "office/forbidden.html", status=403)
    current = DisclosureSettings.objects.filter(organisation=organisation).first()
    contacts = queries.guide_contacts(organisation)
    initial = {name: getattr(current or contacts, name, "") for name in SETTINGS_FIELDS}
    form = GuideSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                catalogue_steps.save_guide_settings(
                    organisation=organisation, by=signed_in(request), fields=form.cleaned_data
                )
            except ApplicationError as exc:
                if exc.status != 422:
                    return refused(request, exc)
                show_errors(exc, form)
            else:
                messages.success(request, "政府信息公开指南已更新，门户网站上的指南随即生效。")
                return redirect(f"{reverse('office_publishing:catalogue')}?org={organisation.pk}")
        status = 422
    return render_page(request, "settings.html", {"organisation": organisation, "form": form}, status=status)
