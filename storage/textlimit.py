"""The longest article text the archive keeps, and where a longer text is cut.

A real news article is well under ``MAX_TEXT_CHARS``; a page that extracts to more (a page of
endless comments, a data dump under an article URL) would slow every search that returns it.
Such a text is cut at the last paragraph break before the limit; the article records the
length it had (``truncated_from``, kept in the article's ``meta``).
"""

from __future__ import annotations

#: The longest text (in characters) extraction hands on and the archive stores.
MAX_TEXT_CHARS = 100_000

#: Where a long text may be cut, best first: a paragraph break, a line break, a space. A
#: boundary counts only in the second half of the limit; without one the cut is at the limit.
CUT_BOUNDARIES = ("\n\n", "\n", " ")

#: The key of ``Article.meta`` that holds the length of a text before it was cut.
TRUNCATED_FROM = "truncated_from"


def cut_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` itself when it has at most ``limit`` characters, else its start up to the last
    paragraph break before ``limit`` (a line break or a space when there is none late enough),
    without trailing whitespace."""
    if len(text) <= limit:
        return text
    for boundary in CUT_BOUNDARIES:
        end = text.rfind(boundary, limit // 2, limit)
        if end > 0:
            return text[:end].rstrip()
    return text[:limit]


def bound_text(text: str, truncated_from: int | None = None) -> tuple[str, int | None]:
    """``(cut_text(text), length before the cut)``; the length is ``truncated_from`` when the
    text was cut before (at extraction), and None when it never was."""
    kept = cut_text(text)
    if len(kept) < len(text):
        truncated_from = max(truncated_from or 0, len(text))
    return kept, truncated_from or None
