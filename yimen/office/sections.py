"""An office section's frame, the same for cases, the catalogue, disclosure, publishing, reports and work
orders: the navigation bar of the pages the person's roles open, the section's pages rendered in its
folder, and the one refusal page (403 for a missing role, 409 for a step the object's state no longer
allows) that leads back to the object or to the section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from yimen.core.errors import ApplicationError
from yimen.office.views import signed_in
from yimen.org.permissions import can


@dataclass(frozen=True)
class Section:
    folder: str  # the templates' folder, e.g. "office/cases"
    home: tuple[str, str]  # a refusal without an object leads here: (label, URL name)
    detail: tuple[str, str] | None = None  # … and with one, to its page: (label, URL name taking its pk)
    pages: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (label, URL name, roles any of which open it)

    def links(self, staff: Any) -> list[tuple[str, str]]:
        """The section's pages this person may open, for the navigation bar."""
        found = []
        for label, name, actions in self.pages:
            if any(can(staff, action) for action in actions):
                try:
                    found.append((label, reverse(name)))
                except NoReverseMatch:  # a page not mounted in this URLconf
                    continue
        return found

    def render(
        self, request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        return self._page(request, f"{self.folder}/{template}", context, status)

    def refused(
        self, request: HttpRequest, exc: ApplicationError, subject: Model | None = None
    ) -> HttpResponse:
        """The rules' refusal as a page with its status, linking back to `subject` when there is one."""
        if subject is not None and self.detail is not None:
            label, url = self.detail[0], reverse(self.detail[1], args=[subject.pk])
        else:
            label, url = self.home[0], reverse(self.home[1])
        context = {"error": exc, "layout": f"{self.folder}/layout.html", "back_label": label, "back_url": url}
        return self._page(request, "office/refused.html", context, exc.status)

    def _page(
        self, request: HttpRequest, template: str, context: dict[str, Any], status: int
    ) -> HttpResponse:
        context = {"section_links": self.links(signed_in(request)) if self.pages else [], **context}
        return render(request, template, context, status=status)
