"""The words of the publication search: 文号 spelt one way, text segmented clause by clause with jieba
(`yimen.core.text`, as the catalogue), the title's single characters, and the names taught to core.text
(organisations by org, service items by catalog), kept the same for indexing and for queries."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from yimen.core import text

# 文号: 机关代字〔年份〕序号号, typed with any kind of bracket (〔〕 [] ［］ 【】 （） ()).
_OPEN, _CLOSE = "〔[［【(（", "〕]］】)）"
_BRACKETS = str.maketrans({**{c: "〔" for c in _OPEN}, **{c: "〕" for c in _CLOSE}})
DOCUMENT_NUMBER = re.compile(r"([^\s〔〕]*)〔\s*((?:19|20)\d\d)\s*〕\s*第?\s*(\d+)\s*号")
# jieba splits text into blocks at every character outside this class; such a character that is not a
# word character never becomes a token either, so text cut there segments exactly as the whole does.
_PIECE_BOUNDARY = re.compile(r"[^\w+#&.%\-]+")


def normalize_document_number(value: str) -> str:
    """One spelling for a 文号: half-width letters and digits, 〔〕 for any bracket, no spaces, no 第."""
    value = unicodedata.normalize("NFKC", value or "").translate(_BRACKETS)
    value = re.sub(r"\s+", "", value)
    return DOCUMENT_NUMBER.sub(lambda m: f"{m[1]}〔{m[2]}〕{int(m[3])}号", value)


def is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def title_characters(title: str) -> str:
    """The title's Chinese characters, each once: one- and two-character queries and words jieba keeps
    inside longer ones are found through them (then checked with LIKE)."""
    return " ".join(c for c in dict.fromkeys(text.normalize(title)) if is_cjk(c))


@lru_cache(maxsize=200_000)
def _piece_terms(piece: str) -> str:
    # jieba cuts 咸宁市市场监督管理局 as one word (it was taught the full name), so a query for 市场监督管理局
    # would not find it: the index holds the other names too (text.aliases).
    terms = text.index_terms(piece)
    names = [other for term in terms.split() if term in text.aliases for other in text.aliases[term]]
    return f"{terms} {' '.join(names)}" if names else terms


def clear_clause_cache() -> None:
    _piece_terms.cache_clear()


def index_terms(value: str) -> str:
    """`text.index_terms`, clause by clause: documents repeat clauses (特此通知, 各县市区人民政府…), and each
    distinct clause is segmented once per process (the same words as segmenting the whole text); an
    organisation's name brings its other names."""
    pieces = _PIECE_BOUNDARY.split(text.normalize(value))
    return " ".join(terms for piece in pieces if piece and (terms := _piece_terms(piece)))


_generation: int | None = None  # of core.text's taught words, when the clauses were last cut


def teach_words() -> None:
    """Keep organisation names and service item names whole in the index and in queries alike.

    core.text reads them again only when organisations or public items changed (cheap signatures, at most
    every few seconds); the clauses segmented with the words before are cut again. A word learnt after
    documents containing it were indexed is found in them only after `yimen search reindex`.
    """
    global _generation
    generation = text.teach(text.ORGANISATION_NAMES, text.ITEM_NAMES)
    if generation != _generation:
        _generation = generation
        clear_clause_cache()


def forget_words() -> None:
    """Re-read the words on next use (tests create organisations and items between searches)."""
    text.forget_taught()
