"""Pure text helpers: normalisation for duplicate hashing and Indonesian stemming for search."""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

# Typographic variants that should not make two copies of one text differ.
_PUNCT_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
    }
)
_SPACE = re.compile(r"\s+")
# Letters and digits (no underscore): the same tokens SQLite FTS5 unicode61 sees.
_WORD = re.compile(r"[^\W_]+")

_local = threading.local()


def normalise_text(text: str) -> str:
    """Return ``text`` casefolded, NFKC-normalised, with quote/dash variants unified and
    whitespace collapsed, so that trivially different copies of a text compare equal."""
    text = unicodedata.normalize("NFKC", text or "").translate(_PUNCT_MAP).casefold()
    return _SPACE.sub(" ", text).strip()


def text_hash(text: str) -> str:
    """SHA-1 hex digest of the normalised text (the exact-duplicate fingerprint)."""
    return normalised_hash(normalise_text(text))


def normalised_hash(normalised: str) -> str:
    """:func:`text_hash` of a text already given to :func:`normalise_text`."""
    return hashlib.sha1(normalised.encode("utf-8")).hexdigest()


def _stemmer() -> snowballstemmer.stemmer:
    # Snowball stemmer objects keep state while stemming: one per thread.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("indonesian")
    return stemmer


@lru_cache(maxsize=200_000)
def stem_word(word: str) -> str:
    """Indonesian Snowball stem of one lower-case word (the algorithm PostgreSQL uses)."""
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """The casefolded word tokens of ``text``, in order."""
    return normalised_words(normalise_text(text))


def normalised_words(normalised: str) -> list[str]:
    """:func:`words` of a text already given to :func:`normalise_text`."""
    return _WORD.findall(normalised)


def stem_words(tokens: Iterable[str]) -> str:
    """Word tokens as space-separated Indonesian stems."""
    return " ".join(map(stem_word, tokens))


def stem_text(text: str) -> str:
    """The text as space-separated Indonesian stems."""
    return stem_words(words(text))


def search_text(title: str | None, text: str | None) -> str:
    """An article's SQLite full-text column: the stems of its title and text (the words of
    the two joined by a line break are the title's then the text's)."""
    return stem_text(f"{title or ''}\n{text or ''}")
