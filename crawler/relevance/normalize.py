"""Text normalisation shared by the relevance rules and the gazetteer.

Tokens are runs of letters and digits; ``fold`` lowercases and strips accents; ``stem`` is the
Snowball Indonesian stemmer (the algorithm PostgreSQL's ``indonesian`` configuration uses),
memoised because news vocabulary repeats heavily from one article to the next.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import accumulate

import snowballstemmer

__all__ = ["fold", "fold_word", "stem", "tokenize", "tokens_and_starts", "stems", "phrase_key"]

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_TOKEN_SPLIT = re.compile(r"([^\W_]+)", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("indonesian")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lowercase and strip accents ("Kabupaten Pidië" -> "kabupaten pidie")."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """:func:`fold` of one token, memoised (tokens repeat within and across articles)."""
    return fold(word)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """``(original token, start, end)`` for each run of letters/digits; "e-government" gives two."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def tokens_and_starts(text: str) -> tuple[list[str], list[int]]:
    """The tokens of :func:`tokenize` and their start offsets, in one pass and without match
    objects: the text split around its tokens, the offsets summed from the pieces' lengths."""
    pieces = _TOKEN_SPLIT.split(text)  # [gap, token, gap, token, ..., gap]
    offsets = list(accumulate(map(len, pieces)))
    return pieces[1::2], offsets[0:-1:2]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball Indonesian stem of one folded word ("pelayanan" -> "layan")."""
    return _STEMMER.stemWord(word)


def stems(text: str) -> list[str]:
    """Folded, stemmed tokens of ``text``."""
    return list(map(stem, _TOKEN.findall(fold(text))))


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The stemmed token tuple a vocabulary phrase is matched by."""
    return tuple(stems(phrase))
