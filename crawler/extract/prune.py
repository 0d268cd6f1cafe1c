"""Pre-extraction pruning: mark boilerplate elements so trafilatura's ``prune_xpath`` drops them.

Candidates come from ``boilerplate`` (class/id tokens, structural XPaths). An element is
marked unless it is protected: a protected tag, a story-body container, an ancestor of one,
or an element holding more than ``MAX_PRUNE_SHARE`` of the page's text.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from . import boilerplate as B

__all__ = ["MARK", "PRUNE_XPATH", "mark_boilerplate", "tokens_of"]

#: attribute set on elements to prune, and the XPath handed to trafilatura
MARK = "data-kabar-prune"
PRUNE_XPATH = f"//*[@{MARK}]"

_NS = {"re": "http://exslt.org/regular-expressions"}
_SPLIT = re.compile(r"[\s_\-]+")
_STRUCTURAL = tuple((name, etree.XPath(expr, namespaces=_NS)) for name, expr in B.STRUCTURAL_XPATHS)
_WITH_ATTRS = etree.XPath("//*[@class or @id]")


def _token_index(tokens: tuple[str, ...]) -> tuple[frozenset[str], frozenset[tuple[str, ...]]]:
    singles = frozenset(t for t in tokens if " " not in t)
    multi = frozenset(tuple(t.split()) for t in tokens if " " in t)
    return singles, multi


_BOILER = _token_index(B.BOILERPLATE_TOKENS)
_BODY = _token_index(B.BODY_TOKENS)
_PROTECTED_TAGS = frozenset(B.PROTECTED_TAGS)


def tokens_of(element: HtmlElement) -> list[str]:
    """Lower-case tokens of an element's class and id ("td-post-content" -> td, post, content)."""
    value = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return [t for t in _SPLIT.split(value) if t]


def _matches(tokens: list[str], index: tuple[frozenset[str], frozenset[tuple[str, ...]]]) -> bool:
    singles, multi = index
    if any(t in singles for t in tokens):
        return True
    if multi:
        for size in {len(m) for m in multi}:
            for i in range(len(tokens) - size + 1):
                if tuple(tokens[i : i + size]) in multi:
                    return True
    return False


def _text_len(element: HtmlElement) -> int:
    try:
        return len("".join(element.itertext()).split()) if element is not None else 0
    except ValueError:
        return 0


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
        toks = tokens_of(el)
        if _matches(toks, _BODY):
            protected.add(el)
            protected.update(el.iterancestors())
        elif _matches(toks, _BOILER):
            hit = next((t for t in toks if t in _BOILER[0]), " ".join(toks))
            candidates.append((f"class:{hit}", el))
    for name, xp in _STRUCTURAL:
        try:
            candidates.extend((name, el) for el in xp(tree) if isinstance(el, etree._Element))
        except etree.XPathError:
            continue
    for el in tree.iter("article", "main"):
        protected.update(el.iterancestors())
    marked: list[tuple[str, HtmlElement]] = []
    for name, el in candidates:
        if el in protected or el.tag in _PROTECTED_TAGS or el.get(MARK):
            continue
        if any(a.get(MARK) for a in el.iterancestors()):
            continue
        if _text_len(el) > B.MAX_PRUNE_SHARE * total:
            continue
        el.set(MARK, name)
        marked.append((name, el))
    return marked
