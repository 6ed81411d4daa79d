"""电子证照核验 on the portal."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError  # built with the verification page
