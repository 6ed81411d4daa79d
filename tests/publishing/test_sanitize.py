"""A publication's body keeps its formatting and loses anything that could run in a reader's browser."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yimen.publishing.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, clean_html, paragraphs_html, text_of


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>通知<script>alert(1)</script></p>", "<p>通知</p>"),
        ('<p onclick="steal()" onmouseover="x">正文</p>', "<p>正文</p>"),
        ('<img src="x" onerror="alert(1)">', '<img src="x">'),
        ('<a href="javascript:alert(1)">链接</a>', "<a>链接</a>"),
        ('<a href=" JaVa&#x09;ScRiPt:alert(1)">链接</a>', "<a>链接</a>"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">链接</a>', "<a>链接</a>"),
        (
            '<a href="https://www.gov.cn/zhengce/">国务院</a>',
            '<a href="https://www.gov.cn/zhengce/">国务院</a>',
        ),
        ('<a href="/open/12/">相关文件</a>', '<a href="/open/12/">相关文件</a>'),
        ("<style>body{display:none}</style><p>可见</p>", "<p>可见</p>"),
        ("<iframe src='https://evil.example'></iframe>后文", "后文"),
        ("<svg><script>alert(1)</script></svg>后文", "后文"),
        ('<p style="color:red" class="x">正文</p>', "<p>正文</p>"),
        ("<!-- 注释 --><p>正文</p>", "<p>正文</p>"),
        ("<h1>标题</h1>", "<h2>标题</h2>"),
        ("<p>未闭合<strong>加粗", "<p>未闭合<strong>加粗</strong></p>"),
        ("<p>a &lt;b&gt; c</p>", "<p>a &lt;b&gt; c</p>"),
        ("<blink>文字</blink>", "文字"),
        (  # the parser adds the <tbody> a browser would add
            '<table><tr><td colspan="2" onclick="x">甲</td></tr></table>',
            '<table><tbody><tr><td colspan="2">甲</td></tr></tbody></table>',
        ),
        ('<svg onload="alert(1)"><circle r="1"/></svg>后文', "后文"),
        ("<svg/onload=alert(1)>", ""),
        ('<a href=" jav&#x09;ascript:alert(1)">链接</a>', "<a>链接</a>"),
        ("<img src=x onerror=alert(1)>", '<img src="x">'),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="图">', '<img alt="图">'),
        ('<a href="DATA:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">链接</a>', "<a>链接</a>"),
        ("<scr<script>ipt>alert(1)</script>", "ipt&gt;alert(1)"),
        ("<scr<script>ipt>alert(1)</scr</script>ipt>", "ipt&gt;alert(1)ipt&gt;"),
        ('<a href="vbscript:msgbox(1)">链接</a>', "<a>链接</a>"),
        ('<math><mi xlink:href="javascript:alert(1)">x</mi></math>后文', "后文"),
        ('<td colspan="2;x">甲</td><img src="a.png" width="100%">', '甲<img src="a.png">'),
        ('<a href="mailto:gk@xianning.gov.cn">来信</a>', '<a href="mailto:gk@xianning.gov.cn">来信</a>'),
    ],
)
def test_scripts_handlers_and_unsafe_links_are_removed(dirty: str, clean: str) -> None:
    assert clean_html(dirty) == clean


def test_the_plain_text_has_one_line_per_paragraph() -> None:
    assert text_of(
        "<h2>第一章</h2><p>第一条 内容。</p><script>x</script><table><tr><td>甲</td><td>乙</td></tr></table>"
    ) == ("第一章\n第一条 内容。\n甲 乙")


def test_plain_text_becomes_escaped_paragraphs() -> None:
    assert paragraphs_html("第一段\n\n<第二段>") == "<p>第一段</p><p>&lt;第二段&gt;</p>"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


_PIECES = st.sampled_from(
    [
        "<script>",
        "</script>",
        "<scr",
        "ipt>",
        "<svg onload=alert(1)>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">',
        "<a href=' java\tscript:x'>",
        "<p style='x'>",
        "</p>",
        "<!--",
        "-->",
        "<iframe>",
        "<b>",
        "正文",
        "&lt;",
        '"',
        "'",
        ">",
        "<",
        "/",
        "on",
        "click=",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_whatever_is_pasted_only_allowed_tags_and_attributes_come_out(dirty: str) -> None:
    cleaned = clean_html(dirty)
    parser = _Tags()
    parser.feed(cleaned)
    parser.close()
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, frozenset())
            assert "script:" not in (value or "").lower().replace("\t", "")
    assert clean_html(cleaned) == cleaned  # stable: cleaning again changes nothing
