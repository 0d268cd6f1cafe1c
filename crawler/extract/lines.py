"""Post-extraction line rules: drop boilerplate lines trafilatura kept, pull credits out.

The patterns are data in ``boilerplate``; each rule has a name so that tests and debug logs
can say which rule removed what. A line longer than ``MAX_RULE_LINE`` is never dropped by a
pattern rule: story paragraphs are long, boilerplate lines are short.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from . import boilerplate as B

__all__ = ["CleanResult", "LINE_PATTERNS", "clean_lines", "match_rule", "norm_key"]

LINE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I | re.S)) for name, pattern in B.LINE_RULES
)
CREDIT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.S if name == "credit-oleh" else re.I | re.S)) for name, pattern in B.CREDIT_RULES
)
_OLEH_CI = re.compile(r"oleh\s*:", re.I)
_SECTION = re.compile(B.SECTION_HEADINGS, re.I)
_SHARE_WORDS = frozenset(B.SHARE_WORDS)
_SENTENCE_END = re.compile(r"[.!?…\"”’)]\s*$")
_WORD = re.compile(r"\w+")


def norm_key(text: str) -> str:
    """Comparison key: lower-case words only (for captions, titles, repeated lines)."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).lower()))


def match_rule(line: str) -> str | None:
    """Name of the first pattern rule that matches the whole ``line``, or None."""
    text = " ".join(line.split())
    if not text or len(text) > B.MAX_RULE_LINE:
        return None
    for name, pattern in LINE_PATTERNS:
        if pattern.fullmatch(text):
            return name
    words = text.lower().replace("|", " ").split()
    if words and len(words) <= 12 and all(w.strip("•·:,") in _SHARE_WORDS or not w.strip("•·:,|") for w in words):
        return "share-bar"
    return None


def match_credit(line: str) -> tuple[str, str] | None:
    """(rule name, person) when ``line`` is a credit line; person may be ""."""
    text = " ".join(line.split())
    if not text or len(text) > 160:
        return None
    for name, pattern in CREDIT_PATTERNS:
        if name == "credit-oleh" and not (text[:4].lower() == "oleh"):
            continue
        subject = text
        if name == "credit-oleh" and _OLEH_CI.match(text):
            subject = "oleh:" + text[text.index(":") + 1 :]
        m = pattern.fullmatch(subject)
        if m:
            person = next((v for k, v in m.groupdict().items() if k in ("name", "name2") and v), "")
            return name, person.strip(" .,-–—|")
    return None


def _is_headline(line: str) -> bool:
    text = line.strip()
    return 0 < len(text) <= B.HEADLINE_MAX and not _SENTENCE_END.search(text)


@dataclass
class CleanResult:
    """Kept lines, the credited names in order, and (rule, line) for every removed line."""

    lines: list[str]
    credits: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)


def clean_lines(
    lines: list[str],
    *,
    captions: tuple[str, ...] = (),
    title: str = "",
    teasers: tuple[str, ...] = (),
) -> CleanResult:
    """Apply the line rules to extracted text lines.

    ``captions`` are figure captions from the page (lines repeating one are dropped),
    ``title`` the article title (a body line repeating it is dropped), ``teasers`` texts
    such as the page's summary that must not open the body.
    """
    result = CleanResult([])
    caption_keys = {k for k in (norm_key(c) for c in captions) if len(k) >= 15}
    title_key = norm_key(title)
    teaser_keys = {k for k in (norm_key(t) for t in teasers) if len(k) >= 15}
    in_section = False
    seen_story = False
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        key = norm_key(line)
        if in_section:
            if _is_headline(line) or match_rule(line):
                result.removed.append(("related-list", line))
                continue
            in_section = False
        rule = match_rule(line)
        if rule is None and _SECTION.fullmatch(line):
            rule, in_section = "related-heading", True
        if rule is None:
            credit = match_credit(line)
            if credit is not None:
                result.credits.append(credit)
                result.removed.append((credit[0], line))
                continue
        if rule is None and key and title_key and key == title_key:
            rule = "repeated-title"
        if rule is None and key and caption_keys and _is_caption(key, caption_keys):
            rule = "repeated-caption"
        if rule is None and not seen_story and key in teaser_keys:
            rule = "teaser"
        if rule is not None:
            result.removed.append((rule, line))
            continue
        seen_story = True
        result.lines.append(line)
    return result


def _is_caption(key: str, caption_keys: set[str]) -> bool:
    for cap in caption_keys:
        if key == cap:
            return True
        # "caption - (Credit)", "caption. Foto: Credit": the caption plus a short credit
        if key.startswith(cap) and len(key) - len(cap) <= 40:
            return True
    return False
