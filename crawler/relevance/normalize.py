"""Text normalisation shared by the relevance rules and the gazetteer.

Tokens are runs of letters and digits; ``fold`` lowercases and strips accents; ``stem`` is the
Snowball Indonesian stemmer (the algorithm PostgreSQL's ``indonesian`` configuration uses),
memoised because news vocabulary repeats heavily from one article to the next.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

__all__ = ["Token", "fold", "stem", "tokenize", "stems", "phrase_key"]

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("indonesian")


class Token(tuple):
    """``(text, start, end)`` of one token in the original string."""

    __slots__ = ()

    @property
    def text(self) -> str:
        return self[0]


def fold(text: str) -> str:
    """Lowercase and strip accents ("Kabupaten Pidië" -> "kabupaten pidie")."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """``(original token, start, end)`` for each run of letters/digits; "e-government" gives two."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball Indonesian stem of one folded word ("pelayanan" -> "layan")."""
    return _STEMMER.stemWord(word)


def stems(text: str) -> list[str]:
    """Folded, stemmed tokens of ``text``."""
    return [stem(fold(t)) for t, _, _ in tokenize(text)]


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The stemmed token tuple a vocabulary phrase is matched by."""
    return tuple(stems(phrase))
