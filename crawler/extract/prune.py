"""Pre-extraction pruning: mark boilerplate elements so trafilatura's ``prune_xpath`` drops them.

Candidates come from ``boilerplate`` (class/id tokens, structural XPaths, link menus). An
element is marked unless it is protected: a protected tag, a story-body container (by its
class, or the element whose paragraphs hold the most text), an ancestor of one, an element
holding more than ``MAX_PRUNE_SHARE`` of the page's text. Story paragraphs hidden until the
reader scrolls or clicks are shown, a lead standing just before the story's container (after a
share box) is moved into it, and the story's own headings become paragraphs.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from functools import lru_cache

from lxml import etree
from lxml.html import HtmlElement

from . import boilerplate as B

__all__ = [
    "MARK",
    "PRUNE_XPATH",
    "classify_attrs",
    "headings_as_paragraphs",
    "lead_before_body",
    "link_menus",
    "main_container",
    "mark_boilerplate",
    "reveal_hidden",
    "shows_text",
    "story_headings",
    "tokens_of",
]

#: attribute set on elements to prune, and the XPath handed to trafilatura
MARK = "data-kabar-prune"
PRUNE_XPATH = f"//*[@{MARK}]"

logger = logging.getLogger(__name__)

_NS = {"re": "http://exslt.org/regular-expressions"}
_SPLIT = re.compile(r"[\s_\-]+")
_STRUCTURAL = tuple((name, etree.XPath(expr, namespaces=_NS)) for name, expr in B.STRUCTURAL_XPATHS)
_WITH_ATTRS = etree.XPath("//*[@class or @id]")
_READ_ALSO = re.compile(B.READ_ALSO_START, re.I)
_READ_ALSO_WORDS = tuple(B.READ_ALSO_WORDS)
_READ_ALSO_BLOCKS = frozenset(B.READ_ALSO_BLOCKS)
#: the token group (and rule family) of every boilerplate token, by its words
_GROUP_OF = {tuple(t.split()): group for group, tokens in B.TOKEN_GROUPS.items() for t in tokens}
_PROSE_FREE = frozenset(B.PROSE_FREE_GROUPS)
_HIDDEN_STYLE = re.compile(B.HIDDEN_STYLE, re.I)
_HIDDEN_CLASSES = frozenset(B.HIDDEN_CLASSES)
_UNSHOWN = frozenset(B.UNSHOWN_CLASSES)
_MEDIA = frozenset(B.MEDIA_TOKENS)
_MENU_SKIP = frozenset({"html", "body", "a", "script", "style", "head", "title"})
_UNSEEN_TAGS = frozenset({"script", "style", "noscript", "template"})
_WORDS = re.compile(r"\w+")
#: elements that may hide their text (the rest is checked in Python: _is_hidden, _unshown)
_MAY_HIDE = etree.XPath(
    ".//script | .//style | .//noscript | .//template | .//*[@hidden or @aria-hidden='true'"
    " or @style[contains(., 'none') or contains(., 'hidden')] or @class[contains(., 'hid') or contains(., 'none')"
    " or contains(., 'collapse') or contains(., 'invisible') or contains(., 'sr-only') or contains(., 'visually')"
    " or contains(., 'screen-reader')]]"
)


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


def group_of(token: str) -> str:
    """The token group (rule family) of a boilerplate token as written ("baca-juga" -> "read-also")."""
    return _GROUP_OF.get(tuple(t for t in _SPLIT.split(token.lower()) if t), "")


def link_menus(tree: HtmlElement) -> list[HtmlElement]:
    """Menus of short links without a telling class: the outermost elements, at most MENU_DEPTH
    levels above their links, with at least MENU_MIN_LINKS links that are nearly all link text
    (letters and digits counted), a few words a link (boilerplate section 3)."""
    counts: Counter[HtmlElement] = Counter()
    sizes: dict[HtmlElement, tuple[int, int]] = {}
    for a in tree.iter("a"):
        tokens = _WORDS.findall(a.text_content())
        sizes[a] = (sum(map(len, tokens)), len(tokens))
        for depth, parent in enumerate(a.iterancestors()):
            if depth >= B.MENU_DEPTH:
                break
            counts[parent] += 1
    candidates = [el for el, n in counts.items() if n >= B.MENU_MIN_LINKS and el.tag not in _MENU_SKIP]
    candidates.sort(key=lambda el: sum(1 for _ in el.iterancestors()))
    found: list[HtmlElement] = []
    for el in candidates:
        if any(parent in found for parent in el.iterancestors()):
            continue
        links = [sizes[a] for a in el.iter("a") if a in sizes]
        chars = sum(map(len, _WORDS.findall(el.text_content())))
        link_chars, words = sum(n for n, _ in links), sum(w for _, w in links)
        if link_chars >= B.MENU_LINK_SHARE * chars and words <= B.MENU_MAX_WORDS * len(links):
            found.append(el)
    return found


def _holds_prose(el: HtmlElement) -> bool:
    """Does ``el`` hold a story paragraph (a <p> with PROSE_MIN_CHARS characters outside links)?"""
    for p in el.iter("p"):
        try:
            text = len(" ".join(p.text_content().split()))
            linked = sum(len(" ".join(a.text_content().split())) for a in p.iter("a"))
        except ValueError:
            continue
        if text - linked >= B.PROSE_MIN_CHARS:
            return True
    return False


def _key_count(text: str, key: str) -> int:
    """How often ``key`` (a ``norm_key``: lower-case words) occurs in ``text``."""
    low = text.lower()
    if key.split(" ", 1)[0] not in low:
        return 0
    return " ".join(_WORDS.findall(low)).count(key)


def shows_text(el: HtmlElement, key: str) -> bool:
    """Does ``el`` show a reader the text whose ``norm_key`` is ``key``? (Not when it is only in
    hidden or screen-reader-only elements, scripts or styles.)"""
    whole = _key_count(el.text_content(), key) if key else 0
    if not whole:
        return False
    unseen = {u for u in _MAY_HIDE(el) if u.tag in _UNSEEN_TAGS or _is_hidden(u) or _unshown(u)}
    outermost = [u for u in unseen if not any(parent in unseen for parent in u.iterancestors())]
    return whole > sum(_key_count(u.text_content(), key) for u in outermost)


def _unshown(el: HtmlElement) -> bool:
    return not _UNSHOWN.isdisjoint((el.get("class") or "").lower().split())


def _is_hidden(el: HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    if _HIDDEN_STYLE.search(el.get("style") or ""):
        return True
    return not _HIDDEN_CLASSES.isdisjoint((el.get("class") or "").lower().split())


def reveal_hidden(tree: HtmlElement, main: HtmlElement | None) -> list[HtmlElement]:
    """Show hidden continuations of the story (boilerplate section 3): hidden elements that hold
    a story paragraph, in ``main`` (the story's container), around it or beside it, and whose
    paragraphs are not on the page already. Their hiding style, attributes and classes go;
    the old values stay in ``data-kabar-hidden``."""
    if main is None:
        return []
    scope = main.getparent() if main.getparent() is not None else main
    around = {main, *main.iterancestors()}
    hidden: list[HtmlElement] = []
    for el in _MAY_HIDE(scope):  # document order
        if el.tag in _UNSEEN_TAGS or el in around or not _is_hidden(el):
            continue
        if _holds_prose(el) and not any(h in hidden for h in el.iterancestors()):
            hidden.append(el)
    hidden += [el for el in around if _is_hidden(el) and el.tag not in ("html", "body") and _holds_prose(el)]
    if not hidden:
        return []
    inside = {p for h in hidden for p in h.iter("p")}
    shown = {" ".join(p.text_content().split()) for p in tree.iter("p") if p not in inside}
    revealed = []
    for el in hidden:
        texts = [" ".join(p.text_content().split()) for p in el.iter("p")]
        if any(t in shown for t in texts if len(t) >= B.PROSE_MIN_CHARS):
            continue  # a hidden copy of text the page shows (a mobile or print copy)
        keys = ("style", "class", "hidden", "aria-hidden")
        el.set("data-kabar-hidden", " ".join(f"{k}={el.get(k)}" for k in keys if el.get(k) is not None))
        for key in ("hidden", "aria-hidden"):
            el.attrib.pop(key, None)
        if el.get("style") is not None:
            el.set("style", _HIDDEN_STYLE.sub("", el.get("style") or ""))
        if el.get("class"):
            el.set("class", " ".join(c for c in el.get("class", "").split() if c.lower() not in _HIDDEN_CLASSES))
        revealed.append(el)
    return revealed


def mark_boilerplate(
    tree: HtmlElement, without: frozenset[str] = frozenset(), *, main: HtmlElement | None = None
) -> list[tuple[str, HtmlElement]]:
    """Mark boilerplate elements in ``tree`` (in place) with ``MARK``; return (rule, element).

    Rule names are "class:<token>" for token matches, the STRUCTURAL_XPATHS names,
    "read-also-block" and "link-menu". Rule families in ``without`` (boilerplate section 6) are
    left out: their candidates are not marked, and what a restoring family keeps is not kept.
    ``main`` is the story's container when the caller knows it (``main_container``).
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
    if "read-also" not in without:
        candidates.extend(("read-also-block", el) for el in read_also_blocks(tree))
    for name, xp in _STRUCTURAL:
        if B.FAMILY_OF.get(name) in without:
            continue
        try:
            candidates.extend((name, el) for el in xp(tree) if isinstance(el, etree._Element))
        except etree.XPathError:
            continue
    if "nav-menu" not in without:
        candidates.extend(("link-menu", el) for el in link_menus(tree))
    for el in tree.iter("article", "main"):
        protected.update(el.iterancestors())
    main = main if main is not None else main_container(tree)
    if main is not None:
        protected.add(main)
        protected.update(main.iterancestors())
    if "hidden-continuation" not in without:
        for el in reveal_hidden(tree, main):
            logger.debug("rule reveal-hidden: showing <%s class=%r>", el.tag, el.get("class"))
    marked: list[tuple[str, HtmlElement]] = []
    for name, el in candidates:
        if el in protected or el.tag in _PROTECTED_TAGS or el.get(MARK):
            continue
        if name.startswith("class:") and group_of(name[6:]) in without:
            continue
        if _text_len(el) > B.MAX_PRUNE_SHARE * total:
            continue
        el.set(MARK, name)
        marked.append((name, el))
    if main is not None and "lead-before-body" not in without:
        for p in lead_before_body(main):
            logger.debug("rule lead-before-body: moving %r into the story's container", p.text_content()[:60])
    if main is not None and "listicle-headings" not in without:
        for h in headings_as_paragraphs(main):
            logger.debug("rule body-heading: keeping %r as a line", h.text_content()[:60])
    return marked


def story_headings(scope: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """The story's own headings under ``scope`` (listicle items), with their text: <h2>-<h4>
    that are not links (related titles are), headline-long, not pruned."""
    found = []
    for h in scope.iter("h2", "h3", "h4"):
        text = " ".join(h.text_content().split())
        linked = sum(len(" ".join(a.text_content().split())) for a in h.iter("a"))
        if text and len(text) <= B.HEADLINE_MAX and 2 * linked < len(text) and not h.get(MARK):
            found.append((h, text))
    return found


def headings_as_paragraphs(main: HtmlElement) -> list[HtmlElement]:
    """The story's own headings in its container made paragraphs: trafilatura drops headings
    when it does not know the container's class ("isi-artikel", "body-paragraph",
    "detail-text"). Returns them; the old tag stays in ``data-kabar-heading``."""
    found = []
    for h, _ in story_headings(main):
        h.set("data-kabar-heading", h.tag)
        h.tag = "p"
        found.append(h)
    return found


def _prose_paragraphs(el: HtmlElement) -> list[HtmlElement]:
    return [p for p in ([el] if el.tag == "p" else el.iter("p")) if _holds_prose(p)]


def lead_before_body(main: HtmlElement) -> list[HtmlElement]:
    """Move the lead into the story's container when it stands just before it (boilerplate
    section 1, PROSE_FREE_GROUPS): story paragraphs among the container's preceding siblings,
    alone or inside a share widget, with only pruned widgets, media and empty elements between
    them and the container. trafilatura takes the container (found by its class) and loses
    what stands before it. Returns the paragraphs moved, in order."""
    found: list[HtmlElement] = []
    for sibling in main.itersiblings(preceding=True):
        if not isinstance(sibling.tag, str) or sibling.tag in ("script", "style", "figure", "img", "br", "hr"):
            continue
        if not _MEDIA.isdisjoint(tokens_of(sibling)) or sibling.get("itemprop") == "description":
            continue
        if sibling.find(".//figure") is not None:
            continue
        marked = sibling.get(MARK)
        group = group_of(marked[6:]) if marked and marked.startswith("class:") else ""
        prose = _prose_paragraphs(sibling) if not marked or group in _PROSE_FREE else []
        if prose and len(found) + len(prose) <= B.LEAD_MAX_PARAGRAPHS:
            found = prose + found
        elif not marked and _text_len(sibling):
            break
    for i, p in enumerate(found):
        tail, p.tail = p.tail, None
        parent = p.getparent()
        if tail and tail.strip() and parent is not None:
            prev = p.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        main.insert(i, p)
    if found:
        main.text, found[-1].tail = None, main.text
    return found
