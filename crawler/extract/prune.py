"""Pre-extraction pruning: mark boilerplate elements so trafilatura's ``prune_xpath`` drops them.

Candidates come from ``boilerplate`` (class/id tokens, structural XPaths). An element is
marked unless it is protected: a protected tag, a story-body container (by its class, or the
element whose paragraphs hold the most text), an ancestor of one, or an element holding more
than ``MAX_PRUNE_SHARE`` of the page's text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree
from lxml.html import HtmlElement

from . import boilerplate as B

__all__ = ["MARK", "PRUNE_XPATH", "classify_attrs", "mark_boilerplate", "tokens_of"]

#: attribute set on elements to prune, and the XPath handed to trafilatura
MARK = "data-kabar-prune"
PRUNE_XPATH = f"//*[@{MARK}]"

_NS = {"re": "http://exslt.org/regular-expressions"}
_SPLIT = re.compile(r"[\s_\-]+")
_STRUCTURAL = tuple((name, etree.XPath(expr, namespaces=_NS)) for name, expr in B.STRUCTURAL_XPATHS)
_WITH_ATTRS = etree.XPath("//*[@class or @id]")
_READ_ALSO = re.compile(B.READ_ALSO_START, re.I)
_READ_ALSO_WORDS = tuple(B.READ_ALSO_WORDS)
_READ_ALSO_BLOCKS = frozenset(B.READ_ALSO_BLOCKS)


def _head_text(el: HtmlElement, depth: int = 3) -> str:
    """The first text of a block, looking into leading inline children (<p><strong>Baca…)."""
    while depth and el is not None:
        text = (el.text or "").strip()
        if text or not len(el):
            return text
        el = el[0]
        depth -= 1
    return ""


def read_also_blocks(tree: HtmlElement) -> list[HtmlElement]:
    """Blocks that are only a "Baca juga" pointer: start with the phrase, hold a link, short."""
    found = []
    for el in tree.iter(*_READ_ALSO_BLOCKS):
        head = _head_text(el)[:10].lower()
        if not head.startswith(_READ_ALSO_WORDS):
            continue
        text = " ".join(el.text_content().split())
        if len(text) < B.READ_ALSO_MAX and _READ_ALSO.match(text) and el.find(".//a") is not None:
            found.append(el)
    return found


class _TokenIndex:
    """Tokens of one group (single words and word sequences), looked up in a token list."""

    def __init__(self, tokens: tuple[str, ...]) -> None:
        seqs = {tuple(t.split()) for t in tokens}
        self.sizes = sorted({len(q) for q in seqs}, reverse=True)
        self.seqs = frozenset(seqs)
        self.starts = frozenset(q[0] for q in seqs)

    def find(self, tokens: list[str]) -> tuple[int, int] | None:
        """(index, length) of the leftmost match, longest first; None when nothing matches."""
        if self.starts.isdisjoint(tokens):
            return None
        for i, tok in enumerate(tokens):
            if tok not in self.starts:
                continue
            for size in self.sizes:
                if i + size <= len(tokens) and tuple(tokens[i : i + size]) in self.seqs:
                    return i, size
        return None


_BOILER = _TokenIndex(B.BOILERPLATE_TOKENS)
_BODY = _TokenIndex(B.BODY_TOKENS)
_TOKEN_SPAN = re.compile(r"[^\s_\-]+")
_PROTECTED_TAGS = frozenset(B.PROTECTED_TAGS)
_INLINE_TAGS = frozenset(B.INLINE_TAGS)


def tokens_of(element: HtmlElement) -> list[str]:
    """Lower-case tokens of an element's class and id ("td-post-content" -> td, post, content)."""
    value = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return [t for t in _SPLIT.split(value) if t]


@lru_cache(maxsize=8192)
def classify_attrs(value: str) -> tuple[bool, str]:
    """(is a story body, boilerplate token as written or "") for a "class id" string.

    Pages repeat the same class strings many times, hence the cache.
    """
    spans = list(_TOKEN_SPAN.finditer(value))
    tokens = [m.group(0).lower() for m in spans]
    if _BODY.find(tokens) is not None:
        return True, ""
    hit = _BOILER.find(tokens)
    if hit is None:
        return False, ""
    i, size = hit
    return False, value[spans[i].start() : spans[i + size - 1].end()].lower()


def _text_len(element: HtmlElement) -> int:
    """Characters of text (whitespace runs count once) under ``element``."""
    try:
        return len(" ".join(element.text_content().split())) if element is not None else 0
    except ValueError:
        return 0


def main_container(tree: HtmlElement) -> HtmlElement | None:
    """The element whose direct <p> children hold the most text: the story body, most likely."""
    score: dict[HtmlElement, int] = {}
    for p in tree.iter("p"):
        parent = p.getparent()
        if parent is None:
            continue
        try:
            n = len("".join(p.itertext()))
        except ValueError:
            continue
        if n >= 40:
            score[parent] = score.get(parent, 0) + n
    return max(score, key=score.__getitem__) if score else None


def mark_boilerplate(tree: HtmlElement) -> list[tuple[str, HtmlElement]]:
    """Mark boilerplate elements in ``tree`` (in place) with ``MARK``; return (rule, element).

    Rule names are "class:<token>" for token matches and the STRUCTURAL_XPATHS names.
    """
    body = tree.find(".//body")
    total = max(_text_len(body if body is not None else tree), 1)
    protected: set[HtmlElement] = set()
    candidates: list[tuple[str, HtmlElement]] = []
    for el in _WITH_ATTRS(tree):
        if not isinstance(el.tag, str):
            continue
        is_body, token = classify_attrs(f"{el.get('class') or ''} {el.get('id') or ''}")
        if is_body:
            protected.add(el)
            protected.update(el.iterancestors())
        elif token and el.tag not in _INLINE_TAGS:
            candidates.append((f"class:{token}", el))
    candidates.extend(("read-also-block", el) for el in read_also_blocks(tree))
    for name, xp in _STRUCTURAL:
        try:
            candidates.extend((name, el) for el in xp(tree) if isinstance(el, etree._Element))
        except etree.XPathError:
            continue
    for el in tree.iter("article", "main"):
        protected.update(el.iterancestors())
    main = main_container(tree)
    if main is not None:
        protected.add(main)
        protected.update(main.iterancestors())
    marked: list[tuple[str, HtmlElement]] = []
    for name, el in candidates:
        if el in protected or el.tag in _PROTECTED_TAGS or el.get(MARK):
            continue
        if _text_len(el) > B.MAX_PRUNE_SHARE * total:
            continue
        el.set(MARK, name)
        marked.append((name, el))
    return marked
