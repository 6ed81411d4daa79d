"""A publication's body as safe HTML: an allowlist of tags and attributes, everything else dropped.

The body is parsed and written out again tag by tag, so nothing the parser did not understand reaches
the page: scripts, styles, frames and forms are removed with their content, event handlers
(`onclick` …) and `style` attributes never pass, and links keep only http(s), mailto and relative
addresses (`javascript:` in any spelling is refused). Unknown tags are unwrapped: their text stays.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

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
URL_ATTRIBUTES = frozenset({"href", "src"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
NUMERIC_ATTRIBUTES = frozenset({"colspan", "rowspan", "width", "height", "start"})
RENAMED = {"h1": "h2"}  # the page's own title is the only h1
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
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def safe_url(value: str) -> str | None:
    """The address if it is relative or uses an allowed scheme; None for `javascript:`, `data:` …"""
    compact = _CONTROL.sub("", value)
    scheme, colon, _ = compact.partition(":")
    if colon and "/" not in scheme and "?" not in scheme and "#" not in scheme:
        return value.strip() if scheme.lower() in SAFE_SCHEMES else None
    return value.strip()


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.skipping = 0  # depth inside a dropped element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            if tag not in VOID_TAGS:
                self.skipping += 1
            return
        if tag in DROPPED_WITH_CONTENT:
            self.skipping = 1
            return
        tag = RENAMED.get(tag, tag)
        if tag not in ALLOWED_TAGS:
            return
        kept = []
        allowed = ALLOWED_ATTRIBUTES.get(tag, frozenset())
        for name, value in attrs:
            if name not in allowed or value is None:
                continue
            if name in URL_ATTRIBUTES:
                url = safe_url(value)
                if url is None:
                    continue
                value = url
            if name in NUMERIC_ATTRIBUTES and not value.strip().isdigit():
                continue
            kept.append(f' {name}="{escape(value, quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping -= 1
            return
        tag = RENAMED.get(tag, tag)
        if tag not in self.open:
            return
        while self.open:
            current = self.open.pop()
            self.out.append(f"</{current}>")
            if current == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(escape(data, quote=False))

    def result(self) -> str:
        self.close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out).strip()


def clean_html(html: str) -> str:
    """The body with only allowed tags and attributes; comments, scripts and handlers removed."""
    cleaner = _Cleaner()
    cleaner.feed(html or "")
    return cleaner.result()


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
