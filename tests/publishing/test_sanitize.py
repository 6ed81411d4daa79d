"""A publication's body keeps its formatting and loses anything that could run in a reader's browser."""

from __future__ import annotations

import pytest

from yimen.publishing.sanitize import clean_html, paragraphs_html, text_of


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
        (
            '<table><tr><td colspan="2" onclick="x">甲</td></tr></table>',
            '<table><tr><td colspan="2">甲</td></tr></table>',
        ),
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
