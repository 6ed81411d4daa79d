"""Chinese text for search: normalise, then segment with jieba the same way for the index and the query.

jieba loads its dictionary lazily (about 1.2 s and 70 MB per process), so only processes that index
or search pay for it. HMM is off on both sides: new-word discovery depends on context, and a word
found in a document but not in a two-character query would never match.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

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
