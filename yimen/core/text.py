"""Chinese text for search: normalise, then segment with jieba the same way for the index and the query.

jieba loads its dictionary lazily (about 1.2 s and 70 MB per process), so only processes that index
or search pay for it. HMM is off on both sides: new-word discovery depends on context, and a word
found in a document but not in a two-character query would never match.

Names the segmenter must keep whole (organisations, service items) come from the apps that own them: each
registers a word source at start-up (`register_words`), and a search asks for the sources it needs
(`teach`), which are read again when their signature changes.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from yimen.core import memo

USER_DICT = Path(__file__).with_name("userdict.txt")
_TOKEN = re.compile(r"\w", re.UNICODE)
_lock = threading.Lock()
_ready = False


def _jieba() -> Any:
    global _ready
    import jieba

    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                jieba.load_userdict(str(USER_DICT))
                _ready = True
    return jieba


def warm_up() -> None:
    """Load the dictionary now: in gunicorn's master with --preload, every worker then shares it."""
    _jieba()


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), lower-case Latin letters."""
    return unicodedata.normalize("NFKC", text or "").lower()


_taught: set[str] = set()  # the words add_words() taught this process


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter names it should keep whole (organisation names). Call before indexing and
    searching; a word already taught is skipped."""
    jieba = _jieba()
    for word in words:
        word = normalize(word).strip()
        if len(word) >= 2 and word not in _taught:
            jieba.add_word(word, freq=20000)
            _taught.add(word)


# --- Taught words: names the apps keep whole ---------------------------------------------------------------

ORGANISATION_NAMES = "organisations"  # fed by org: each organisation's full name, then its other names
ITEM_NAMES = "items"  # fed by catalog: the names of the current public service items
RECHECK_SECONDS = 5.0  # how long a source's words are used before its signature is read again


_sources: dict[str, memo.Kept[int]] = {}  # source → its words, taught; the value is when (a generation)
# A full name → its other names (咸宁市市场监督管理局 → 市场监管局, 市场监督管理局 …): an index that holds the
# full name as one word can add the others, so a query for any of them finds the text. Only the full name
# brings the others: 人民政府 alone must not stand for 咸宁市人民政府.
aliases: dict[str, tuple[str, ...]] = {}
_generation = 0


def register_words(
    source: str, *, signature: Callable[[], object], names: Callable[[], Iterable[Sequence[str]]]
) -> None:
    """Called by the app that owns the names, when it is ready. `signature` is cheap (a count and a maximum
    id) and changes when the words may have; `names` reads them, each group a name and then the other
    names it stands for."""

    def learn() -> int:
        global _generation
        words: set[str] = set()
        for group in names():
            found = [word for word in (normalize(n).strip() for n in group) if len(word) >= 2]
            if found:
                words.update(found)
                aliases[found[0]] = tuple(n for n in found[1:] if n != found[0])
        add_words(words)
        _generation += 1
        return _generation

    _sources[source] = memo.Kept(learn, seconds=RECHECK_SECONDS, revision=signature)


def teach(*sources: str) -> int:
    """Keep the names of `sources` whole, in the index and in queries alike; returns a number that changes
    whenever the words taught changed (callers keeping segmented text drop it then).

    A source is read again only when its signature changed, checked at most every RECHECK_SECONDS
    (`core.memo`). A word learnt after documents containing it were indexed is found in them only once
    they are indexed again.
    """
    for source in sources:
        try:
            words = _sources[source]
        except KeyError:
            raise LookupError(
                f"no app registered the taught words {source!r} (text.register_words)"
            ) from None
        words()
    return _generation


def forget_taught() -> None:
    """Read every source again on next use (this process changed organisations or items)."""
    for words in _sources.values():
        words.forget()


def index_terms(text: str) -> str:
    """Space-separated tokens for the index: whole words and the shorter words inside them.

    jieba's `cut_for_search` emits only the two- and three-character words inside a longer one. Inside
    a taught name it also emits the longer ones: once a whole item name (烟草专卖零售许可证核发) is a word,
    a query for 烟草专卖, itself a word, must still find it. (Only there: for every long word it would
    make the publications' index an eighth slower to build and to search.)
    """
    jieba = _jieba()
    tokens: list[str] = []
    for token in jieba.cut_for_search(normalize(text), HMM=False):
        if not _TOKEN.search(token):
            continue
        length = len(token)
        if length > 4 and token in _taught:
            for size in range(4, length):
                grams = (token[i : i + size] for i in range(length - size + 1))
                tokens.extend(g for g in grams if jieba.get_FREQ(g))
        tokens.append(token)
    return " ".join(tokens)


def query_terms(text: str) -> list[str]:
    """The words of a query, each of which a matching document must contain."""
    tokens = _jieba().cut(normalize(text), HMM=False)
    seen: list[str] = []
    for token in tokens:
        token = token.strip()
        if _TOKEN.search(token) and token not in seen:
            seen.append(token)
    return seen
