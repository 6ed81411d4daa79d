"""A publication's body as safe HTML: an allowlist of tags and attributes, everything else dropped.

The cleaning is Ammonia's (through `nh3`): the body is parsed as a browser would (html5ever) and
written out again with only the allowed tags and attributes, so nothing the parser did not understand
reaches the page. Scripts, styles, frames, forms and SVG/MathML are removed with their content, event
handlers (`onclick` …) and `style` attributes never pass, and links keep only http(s), mailto and
relative addresses (`javascript:` or `data:` in any spelling is refused). Unknown tags are unwrapped:
their text stays. The page's own title is its only `<h1>`, so a pasted `<h1>` becomes `<h2>`.

The plain text for search and summaries (`text_of`) is read from HTML that was already cleaned.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "ul",
        "ol",
        "li",
        "blockquote",
        "pre",
        "code",
        "span",
        "div",
        "table",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "a",
        "img",
    }
)
VOID_TAGS = frozenset({"br", "hr", "img"})
# Removed together with everything inside them.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "noscript",
        "template",
        "svg",
        "math",
        "form",
        "textarea",
        "select",
        "button",
        "input",
        "title",
        "head",
        "meta",
        "link",
        "base",
    }
)
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "ol": frozenset({"start"}),
}
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
NUMERIC_ATTRIBUTES = frozenset({"colspan", "rowspan", "width", "height", "start"})
_H1 = re.compile(r"<(/?)h1(?=[\s/>])", re.IGNORECASE)
BLOCK_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "tr",
        "div",
        "blockquote",
        "pre",
        "table",
        "caption",
    }
)


def _attribute(tag: str, name: str, value: str) -> str | None:
    """Sizes and spans are numbers or nothing (Ammonia has already checked names and URL schemes)."""
    if name in NUMERIC_ATTRIBUTES:
        return value.strip() if value.strip().isdigit() else None
    return value


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute,
    url_schemes=set(SAFE_SCHEMES),
    strip_comments=True,
    link_rel=None,
)


def clean_html(html: str) -> str:
    """The body with only allowed tags and attributes; comments, scripts and handlers removed."""
    return _cleaner.clean(_H1.sub(r"<\1h2", html or "")).strip()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping or tag in DROPPED_WITH_CONTENT:
            self.skipping += tag not in VOID_TAGS
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping -= 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def text_of(html: str) -> str:
    """The body's plain text (for search, summaries and feeds): one line per paragraph."""
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def paragraphs_html(text: str) -> str:
    """Plain text as HTML paragraphs (for bodies typed without markup and for generated documents)."""
    blocks = [" ".join(line.split()) for line in (text or "").splitlines()]
    return "".join(f"<p>{escape(block, quote=False)}</p>" for block in blocks if block)
