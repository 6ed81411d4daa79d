"""The office's publication forms. They parse what the editor typed; the rules live in
`publishing.content` and come back from the services as `ApplicationError.fields`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from yimen.core.errors import ApplicationError
from yimen.org.models import Staff
from yimen.org.permissions import organisations_for
from yimen.publishing.models import CatalogueNode, Kind, Publication, Validity
from yimen.publishing.services.catalogue import SETTINGS_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CONTENT = [
    "title",
    "kind",
    "document_number",
    "topic",
    "genre",
    "keywords",
    "written_on",
    "changed_on",
    "effective_on",
    "summary",
    "body",
]


def responsible_nodes(staff: Staff) -> QuerySet[CatalogueNode]:
    """The nodes `staff` may draft into: of an organisation they edit for, naming them or nobody."""
    nodes = CatalogueNode.objects.filter(is_active=True).select_related("organisation", "parent")
    reach = organisations_for(staff, "publication.edit")
    if reach is not None:
        nodes = nodes.filter(organisation_id__in=reach)
    nodes = nodes.filter(Q(editors__isnull=True) | Q(editors=staff)).distinct()
    return nodes.order_by("organisation__code", "position", "id")


class NodeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        prefix = f"{obj.parent.name} › " if obj.parent_id else ""
        return f"{obj.organisation.name} · {prefix}{obj.name}"


class PublicationForm(forms.Form):
    node = NodeChoice(label="公开目录", queryset=CatalogueNode.objects.none())
    title = forms.CharField(label="标题", max_length=300)
    kind = forms.ChoiceField(label="类别", choices=Kind.choices)
    document_number = forms.CharField(
        label="文号", max_length=80, required=False, help_text="规章和行政规范性文件必填"
    )
    topic = forms.CharField(label="主题分类", max_length=40, required=False)
    genre = forms.CharField(
        label="体裁", max_length=20, required=False, help_text="如：通知、公告、意见、办法"
    )
    keywords = forms.CharField(label="关键词", max_length=200, required=False, help_text="以空格分隔")
    written_on = forms.DateField(
        label="成文日期", widget=DATE, help_text="应公开日期从此日（或变更日期）起算 20 个工作日"
    )
    changed_on = forms.DateField(label="变更日期", widget=DATE, required=False)
    effective_on = forms.DateField(label="施行日期", widget=DATE, required=False)
    summary = forms.CharField(
        label="内容概述",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="留空则取正文开头",
    )
    body = forms.CharField(
        label="正文",
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        help_text="可粘贴 HTML（仅保留段落、标题、列表、表格、链接等安全格式）或纯文本（按行分段）",
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, staff: Staff, publication: Publication | None = None, **kwargs: Any):
        if publication is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(publication, name) for name in CONTENT} | {
                "node": publication.node_id,
                "lock_version": publication.lock_version,
                "revision_note": publication.revision_note,
            }
        super().__init__(*args, **kwargs)
        if publication is not None and publication.is_revision:
            changed_on = self.fields["changed_on"]
            changed_on.required = True
            changed_on.help_text = "修订时必填：应公开日期从变更日期起算 20 个工作日"
            self.fields["revision_note"] = forms.CharField(
                label="变更说明",
                max_length=200,
                required=False,
                widget=forms.TextInput(),
                help_text="写明变更了什么（如：调整第三条办理时限），提交审核时必填，发布后显示在门户网站的变更记录中",
            )
            order = list(self.fields)
            order.insert(order.index("changed_on") + 1, order.pop(order.index("revision_note")))
            self.order_fields(order)
        nodes = responsible_nodes(staff)
        if publication is not None:
            nodes = nodes.filter(organisation_id=publication.organisation_id)
        node_field = self.fields["node"]
        assert isinstance(node_field, forms.ModelChoiceField)
        node_field.queryset = nodes

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = [*CONTENT, "revision_note"] if "revision_note" in self.fields else CONTENT
        return {name: data.get(name) for name in names}


def show_errors(exc: ApplicationError, form: forms.Form) -> None:
    """The services' messages on their fields, or above the form."""
    for name, messages in exc.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)


class ValidityForm(forms.Form):
    validity = forms.ChoiceField(label="有效性", choices=Validity.choices)
    on = forms.DateField(label="日期", widget=DATE, required=False)


class GuideSettingsForm(forms.Form):
    """The 指南's contacts; lengths and required fields are checked by the service."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, (label, limit, required) in SETTINGS_FIELDS.items():
            widget = forms.Textarea(attrs={"rows": 4}) if name == "notes" else forms.TextInput()
            self.fields[name] = forms.CharField(label=label, max_length=limit, required=False, widget=widget)
            if required:
                self.fields[name].label_suffix = "（必填）"
