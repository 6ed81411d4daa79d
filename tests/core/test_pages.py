"""core.pages: domain code links to the portal's pages by the domain's name for them, never by route."""

from __future__ import annotations

import pytest

from yimen.core import pages


def test_a_registered_page_gives_the_portals_path() -> None:
    assert pages.path("item.guide", "11421200MB0001") == "/guide/11421200MB0001/"
    assert pages.path("publication.attachment", 7, 3) == "/open/7/files/3/"
    assert pages.path("request.tracking") == "/disclosure/track/"


def test_a_page_nobody_registered_is_an_error_naming_it() -> None:
    with pytest.raises(LookupError, match=r"no page registered as 'case\.unknown'"):
        pages.path("case.unknown")
