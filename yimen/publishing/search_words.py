"""The words of the publication search: 文号 spelt one way, text segmented clause by clause with jieba
(`yimen.core.text`, as the catalogue), the title's single characters, and the user dictionary of
organisation and service item names, kept the same for indexing and for queries."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.db.models import Count, Max

from yimen.core import memo, text

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


# An organisation's full name → its other names: jieba cuts 咸宁市市场监督管理局 as one word (it was
# taught the full name), so a query for 市场监督管理局 would not find it; the index holds both.
_other_names: dict[str, tuple[str, ...]] = {}


@lru_cache(maxsize=200_000)
def _piece_terms(piece: str) -> str:
    terms = text.index_terms(piece)
    names = [other for term in terms.split() if term in _other_names for other in _other_names[term]]
    return f"{terms} {' '.join(names)}" if names else terms


def clear_clause_cache() -> None:
    _piece_terms.cache_clear()


def index_terms(value: str) -> str:
    """`text.index_terms`, clause by clause: documents repeat clauses (特此通知, 各县市区人民政府…), and each
    distinct clause is segmented once per process (the same words as segmenting the whole text); an
    organisation's name brings its other names."""
    pieces = _PIECE_BOUNDARY.split(text.normalize(value))
    return " ".join(terms for piece in pieces if piece and (terms := _piece_terms(piece)))


RECHECK_SECONDS = 5.0


def _signature() -> tuple[object, ...]:
    from yimen.catalog.models import ServiceItem
    from yimen.org.models import Organisation

    organisations = Organisation.objects.aggregate(n=Count("id"), top=Max("id"))
    items = ServiceItem.objects.filter(current__isnull=False).aggregate(n=Count("id"), top=Max("current_id"))
    return organisations["n"], organisations["top"], items["n"], items["top"]


@memo.kept(seconds=RECHECK_SECONDS, revision=_signature)
def teach_words() -> None:
    """Keep organisation names and service item names whole in the index and in queries alike.

    Read again only when organisations or public items changed (two cheap aggregates, at most every
    few seconds). A word learnt after documents containing it were indexed is found in them only after
    `yimen search reindex`.
    """
    from yimen.catalog.models import ServiceItem
    from yimen.catalog.search import organisation_names
    from yimen.org.models import Organisation

    words: set[str] = set()
    for name, short in Organisation.objects.values_list("name", "short_name"):
        full, *others = [text.normalize(n) for n in organisation_names(name, short) if len(n) >= 2]
        words.update([full, *others])
        # Only the full name brings the others: 人民政府 alone must not stand for 咸宁市人民政府.
        _other_names[full] = tuple(n for n in others if n != full)
    names = ServiceItem.objects.filter(current__isnull=False, retired_at__isnull=True)
    for name in names.values_list("current__name", flat=True).distinct():
        term = re.split(r"[（(]", name, maxsplit=1)[0].strip()
        if 4 <= len(term) <= 16:
            words.add(term)
    text.add_words(words)
    clear_clause_cache()


def forget_words() -> None:
    """Re-read the words on next use (tests create organisations and items between searches)."""
    teach_words.forget()
