"""The web layer's pages that domain code links to — in an SMS, on a printed notice, in a feed or an API
answer — without naming the web layer's routes.

The portal registers each page under the domain's name for it ("case.evaluation") when it is ready; domain
code asks for the page's path by that name. So the domain apps never import portal or office, and a route
renamed in the portal is renamed in one place.
"""

from __future__ import annotations

from django.urls import reverse

_routes: dict[str, str] = {}


def register(page: str, route: str) -> None:
    """`page` is served by the URL named `route` ("namespace:name"), which takes the page's arguments."""
    _routes[page] = route


def registered() -> dict[str, str]:
    """Every page registered so far, with its route."""
    return dict(_routes)


def path(page: str, *args: str | int) -> str:
    """The path of `page` for `args`: path("item.guide", "11421200MB1234567X0001") → /guide/…/."""
    try:
        route = _routes[page]
    except KeyError:
        raise LookupError(
            f"no page registered as {page!r}: the web layer registers its pages at start-up (core.pages)"
        ) from None
    return reverse(route, args=args)
