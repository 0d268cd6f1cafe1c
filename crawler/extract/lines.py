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
    (name, re.compile(pattern, re.I | re.S)) for name, pattern in B.CREDIT_RULES
)
_READ_ALSO_HEADINGS = frozenset({"baca juga", "simak juga", "lihat juga", "tonton juga", "baca pula"})
_SECTION = re.compile(B.SECTION_HEADINGS, re.I)
_SHARE_WORDS = frozenset(B.SHARE_WORDS)
_CAPTION_CREDIT = re.compile(B.CAPTION_CREDIT, re.I)
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
        m = pattern.fullmatch(text)
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

    def removed_text(self) -> list[str]:
        """The removed lines (credit and byline lines carry dates and names)."""
        return [line for _, line in self.removed]


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
    caption_keys = _caption_keys(captions)
    title_key = norm_key(title)
    teaser_keys = {k for k in (norm_key(t) for t in teasers) if len(k) >= 15}
    in_section = False
    seen_story = False
    # A line equal to a caption minus its credit may be the story's own sentence reused as a
    # caption; it is dropped only when the caption is shown to repeat (two or more matches).
    longest = max((len(c) for c in captions), default=0) + 60
    matches = [_caption_match(line, caption_keys) if caption_keys and len(line) <= longest else None for line in lines]
    caption_repeats = sum(m is not None for m in matches) >= 2
    for raw, found in zip(lines, matches, strict=True):
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
        elif rule == "read-also" and key in _READ_ALSO_HEADINGS:
            in_section = True
        if rule is None:
            credit = match_credit(line)
            if credit is not None:
                result.credits.append(credit)
                result.removed.append((credit[0], line))
                continue
        if rule is None and key and title_key and key == title_key:
            rule = "repeated-title"
        if rule is None and (found == "exact" or (found == "partial" and caption_repeats)):
            rule = "repeated-caption"
        if rule is None and not seen_story and key in teaser_keys:
            rule = "teaser"
        if rule is not None:
            result.removed.append((rule, line))
            continue
        seen_story = True
        result.lines.append(line)
    return result


def _caption_keys(captions: tuple[str, ...]) -> dict[str, str]:
    """{full caption key: caption key without its credit}."""
    keys = {}
    for cap in captions:
        full = norm_key(cap)
        if len(full) >= 15:
            keys[full] = norm_key(_CAPTION_CREDIT.sub("", cap)) or full
    return keys


def _caption_match(line: str, caption_keys: dict[str, str]) -> str | None:
    """ "exact" when the line is a caption, with or without a credit of its own ("caption -
    (Pemkab Muba)"); "partial" when it is a caption's text without the caption's credit (which
    may be the story's own sentence reused as a caption); else None."""
    key = norm_key(line)
    if len(key) < 15:
        return None
    # a line minus its credit keys to a prefix of the line's key: only a line that starts
    # with some caption's text can be that caption with a credit of its own
    core = ""
    if any(len(cap_core) < len(key) and key.startswith(cap_core) for cap_core in caption_keys.values()):
        core = norm_key(_CAPTION_CREDIT.sub("", line))
    has_credit = bool(core) and core != key
    for full, cap_core in caption_keys.items():
        if key == full or (has_credit and core == cap_core):
            return "exact"
        if key == cap_core:
            return "exact" if cap_core == full else "partial"
    return None
