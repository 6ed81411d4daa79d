"""A citizen finds 政务公开信息检索 from /open/ and from every 目录 page under it: a labelled box that
sends the query to the search page, scoped to the organisation or node shown."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.conftest import Cast
from tests.publishing.conftest import Desk, make_desk, recording_search
from yimen.publishing import search_words
from yimen.publishing.models import Kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> Desk:
    search_words.forget_words()
    return make_desk(cast, recording_search(monkeypatch))


class SearchForm(HTMLParser):
    """The page's search form (role="search"): its method, action, fields and the labels' texts."""

    def __init__(self) -> None:
        super().__init__()
        self.method = self.action = ""
        self.fields: dict[str, str] = {}  # name → value (the text field's value is "")
        self.text_field_id = ""
        self.labels: dict[str, str] = {}  # the id a visible label is for → its text
        self._in_form = False
        self._label_for: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("role") == "search" and not self.action:
            self._in_form, self.method, self.action = True, a.get("method", ""), a.get("action", "")
        elif self._in_form and tag == "input":
            self.fields[a["name"]] = a.get("value", "")
            if a.get("type") == "text":
                self.text_field_id = a.get("id", "")
        elif self._in_form and tag == "label" and "visually-hidden" not in a.get("class", ""):
            self._label_for = a.get("for", "")
            self.labels[self._label_for] = ""

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self.labels[self._label_for] += data.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_for = None
        elif tag == "form":
            self._in_form = False


def _search_form(client: Client, url: str) -> SearchForm:
    response = client.get(url)
    assert response.status_code == 200
    form = SearchForm()
    form.feed(response.content.decode())
    return form


def _submit(client: Client, form: SearchForm, query: str) -> str:
    """What pressing 检索 sends: the form's fields, the query typed in its text field."""
    assert form.method == "get" and form.action == "/open/search/"
    fields = {**form.fields, "q": query}
    return client.get(f"{form.action}?{urlencode(fields)}").content.decode()


def test_the_open_index_has_a_labelled_search_box_that_finds_publications(desk, client) -> None:
    published = desk.published()
    desk.published(
        "gzdt",
        title="关于开展安全生产专项检查的工作动态",
        kind=Kind.NEWS,
        document_number="",
        keywords="安全生产",
        body="<p>检查组深入各进驻单位。</p>",
    )
    form = _search_form(client, "/open/")
    assert form.text_field_id == "q" and form.labels.get("q") == "检索政务公开信息"
    assert form.fields == {"q": ""}  # the whole of 政务公开, not one organisation
    html = _submit(client, form, "办理时限")
    assert "共找到 1 条信息" in html and published.get_absolute_url() in html
    assert "安全生产专项检查" not in html


def test_the_catalogue_pages_search_within_what_they_show(desk, client) -> None:
    desk.published()
    news = desk.published(
        "gzdt", title="政务服务中心办理时限公开承诺的工作动态", kind=Kind.NEWS, document_number=""
    )
    organisation = _search_form(client, "/open/org/ZWFW/")
    assert organisation.labels.get("q") == "在本机构中检索"
    assert organisation.fields == {"q": "", "org": "ZWFW"}
    assert "共找到 2 条信息" in _submit(client, organisation, "办理时限")
    node = _search_form(client, "/open/org/ZWFW/gzdt/")
    assert node.labels.get("q") == "在本栏目中检索"
    assert node.fields == {"q": "", "org": "ZWFW", "node": "gzdt"}
    html = _submit(client, node, "办理时限")
    assert "共找到 1 条信息" in html and news.get_absolute_url() in html


def test_the_guide_points_to_the_search(desk, client) -> None:
    html = client.get("/open/org/ZWFW/guide/").content.decode()
    assert 'href="/open/search/?org=ZWFW" data-testid="guide-search"' in html
