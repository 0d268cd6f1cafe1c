"""Post-extraction line rules: drop boilerplate lines trafilatura kept, pull credits out.

The patterns are data in ``boilerplate``; each rule has a name so that tests and debug logs
can say which rule removed what, and a family (``boilerplate.RULE_FAMILIES``) that ``without``
leaves out. A line longer than ``MAX_RULE_LINE`` is never dropped by a pattern rule: story
paragraphs are long, boilerplate lines are short.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from . import boilerplate as B
from .dates import find_dates
from .metadata import find_dateline

__all__ = [
    "CleanResult",
    "LINE_PATTERNS",
    "clean_lines",
    "credit_line_names",
    "is_date_line",
    "join_datelines",
    "match_rule",
    "norm_key",
]

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
TRAILING_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I)) for name, pattern in B.TRAILING_RULES
)
_DATE_LINE_WORDS = frozenset(B.DATE_LINE_WORDS)
_NUMBERED = re.compile(B.NUMBERED_ITEM)
_PROSE_END = re.compile(r"[.!?…\"”’:]\s*$")
_DASH_START = re.compile(r"^[-–—]+\s+(?=\S)")
_DASH_END = re.compile(r"\s*[-–—]+$")


def norm_key(text: str) -> str:
    """Comparison key: lower-case words only (for captions, titles, repeated lines)."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).lower()))


def match_rule(line: str, without: frozenset[str] = frozenset()) -> str | None:
    """Name of the first pattern rule that matches the whole ``line``, or None (rules of the
    families in ``without`` left out)."""
    text = " ".join(line.split())
    if not text or len(text) > B.MAX_RULE_LINE:
        return None
    for name, pattern in LINE_PATTERNS:
        if pattern.fullmatch(text) and (not without or B.FAMILY_OF.get(name) not in without):
            return name
    words = text.lower().replace("|", " ").split()
    if words and len(words) <= 12 and all(w.strip("•·:,") in _SHARE_WORDS or not w.strip("•·:,|") for w in words):
        return "share-bar" if "share" not in without else None
    return None


def is_date_line(line: str) -> bool:
    """Is ``line`` only a date ("Senin, 04 April 2022, 09:15 WIB", "Diperbarui 4/4/2022 10:00")?"""
    found = find_dates(line)
    if not found:
        return False
    rest, last = [], 0
    for date in found:
        rest.append(line[last : date.start])
        last = date.end
    rest.append(line[last:])
    return all(w in _DATE_LINE_WORDS for w in _WORD.findall(" ".join(rest).lower()))


def _is_kicker(line: str) -> bool:
    """A short label that is no sentence ("TRAVEL NEWS", "Penanganan Covid", a menu's "Bola")."""
    return (
        len(line) <= B.KICKER_MAX_CHARS
        and len(line.split()) <= B.KICKER_MAX_WORDS
        and not _SENTENCE_END.search(line)
        and not _NUMBERED.match(line)
    )


def leading_rule(line: str) -> str | None:
    """The rule for a line above the lead ("date-line", "kicker"), or None. A dateline of its
    own ("BAAR, SWITZERLAND") is the story's first words, not a label."""
    if is_date_line(line):
        return "date-line"
    return "kicker" if _is_kicker(line) and not _dateline_prefix(line) else None


def _dateline_prefix(line: str) -> str:
    """The line when it is only a dateline ("LOS ANGELES, KOMPAS.com", "JAKARTA (ANTARA) -"), else ""."""
    prefix = _DASH_END.sub("", line).strip(" ,")
    if not prefix or len(prefix) > B.DATELINE_MAX or _PROSE_END.search(prefix) or _DASH_START.match(line + " "):
        return ""
    return prefix if find_dateline(f"{prefix} - x") else ""


def join_datelines(lines: list[str]) -> tuple[list[str], int]:
    """A dateline that came out as a line of its own, joined to its sentence: "LOS ANGELES,
    KOMPAS.com" + "- Pendiri …", "JAKARTA, KOMPAS.com -" + "Pendiri …", "Jakarta" + "- …"
    (a capitalised word or three, followed by a dash and a sentence, and not by a list).
    Returns the lines and how many were joined."""
    out: list[str] = []
    joined = 0
    i = 0
    while i < len(lines):
        line = " ".join(lines[i].split())
        nxt = " ".join(lines[i + 1].split()) if i + 1 < len(lines) else ""
        after = lines[i + 2].lstrip() if i + 2 < len(lines) else ""
        prose = len(nxt.split()) >= 8
        dashed = bool(_DASH_START.match(nxt))
        if prose and line and (dashed or _DASH_END.search(line)):
            prefix = _dateline_prefix(line)
            if not prefix and dashed and not _DASH_START.match(after):
                words = line.split()
                if len(words) <= 3 and all(w[:1].isupper() for w in words) and not line.endswith(":"):
                    prefix = line
            if prefix:
                out.append(f"{prefix} - {_DASH_START.sub('', nxt)}")
                joined += 1
                i += 2
                continue
        out.append(lines[i])
        i += 1
    return out, joined


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


_CREDIT_LINE_START = re.compile(B.CREDIT_LINE_START, re.I)
_BLOCKS = frozenset("p div li td section article header footer ul ol table h1 h2 h3 h4 h5 h6".split())


def credit_line_names(tree: HtmlElement) -> list[str]:
    """Persons named by credit lines anywhere on the page, in page order (boilerplate section 7,
    CREDIT_LINE_START): short elements with no block inside that are a whole credit line."""
    names = []
    for el in tree.iter("p", "div", "span", "li", "td", "small"):
        text = (el.text or "").lstrip()
        if text and not _CREDIT_LINE_START.match(text):
            continue
        if any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in el):
            continue
        line = " ".join(el.text_content().split())
        if not line or len(line) > B.CREDIT_LINE_MAX or not _CREDIT_LINE_START.match(line):
            continue
        credit = match_credit(line)
        if credit is not None and credit[1]:
            names.append(credit[1])
    return names


def _is_headline(line: str) -> bool:
    text = line.strip()
    return 0 < len(text) <= B.HEADLINE_MAX and not _SENTENCE_END.search(text)


@dataclass
class CleanResult:
    """Kept lines, the credited names in order, (rule, line) for every removed line, and for
    every line a restoring rule kept or joined."""

    lines: list[str]
    credits: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    restored: list[tuple[str, str]] = field(default_factory=list)  # (rule, line) kept by a restoring rule

    def removed_text(self) -> list[str]:
        """The removed lines (credit and byline lines carry dates and names)."""
        return [line for _, line in self.removed]


def clean_lines(
    lines: list[str],
    *,
    captions: tuple[str, ...] = (),
    title: str = "",
    teasers: tuple[str, ...] = (),
    headings: tuple[str, ...] = (),
    without: frozenset[str] = frozenset(),
) -> CleanResult:
    """Apply the line rules to extracted text lines.

    ``captions`` are figure captions from the page (lines repeating one are dropped),
    ``title`` the article title (a body line repeating it is dropped), ``teasers`` texts
    such as the page's summary that must not open the body, ``headings`` the story's own
    headings (listicle items: kept as lines, never taken for a caption or a related title).
    Rule families in ``without`` are left out.
    """
    result = CleanResult([])
    if "dateline-join" not in without:
        lines, joined = join_datelines(lines)
        result.restored += [("dateline-join", "")] * joined
    caption_keys = _caption_keys(captions)
    title_key = norm_key(title)
    teaser_keys = {k for k in (norm_key(t) for t in teasers) if len(k) >= 15} if "description" not in without else set()
    heading_keys = {norm_key(h) for h in headings} if "listicle-headings" not in without else set()
    leading = "top-labels" not in without
    in_section = False
    seen_story = False
    # A line equal to a caption minus its credit may be the story's own sentence reused as a
    # caption; it is dropped only when the caption is shown to repeat (two or more matches).
    longest = max((len(c) for c in captions), default=0) + 60
    matches = [_caption_match(line, caption_keys) if caption_keys and len(line) <= longest else None for line in lines]
    caption_repeats = sum(m is not None for m in matches) >= 2
    # labels above the lead go only when a story line (neither boilerplate nor a label) follows
    rules = [match_rule(line, without) for line in lines]
    story_after = [False] * len(lines)
    for i in range(len(lines) - 2, -1, -1):
        nxt = lines[i + 1]
        story_after[i] = story_after[i + 1] or bool(
            nxt.strip() and not rules[i + 1] and not match_credit(nxt) and not leading_rule(nxt)
        )
    for index, (raw, found) in enumerate(zip(lines, matches, strict=True)):
        line = " ".join(raw.split())
        if not line:
            continue
        key = norm_key(line)
        heading = key in heading_keys
        if in_section:
            if not heading and (_is_headline(line) or rules[index]):
                result.removed.append(("related-list", line))
                continue
            if heading and _is_headline(line):
                result.restored.append(("body-heading", line))
            in_section = False
        rule = rules[index]
        if rule is None and _SECTION.fullmatch(line) and "related" not in without:
            rule, in_section = "related-heading", True
        elif rule == "read-also" and key in _READ_ALSO_HEADINGS:
            in_section = True
        if rule is None and "credits" not in without:
            credit = match_credit(line)
            if credit is not None:
                result.credits.append(credit)
                result.removed.append((credit[0], line))
                continue
        if rule is None and key and title_key and key == title_key and "repeats" not in without:
            rule = "repeated-title"
        if rule is None and (found == "exact" or (found == "partial" and caption_repeats)) and "repeats" not in without:
            if heading:
                result.restored.append(("body-heading", line))
            else:
                rule = "repeated-caption"
        if rule is None and not seen_story and key in teaser_keys:
            rule = "teaser"
        if rule is None and leading and not seen_story and story_after[index]:
            rule = leading_rule(line)
        if rule is not None:
            result.removed.append((rule, line))
            continue
        seen_story = True
        result.lines.append(line)
    if result.lines and "editor-initials" not in without:
        for name, pattern in TRAILING_PATTERNS:
            m = pattern.search(result.lines[-1])
            if m and m.start() > 0:
                result.removed.append((name, m.group(0).strip()))
                result.lines[-1] = result.lines[-1][: m.start()].rstrip()
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
