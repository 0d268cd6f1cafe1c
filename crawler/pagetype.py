"""Tell article pages from listing pages (homepages, sections, tags) that feeds and sitemaps
also list. Pure code; the thresholds are data at the top."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

# A listing shows many headline links: anchors with at least this many words...
HEADLINE_MIN_WORDS = 5
# ...and at least this many of them before the text is compared with the headlines.
LISTING_MIN_HEADLINES = 8
# Short text that repeats a headline link on the page is that article's teaser.
SHORT_TEXT_CHARS = 600
# Text that is mostly headlines of the links on the page is a listing whatever its length.
HEADLINE_SHARE = 0.2
# A page with a few headline links and hardly any text of its own (a section with one or two
# teasers) is a listing too.
TINY_TEXT_CHARS = 200
TINY_MIN_HEADLINES = 3
# A listing's text is teasers, each paragraph in a card next to its own headline link:
# this share of the paragraphs (and at least this many) makes a listing.
CARD_SHARE = 0.5
CARD_MIN_PARAGRAPHS = 2
CARD_LEVELS = 3  # how far up from a paragraph's element to look for its card's headline link
CARD_EXTRA_CHARS = 250  # a card holds its teaser, its headline and a date or byline, no more
CARD_KEY_CHARS = 60  # a paragraph is matched to its element by this many first characters
TEXT_TAGS = ("p", "div", "span", "li", "section", "article")

_WORD = re.compile(r"\w+")
# Anchors long enough to hold HEADLINE_MIN_WORDS words (one character each, one between):
# the rest are skipped in C, not looked at one by one.
_LONG_ANCHORS = lxml.etree.XPath(f".//a[string-length(normalize-space()) >= {2 * HEADLINE_MIN_WORDS - 1}]")
ARTICLE_LD_TYPE = re.compile(r'"@type"\s*:\s*\[?\s*"(?:News|Reportage|Analysis|Opinion)?Article"|"BlogPosting"')


def listing_reason(html: bytes | str | lxml.html.HtmlElement, url: str, text: str) -> str | None:
    """Why this page is a listing and not an article, or None when it looks like an article.

    ``html``: the page, or its tree as :func:`crawler.extract.extract_page` left it."""
    path = urlsplit(url).path
    if path in ("", "/") and not urlsplit(url).query:
        return "homepage"
    if isinstance(html, lxml.etree._Element):
        tree = html
    else:
        try:
            tree = lxml.html.fromstring(html)
        except (lxml.etree.ParserError, ValueError):
            return None
    host = urlsplit(url).netloc
    headlines = set()
    for anchor in _LONG_ANCHORS(tree):
        words = _WORD.findall(anchor.text_content())
        href = anchor.get("href") or ""
        if len(words) >= HEADLINE_MIN_WORDS and (href.startswith("/") or urlsplit(href).netloc == host):
            headlines.add(" ".join(words).lower())
    lowered = " ".join(_WORD.findall(text.lower()))
    if len(text) < SHORT_TEXT_CHARS and any(h in lowered for h in headlines):
        return "the text is the teaser of a linked article"
    if len(text) < TINY_TEXT_CHARS and len(headlines) >= TINY_MIN_HEADLINES:
        return f"{len(headlines)} headline links and {len(text)} characters of text"
    if _teaser_cards(tree, text, host):
        return "the text is teasers next to headline links"
    if len(headlines) < LISTING_MIN_HEADLINES:
        return None
    text_words = len(_WORD.findall(text))
    in_headlines = sum(len(h.split()) for h in headlines if h in lowered)
    if text_words and in_headlines / text_words >= HEADLINE_SHARE and not _declares_article(tree):
        return "the text is mostly headlines of links"
    return None


def _declares_article(tree: lxml.html.HtmlElement) -> bool:
    """The page says it is one article (a roundup of linked headlines can be one)."""
    if tree.xpath("//meta[@property='article:published_time' or @name='article:published_time']"):
        return True
    if tree.xpath("string(//meta[@property='og:type']/@content)").strip().lower() == "article":
        return True
    scripts = " ".join(tree.xpath("//script[@type='application/ld+json']/text()"))
    return bool(ARTICLE_LD_TYPE.search(scripts))


def _teaser_cards(tree: lxml.html.HtmlElement, text: str, host: str) -> bool:
    """True when most paragraphs of ``text`` sit in a card with a headline link of their own.

    A paragraph's element is the first one in document order whose text starts as the
    paragraph does; the elements are read in that order and the answer is given as soon as
    it is known (an article's body paragraphs, none of them in a card, settle it halfway)."""
    paragraphs = [" ".join(p.lstrip("-•* ").split()) for p in text.split("\n") if len(p.split()) >= 4]
    needed = 1 if len(text) < TINY_TEXT_CHARS else CARD_MIN_PARAGRAPHS  # a section with one teaser
    if len(paragraphs) < needed:
        return False
    wanted = max(needed, math.ceil(CARD_SHARE * len(paragraphs)))
    waiting: dict[str, list[int]] = defaultdict(list)  # paragraphs' sizes by their beginning
    for paragraph in paragraphs:
        waiting[paragraph[:CARD_KEY_CHARS]].append(len(paragraph))
    beginnings = {word[:n] for word in (key.split(" ", 1)[0] for key in waiting) for n in range(1, len(word) + 1)}
    lengths: dict[lxml.html.HtmlElement, int] = {}
    in_cards = missed = 0
    for element in tree.iter(*TEXT_TAGS):
        if not _may_start_with(element, beginnings):
            continue
        start = _text_start(element, CARD_KEY_CHARS)
        for size in waiting.pop(start, ()):
            if _has_headline_link_near(element, host, size, lengths):
                in_cards += 1
                if in_cards >= wanted:
                    return True
            else:
                missed += 1
                if len(paragraphs) - missed < wanted:
                    return False
    return False


def _may_start_with(element: lxml.html.HtmlElement, beginnings: set[str]) -> bool:
    """Whether the element's text could begin with a paragraph's first word: its first text
    fragment is one of ``beginnings``, the words' prefixes (a word can go on in the next
    element, as in ``<b>Ja</b>karta``)."""
    for piece in element.itertext():
        words = piece.split(None, 1)
        if words:
            return words[0][:CARD_KEY_CHARS] in beginnings
    return False


def _text_start(element: lxml.html.HtmlElement, chars: int) -> str:
    """The first ``chars`` characters of the element's text with whitespace collapsed (as
    ``" ".join(text.split())``), read only as far as needed: the outer elements of a page
    hold all of its text."""
    start, gap = "", False
    for piece in element.itertext():
        words = piece.split()
        if not words:
            gap = gap or bool(piece)
            continue
        joined = " ".join(words)
        start = f"{start}{' ' if gap or piece[0].isspace() else ''}{joined}" if start else joined
        if len(start) >= chars:
            return start[:chars]
        gap = piece[-1].isspace()
    return start


def _has_headline_link_near(
    element: lxml.html.HtmlElement, host: str, size: int, lengths: dict[lxml.html.HtmlElement, int]
) -> bool:
    """Whether an element up to CARD_LEVELS above ``element``, no longer than a card around a
    paragraph of ``size`` characters, holds a headline link (``lengths``: text lengths of the
    elements already measured)."""
    node = element
    for _ in range(CARD_LEVELS):
        node = node.getparent()
        if node is None:
            return False
        length = lengths.get(node)
        if length is None:
            length = lengths[node] = len(" ".join(node.text_content().split()))
        if length > size + CARD_EXTRA_CHARS:
            return False
        for anchor in node.iter("a"):
            href = anchor.get("href") or ""
            if (href.startswith("/") or urlsplit(href).netloc == host) and len(
                _WORD.findall(anchor.text_content())
            ) >= HEADLINE_MIN_WORDS:
                return True
    return False
