"""Search snippets built in Python: a window of the original text with matched words marked."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from storage.textnorm import stem_word

_WORD = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s+")


def make_snippet(
    text: str, stems: Collection[str], *, size: int = 30, start: str = "[", stop: str = "]"
) -> str:
    """About ``size`` words of ``text`` around the densest run of words whose stem is in
    ``stems``, each such word wrapped in ``start``/``stop``; "…" marks cut ends."""
    if not text:
        return ""
    tokens = list(_WORD.finditer(text))
    if not tokens:
        return _SPACE.sub(" ", text).strip()[:200]
    hits = [
        bool(stems) and stem_word(unicodedata.normalize("NFKC", m.group()).casefold()) in stems
        for m in tokens
    ]
    # Sliding window with the most hits; earliest wins ties.
    best, count = 0, sum(hits[:size])
    best_count = count
    for first in range(1, max(1, len(tokens) - size + 1)):
        count += hits[first + size - 1] - hits[first - 1]
        if count > best_count:
            best, best_count = first, count
    if best_count:
        # Start a little before the first hit so it has some context.
        first_hit = next(i for i in range(best, min(best + size, len(tokens))) if hits[i])
        best = max(0, min(best, first_hit - 3))
    window = range(best, min(best + size, len(tokens)))
    parts: list[str] = []
    cursor = tokens[window.start].start()
    for i in window:
        m = tokens[i]
        parts.append(text[cursor : m.start()])
        parts.append(f"{start}{m.group()}{stop}" if hits[i] else m.group())
        cursor = m.end()
    if window.stop >= len(tokens):
        parts.append(text[cursor:])
    snippet = _SPACE.sub(" ", "".join(parts)).strip()
    if window.start > 0:
        snippet = "… " + snippet
    if window.stop < len(tokens):
        snippet += " …"
    return snippet
