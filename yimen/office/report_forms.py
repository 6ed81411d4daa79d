"""Forms of the annual report pages: start a report, edit its text sections, return it with a reason."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.utils import timezone

from yimen.org.models import Organisation
from yimen.reports.document import AnnualReportData
from yimen.reports.reminders import REPORTING_KINDS


def reporting_organisations(visible: Collection[int] | None) -> Any:
    found = Organisation.objects.filter(is_active=True, kind__in=REPORTING_KINDS).order_by("code")
    return found if visible is None else found.filter(pk__in=list(visible))


class StartForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="机构",
        queryset=Organisation.objects.none(),
        error_messages={"required": "机构：请选择", "invalid_choice": "机构：不在您可编制的范围内"},
    )
    year = forms.IntegerField(
        label="报告年度",
        error_messages={"required": "报告年度：必填", "invalid": "报告年度：应为四位年份，如 2023"},
    )

    def __init__(self, *args: Any, visible: Collection[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisation"]
        field.queryset = reporting_organisations(visible)
        self.fields["year"].initial = timezone.localdate().year - 1


def section_field(index: int) -> str:
    return f"section_{index}"


class NarrativeForm(forms.Form):
    """One text area per section the officer writes, named by its position in the report."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, doc: AnnualReportData, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.titles: dict[str, str] = {}
        for index, section in enumerate(doc.sections, start=1):
            if not section.editable:
                continue
            name = section_field(index)
            self.titles[name] = section.title
            self.fields[name] = forms.CharField(
                label=section.title,
                initial=section.text,
                required=False,
                widget=forms.Textarea(attrs={"rows": max(4, min(18, section.text.count("\n") * 2 + 4))}),
                help_text="每行一段；以“（一）”等开头的小标题单独成行。",
            )

    def texts(self) -> dict[str, str]:
        return {title: self.cleaned_data.get(name, "") for name, title in self.titles.items()}

    def show(self, fields: dict[str, list[str]]) -> None:
        by_title = {title: name for name, title in self.titles.items()}
        for title, errors in fields.items():
            for error in errors:
                self.add_error(by_title.get(title), error)


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
