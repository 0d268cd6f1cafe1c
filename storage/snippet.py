"""Search snippets built in Python: a window of the original text with matched words marked.

The work is bounded whatever the length of the text: the first matched word is looked for in
the first ``SCAN_CHARS`` characters only, and the snippet is chosen among the words of the
``REGION_CHARS`` characters from there (:func:`snippet_span`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Collection

from storage.textlimit import MAX_TEXT_CHARS
from storage.textnorm import stem_word

_WORD = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s+")

#: Characters read to find the first matched word: all of a stored text (see
#: storage.textlimit); a text matching only further on, or only in its title, shows its start.
SCAN_CHARS = MAX_TEXT_CHARS
#: Characters from the first matched word among whose words the densest run of matches is shown.
REGION_CHARS = 2_000
#: Words shown before the first matched word, for context.
CONTEXT_WORDS = 3


def _matches(word: str, stems: Collection[str]) -> bool:
    return stem_word(unicodedata.normalize("NFKC", word).casefold()) in stems


def snippet_span(text: str, stems: Collection[str]) -> tuple[int, int]:
    """The characters ``text[start:end]`` a snippet is made from: from ``CONTEXT_WORDS`` words
    before the first word whose stem is in ``stems`` (looked for in the first ``SCAN_CHARS``
    characters) to ``REGION_CHARS`` after it; from the start when no word matches there."""
    anchor = start = 0
    if stems:
        scan_end = min(len(text), SCAN_CHARS)
        before: deque[int] = deque(maxlen=CONTEXT_WORDS)
        for m in _WORD.finditer(text, 0, scan_end):
            if m.end() == scan_end < len(text):
                break  # a word cut by the scan's end
            if _matches(m.group(), stems):
                anchor = m.start()
                start = before[0] if before else anchor
                break
            before.append(m.start())
    return start, min(len(text), anchor + REGION_CHARS)


def make_snippet(text: str, stems: Collection[str], *, size: int = 30, start: str = "[", stop: str = "]") -> str:
    """About ``size`` words of ``text`` around the densest run of words whose stem is in
    ``stems`` near the first such word, each such word wrapped in ``start``/``stop``; "…"
    marks cut ends. Reads at most ``SCAN_CHARS`` + ``REGION_CHARS`` characters."""
    if not text:
        return ""
    low, high = snippet_span(text, stems)
    tokens = list(_WORD.finditer(text, low, high))
    if tokens and tokens[-1].end() == high < len(text):
        tokens.pop()  # a word cut by the span's end
    if not tokens:
        return _SPACE.sub(" ", text[:REGION_CHARS]).strip()[:200]
    hits = [bool(stems) and _matches(m.group(), stems) for m in tokens]
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
        best = max(0, min(best, first_hit - CONTEXT_WORDS))
    window = range(best, min(best + size, len(tokens)))
    parts: list[str] = []
    cursor = tokens[window.start].start()
    for i in window:
        m = tokens[i]
        parts.append(text[cursor : m.start()])
        parts.append(f"{start}{m.group()}{stop}" if hits[i] else m.group())
        cursor = m.end()
    more = window.stop < len(tokens) or _WORD.search(text, cursor, cursor + REGION_CHARS) is not None
    if not more:
        parts.append(text[cursor : cursor + REGION_CHARS])
    snippet = _SPACE.sub(" ", "".join(parts)).strip()
    if _WORD.search(text, 0, tokens[window.start].start()) is not None:
        snippet = "… " + snippet
    if more:
        snippet += " …"
    return snippet
