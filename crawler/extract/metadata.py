"""What a page says about itself: canonical URL, title, site name, author, description, image,
language, publication time, dateline and figure captions. Reads the unpruned tree; pure code.

Ours or the libraries', field by field (measured on 445 pages: the 181 AEB pages, 258
example-site pages, the 6 test fixtures; trafilatura 2.3.1, htmldate 1.11.0):

- Specific to Indonesian pages: the author (``author_of``: structured data, then the body's
  "Penulis: …"/"Laporan: …" credit lines, then byline elements such as "Oleh …" with classes
  "penulis"/"wartawan"/"pewarta"; view counters such as "Redaksi-1.471 Dibaca" and accounts
  such as "redaktur" dropped); the publication time (``find_published``: time of day and zone,
  WIB/WITA/WIT, from date lines such as "Selasa, 9 Mei 2017 | 06:17 WIB" read by
  crawler.extract.dates, "Diperbarui …" lines passed over); the dateline city
  (``find_dateline``: "PALEMBANG, KOMPAS.com - …"); the language (``guess_language``: Indonesian
  against English function words beat a theme's "en-US"; the old code "in" is "id").
- Generic but ours, because the libraries answer otherwise: ``read_page`` (meta tags and
  JSON-LD, title cleaned of the site's name, site name, description, image, canonical URL) and
  ``captions_of``. ``trafilatura.metadata.extract_metadata`` takes 16 ms a page (all of ours,
  dates included, 6 ms) and differs from ours on the title of 155 pages (keeps " - Site"
  suffixes, takes a lone <h1> first), the author of 110 (title-cased, ";"-joined, "Admin"
  kept), the site name of 184, the image of 32 and the description of 13. Its meta readers
  alone (``examine_meta`` + ``extract_meta_json``, as fast as ours; <head> meta only), fed
  through our title and site-name cleaning, still differ on 36 site names, 29 images, 12
  descriptions and 5 titles. ``htmldate.find_date`` gives a day without time or zone; on the
  100 example-site articles it has the right day for 91 (ours: 100, and the minute where the
  page shows it), and it dates 10 of their "about" and search pages, which have no date.
- The libraries': parsing (``trafilatura.utils.load_html``) and the body (trafilatura) in
  crawler.extract.core; relative dates ("2 jam lalu") through dateparser in crawler.extract.dates.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time
from functools import lru_cache
from typing import Any, TypeGuard
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from ..urls import canonicalize
from . import boilerplate as B
from . import datewords as W
from .dates import FoundDate, find_dates, in_zone, parse_date, url_date, written_zone

__all__ = [
    "PageFields",
    "PageMeta",
    "read_page",
    "read_meta",
    "read_json_ld",
    "site_name_of",
    "clean_title",
    "captions_of",
    "clean_author",
    "author_of",
    "byline_author",
    "find_published",
    "published_candidates",
    "local_offset",
    "find_dateline",
    "guess_language",
]

logger = logging.getLogger(__name__)

# -- generic vocabulary ------------------------------------------------------------------------

# Meta keys (name/property/itemprop, lower-case) per field, best first.
TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "parsely-title", "sailthru.title")
SITE_KEYS = ("og:site_name", "application-name", "twitter:site", "publisher", "dc.publisher")
DESCRIPTION_KEYS = ("og:description", "description", "twitter:description", "dc.description")
IMAGE_KEYS = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src", "thumbnailurl")
AUTHOR_KEYS = (
    "author",
    "article:author",
    "og:article:author",
    "byl",
    "dc.creator",
    "dcterms.creator",
    "parsely-author",
    "sailthru.author",
    "content_author",
    "twitter:creator",
)
PUBLISHED_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "content_publisheddate",
    "date",
    "og:published_time",
    "article.published",
)
MODIFIED_KEYS = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")
LANGUAGE_KEYS = ("og:locale", "content-language", "language", "dc.language")
# Title separators: "Judul | Situs", "Judul - Situs", "Judul – Situs", "Situs: Judul" is left alone.
_TITLE_SEP = re.compile(r"\s+(?:\||-|–|—|::|»|«|·|•)\s+")
# What follows a headline in a <title>: a separator, then the site's name.
_TITLE_SUFFIX = re.compile(r"\s+(?:\||-|–|—|::|»|«|·|•)\s+\S")
_ATTR_SPLIT = re.compile(r"[\s_\-]+")
_JSON_LD = etree.XPath("//script[@type='application/ld+json']/text()")
_WORD = re.compile(r"\w+", re.U)
_ARTICLE_TYPES = ("article", "newsarticle", "reportagenews", "blogposting", "analysisnewsarticle", "webpage", "report")
# figcaption, and anything whose class says caption ("wp-caption-text", "caption-text", …) unless
# it holds a story-length paragraph
_CAPTION_XPATH = etree.XPath(
    "//figcaption | //*[@class][contains(@class, 'caption')][not(.//p[string-length(normalize-space(.)) > 400])]"
)

# -- Indonesian pages --------------------------------------------------------------------------

# Authors that name no person.
GENERIC_AUTHORS = frozenset({"admin", "administrator", "webmaster", "editor", "redaktur", "user", "guest"})
# Class/id tokens (and rel/itemprop values) of byline elements.
BYLINE_TOKENS = frozenset("author byline penulis reporter writer wartawan pewarta vcard fn".split())
_VIEW_COUNTER = re.compile(B.VIEW_COUNTER_IN_BYLINE, re.I)
# the date run into a byline: "Surur on November 19", "Mike Wuerthele and Malcolm Owen Monday"
_BYLINE_DATE = re.compile(rf"\s+(?:on\s+\S.*|(?:{'|'.join(re.escape(w) for w in W.WEEKDAYS if len(w) > 4)}))$", re.I)

# Function words telling Indonesian from English text (frequent, short, unambiguous).
LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "id": frozenset(
        "yang dan di dengan untuk ini dari dalam tidak akan pada juga itu ke oleh adalah "
        "karena sudah telah kami mereka bisa saat tersebut".split()
    ),
    "en": frozenset(
        "the and of to is in that for with on was are as be by this from have has were which their they".split()
    ),
}

# A zone of Indonesia written on the page: " WIB", " WITA", " WIT" as words, "GMT+7", "UTC+08:00".
# One pattern per literal start ("GMT", "UTC", " WI"), so that a search of a whole page is a
# scan for that string, not a try of every alternative at every character.
_ZONE_WORDS = sorted((z.upper() for z, m in W.ZONES.items() if m in W.INDONESIA_OFFSETS_MINUTES), key=len, reverse=True)
_ZONE_STEM = os.path.commonprefix(_ZONE_WORDS)
_INDONESIAN_ZONES = (
    re.compile(rf" {_ZONE_STEM}(?:{'|'.join(z[len(_ZONE_STEM) :] for z in _ZONE_WORDS)})(?=[<\s.,;)|]|$)"),
    *(
        re.compile(rf"{prefix}\s?\+\s?0?(?:{'|'.join(str(m // 60) for m in W.INDONESIA_OFFSETS_MINUTES)})(?::?00)?\b")
        for prefix in W.OFFSET_PREFIXES
    ),
)
_INDONESIA_WORDS = re.compile(rf"\b(?:{'|'.join(W.INDONESIA_WORDS)})\b", re.I)

# Class/id tokens of elements that hold the date line of a story.
DATE_TOKENS = frozenset(
    "date time tanggal waktu publish published posted pubdate timestamp meta byline entry-date "
    "post-date datetime jam tgl".split()
)


# -- generic page metadata (ours: see the module docstring) ---------------------------------


@lru_cache(maxsize=8192)
def attr_tokens(value: str) -> frozenset[str]:
    """Lower-case tokens of a "class id" string ("entry-date published" -> entry, date, published).

    Pages repeat the same class strings many times, hence the cache.
    """
    return frozenset(t for t in _ATTR_SPLIT.split(value.lower()) if t)


class PageMeta(dict):
    """Meta values keyed by lower-case name/property/itemprop (first value wins)."""


def _text(el: HtmlElement) -> str:
    try:
        return " ".join("".join(el.itertext()).split())
    except ValueError:
        return ""


def read_meta(tree: HtmlElement) -> PageMeta:
    meta = PageMeta()
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "").strip().lower()
        value = el.get("content")
        if key and value and value.strip() and key not in meta:
            meta[key] = " ".join(value.split())
    for el in tree.xpath("//*[@itemprop][not(self::meta)]"):
        key = el.get("itemprop", "").lower()
        value = el.get("content") or el.get("datetime") or (el.get("href") if key in ("url", "image") else None)
        if key and key not in meta:
            value = value or (_text(el) if key in ("datepublished", "author", "headline") else None)
            if value:
                meta[key] = " ".join(value.split())
    return meta


def _walk_ld(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in node:
                yield from _walk_ld(node[key])
    elif isinstance(node, list):
        for item in node:
            yield from _walk_ld(item)


def _ld_type(node: dict) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def read_json_ld(tree: HtmlElement) -> dict:
    """The first article-like JSON-LD object (Article, NewsArticle, BlogPosting, …), or {}."""
    best: dict = {}
    for raw in _JSON_LD(tree):
        try:
            data = json.loads(raw.strip().rstrip(";"), strict=False)
        except ValueError:
            continue
        for node in _walk_ld(data):
            types = _ld_type(node)
            if types & set(_ARTICLE_TYPES[:-2]) or (types & {"webpage", "report"} and "datePublished" in node):
                if not best or (
                    types & {"newsarticle", "article", "reportagenews"}
                    and not _ld_type(best) & {"newsarticle", "article"}
                ):
                    best = node
    return best


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    return []


def _first_url(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _first_url(value.get("url") or value.get("contentUrl") or "")
    if isinstance(value, list) and value:
        return _first_url(value[0])
    return ""


@dataclass(frozen=True, slots=True)
class PageFields:
    """The generic fields a page states about itself, read before any pruning."""

    meta: PageMeta
    ld: dict
    canonical: str
    site_name: str
    title: str
    description: str
    image: str
    authors: tuple[str, ...]  # JSON-LD, then meta author names that name a person (clean_author)


def read_page(tree: HtmlElement, url: str) -> PageFields:
    """Meta tags and JSON-LD first, then <title> and <h1> for the title; see PageFields."""
    host = urlsplit(url).hostname or ""
    meta = read_meta(tree)
    ld = read_json_ld(tree)
    site_name = site_name_of(meta, ld, host)
    h1s = [t for t in (_text(el) for el in tree.iter("h1")) if t]
    raw_title = next((meta[k] for k in TITLE_KEYS if meta.get(k)), "") or (
        ld.get("headline") if isinstance(ld.get("headline"), str) else ""
    )
    title_el = tree.find(".//title")
    raw_title = raw_title or (_text(title_el) if title_el is not None else "") or (h1s[0] if h1s else "")
    description = next((meta[k] for k in DESCRIPTION_KEYS if meta.get(k)), "")
    if not description and isinstance(ld.get("description"), str):
        description = " ".join(ld["description"].split())
    image = next((meta[k] for k in IMAGE_KEYS if meta.get(k)), "") or _first_url(ld.get("image"))
    names = [*_names(ld.get("author")), *(meta.get(k, "") for k in AUTHOR_KEYS)]
    authors = (clean_author(name, site_name, host) for name in names)
    return PageFields(
        meta=meta,
        ld=ld,
        canonical=canonical_of(tree, meta, url),
        site_name=site_name,
        title=clean_title(raw_title, site_name, host, h1s),
        description=description,
        image=resolve(image, url),
        authors=tuple(a for a in authors if a),
    )


def headline_of(title: str, h1s: Sequence[str]) -> str:
    """The page heading that the title starts with ("Judul – Situs" and an <h1> "Judul"), or "".

    Pages may hold several <h1> (a theme's logo, then the story's); the longest one the title
    equals or starts with, followed by a separator, is the headline.
    """
    title = " ".join((title or "").split())
    best = ""
    for h1 in h1s:
        h1 = " ".join((h1 or "").split())
        if not h1 or len(h1) <= len(best):
            continue
        # "Headline – Site", not "Site – Headline" with the logo in an <h1>
        if title == h1 or (title.startswith(h1) and 2 * len(h1) >= len(title) and _TITLE_SUFFIX.match(title, len(h1))):
            best = h1
    return best


def clean_title(title: str, site_name: str = "", host: str = "", h1: str | Sequence[str] = "") -> str:
    """Title without the site suffix/prefix (" | Site", " - Site", "Site - ").

    ``h1`` is the page's heading (or all its <h1> texts): a title that starts with one of them
    followed by a separator is that heading.
    """
    title = " ".join((title or "").split())
    if not title:
        return ""
    headline = headline_of(title, [h1] if isinstance(h1, str) else h1)
    if headline:
        return headline
    parts = _TITLE_SEP.split(title)
    if len(parts) < 2:
        return title
    site_keys = {k for k in (_key(site_name), _key(host.removeprefix("www.").split(".")[0])) if k}

    def is_site(part: str) -> bool:
        k = _key(part)
        return bool(k) and any(k == s or k.startswith(s) or s.startswith(k) for s in site_keys)

    while len(parts) > 1 and is_site(parts[-1]):
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]):
        parts.pop(0)
    if len(parts) > 1 and len(parts[-1].split()) <= 3 and len(parts[0].split()) >= 4 and not site_keys:
        parts.pop()
    return " - ".join(parts) if len(parts) > 1 else parts[0]


def _key(text: str) -> str:
    return "".join(_WORD.findall((text or "").lower()))


def site_name_of(meta: PageMeta, ld: dict, host: str) -> str:
    for key in SITE_KEYS:
        value = meta.get(key)
        if value and not value.startswith("http"):
            return value.lstrip("@")
    publisher = ld.get("publisher")
    names = _names(publisher)
    if names:
        return names[0]
    return host.removeprefix("www.")


def captions_of(tree: HtmlElement) -> tuple[str, ...]:
    """Figure captions and image descriptions (for dropping caption lines repeated in the body)."""
    caps: list[str] = []
    for el in _CAPTION_XPATH(tree):
        t = _text(el)
        if 15 <= len(t) <= 400:
            caps.append(t)
    for img in tree.iter("img"):
        for attr in ("alt", "title"):
            t = " ".join((img.get(attr) or "").split())
            if 25 <= len(t) <= 400:
                caps.append(t)
    return tuple(dict.fromkeys(caps))


def resolve(url: str, base: str) -> str:
    if not url:
        return ""
    try:
        return urljoin(base, url.strip())
    except ValueError:
        return ""


def canonical_of(tree: HtmlElement, meta: PageMeta, url: str) -> str:
    """rel=canonical, else og:url, else the page URL; resolved and canonicalised.

    A canonical that points at the site's home page from a deeper page (a common CMS
    misconfiguration) is ignored.
    """
    own = canonicalize(url)
    candidates = [el.get("href") for el in tree.iter("link") if "canonical" in (el.get("rel") or "").lower().split()]
    candidates.append(meta.get("og:url"))
    for cand in candidates:
        full = canonicalize(resolve(cand or "", url))
        if not full.startswith("http"):
            continue
        if urlsplit(full).path in ("", "/") and urlsplit(own).path not in ("", "/"):
            continue
        return full
    return own


# -- Indonesian pages --------------------------------------------------------------------------


def clean_author(name: str, site_name: str = "", host: str = "") -> str:
    """A person's name from a byline value, without a view counter ("Redaksi-1.471 Dibaca");
    "" for URLs, site names and generic accounts."""
    name = _VIEW_COUNTER.sub(" ", " ".join((name or "").split()))
    name = " ".join(name.split()).strip(" ,|-–—:·•")
    name = re.sub(r"^(?:oleh|by|penulis|reporter|author)(?:\s*:\s*|\s+|$)", "", name, flags=re.I)
    name = _BYLINE_DATE.sub("", name)
    if not name or len(name) > 80 or "://" in name or name.startswith(("@", "www.")):
        return ""
    low = name.lower()
    if low in GENERIC_AUTHORS or (site_name and low == site_name.lower()) or (host and low in host.lower()):
        return ""
    return name


def author_of(
    page: PageFields,
    credit_names: Sequence[str],
    tree: HtmlElement,
    host: str,
    *,
    page_credits: Callable[[], Iterable[str]] = tuple,
    without: frozenset[str] = frozenset(),
) -> str:
    """The author: from structured data, else from the body's credit lines ("Penulis: …", found
    by crawler.extract.lines), else from a byline element, else from credit lines elsewhere on
    the page (``page_credits()``, asked only then); "" when none names a person. A company ("Kompas Cyber Media",
    boilerplate.COMPANY_AUTHOR) is taken only when nothing names a person (rule family
    "bylines", which ``without`` may leave out, with ``page_credits``)."""

    def candidates() -> Iterator[str]:
        yield from page.authors
        yield from (clean_author(name, page.site_name, host) for name in credit_names)
        yield byline_author(tree, page.site_name, host)
        if "bylines" not in without:
            yield from (clean_author(name, page.site_name, host) for name in page_credits())

    if "bylines" in without:
        return next((name for name in candidates() if name), "")
    company = ""
    for name in candidates():
        if name and not B.COMPANY_AUTHOR.fullmatch(name):
            return name
        company = company or name
    return company


def byline_author(tree: HtmlElement, site_name: str = "", host: str = "") -> str:
    """Author from a byline element (rel=author, itemprop=author, class "author"/"byline"/…)."""
    for el in tree.xpath("//*[@rel='author' or @itemprop='author' or @class or @id]"):
        if not isinstance(el.tag, str) or el.tag in ("body", "html", "article", "main", "meta", "link"):
            continue
        toks = attr_tokens(f"{el.get('class') or ''} {el.get('id') or ''}")
        if el.get("rel") == "author" or el.get("itemprop") == "author" or not BYLINE_TOKENS.isdisjoint(toks):
            text = _text(el)
            if not text or len(text) > 80:
                continue
            # "Oleh Rizky Pratama - 27 Desember 2022" -> "Rizky Pratama"
            text = re.split(r"\s[-–—|]\s|,\s|\s+(?=\d)", text)[0]
            name = clean_author(text, site_name, host)
            if name and not find_dates(text) and re.search(r"[A-Za-z]{2}", name):
                return name
    return ""


def guess_language(tree: HtmlElement, meta: PageMeta, text: str) -> str:
    """Two-letter language code: from the page's declaration, else from function words."""
    declared = (tree.get("lang") or tree.get("xml:lang") or "").strip()
    if not declared:
        for key in LANGUAGE_KEYS:
            if meta.get(key):
                declared = meta[key]
                break
    code = re.split(r"[-_]", declared.lower())[0] if declared else ""
    if code == "in":  # the old ISO code for Indonesian
        code = "id"
    words = [w.lower() for w in _WORD.findall(text[:5000])]
    if words:
        scores = {lang: sum(w in vocab for w in words) for lang, vocab in LANGUAGE_WORDS.items()}
        best = max(scores, key=scores.__getitem__)
        # the text wins over a template's default ("en-US" on an Indonesian WordPress site)
        if scores[best] >= 5 and scores[best] >= 2 * min(scores.values()) and code in ("", "en", "id", "ms"):
            return best
    return code if re.fullmatch(r"[a-z]{2,3}", code or "") else ""


@dataclass(frozen=True, slots=True)
class DateText:
    """A date-like text of the page: an element's text (or a ``<time datetime>`` value, then
    ``machine``), and where the element stands: elements after the headline (negative: before
    it), or its place in the page when the headline is not the reference."""

    text: str
    place: int
    machine: bool = False


def _date_texts(el: HtmlElement, place: int) -> Iterator[DateText]:
    """The date-like texts of one element (a ``<time>``, or class/id tokens in DATE_TOKENS)."""
    tag = el.tag
    if tag == "time":
        if el.get("datetime"):
            yield DateText(el.get("datetime"), place, machine=True)
        yield DateText(_text(el), place)
    elif isinstance(tag, str) and tag not in ("script", "style", "body", "html"):
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        if attrs != " " and not DATE_TOKENS.isdisjoint(attr_tokens(attrs)):
            t = _text(el)
            if 6 <= len(t) <= 300:
                yield DateText(t, place)


def headline_element(tree: HtmlElement, title: str = "") -> HtmlElement | None:
    """The story's headline: the ``<h1>``/``<h2>`` whose text is ``title``, else the first ``<h1>``."""
    key = _key(title)
    first: HtmlElement | None = None
    for el in tree.iter("h1", "h2"):
        if key and _key(_text(el)) == key:
            return el
        if first is None and el.tag == "h1":
            first = el
    return first


_AFTER = etree.XPath("following::*[position() <= $n]")
_BEFORE = etree.XPath("preceding::*[position() <= $n]")


def near_headline(headline: HtmlElement, reach: int = W.DATELINE_REACH) -> list[DateText]:
    """The date-like texts of the ``reach`` elements after the headline and before it, with
    their distance (1 for the next element, -1 for the one before)."""
    before = _BEFORE(headline, n=reach)
    texts = [t for i, el in enumerate(before) for t in _date_texts(el, i - len(before))]
    return texts + [t for i, el in enumerate(_AFTER(headline, n=reach), 1) for t in _date_texts(el, i)]


def date_texts(tree: HtmlElement) -> list[DateText]:
    """The date-like texts of the whole page, in document order (place: the element's rank)."""
    return [t for i, el in enumerate(tree.iter()) for t in _date_texts(el, i)]


@dataclass(frozen=True, slots=True)
class DateCandidate:
    """A possible publication time: its source (one of W.PRECEDENCE's) and the date found."""

    source: str
    found: FoundDate

    @property
    def step(self) -> int:
        """Its rank in W.PRECEDENCE (lower wins)."""
        found = self.found
        kind = "day" if not found.has_time else "zoned" if found.zoned else "timed"
        if self.source in ("url", "text") and kind == "zoned":
            kind = "timed"
        return W.PRECEDENCE.index((self.source, kind))


_PUBLISH_WORD = re.compile("|".join(map(re.escape, W.PUBLISH_WORDS)), re.I)
_UPDATE_WORD = re.compile("|".join(map(re.escape, W.UPDATE_WORDS)), re.I)
# datePublished in JSON-LD that does not parse as JSON (a trailing comma, a stray quote)
_JSON_LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]{6,40})"')


def _structured(value: str, offset: int, fetched_at: datetime) -> FoundDate | None:
    """A machine value (meta, JSON-LD, ``<time datetime>``); exactly 00:00:00 is a day."""
    found = parse_date(value, now=fetched_at, default_offset_minutes=offset, relative=False)
    if found is not None and found.has_time and found.value.time() == time(0, 0):
        found = replace(found, has_time=False)
    return found


def _shown(text: str, offset: int, fetched_at: datetime, zone_known: bool, fallback: bool) -> FoundDate | None:
    """A date the reader sees: from a publish word on ("… | Published: 4 April …"), else before
    an update word ("4 April … 10:00 WIB | Diperbarui …"; a line that starts with one is passed
    over). A time without a zone takes the zone written anywhere in its line ("7:36 AM (GMT+7)",
    "… | All times GMT+7"), else the outlet's when known."""
    line = text
    published = _PUBLISH_WORD.search(text)
    updated = _UPDATE_WORD.search(text) if published is None else None
    if published is not None:
        text = text[published.start() :]
    elif updated is not None:
        text = text[: updated.start()]
    found = parse_date(text, now=fetched_at, default_offset_minutes=offset, fallback=fallback)
    if found is None or not found.has_time or found.zoned or found.relative:
        return found
    zone = written_zone(line)
    if zone is not None:
        return in_zone(found, zone)
    return replace(found, zoned=True) if zone_known else found


def published_candidates(
    tree: HtmlElement,
    meta: PageMeta,
    ld: dict,
    body_text: str,
    fetched_at: datetime,
    default_offset_minutes: int | None = W.DEFAULT_OFFSET_MINUTES,
    extra_text: str | None = None,
    *,
    url: str = "",
    title: str = "",
) -> list[DateCandidate]:
    """The candidate publication times of a page, best first by W.PRECEDENCE (docs/dates.md).

    ``default_offset_minutes`` is the outlet's zone for times written without one; None when
    not known (such times are read as UTC, and a dateline's then ranks below structured data).
    ``extra_text`` holds the lines the line rules removed, ``title`` finds the headline, ``url``
    may name the day. The date elements far from the headline are read only when nothing
    nearer gives a time, dateparser only when nothing dates the page at all. Dates after
    ``fetched_at`` and before 1995 are left out.
    """
    zone_known = default_offset_minutes is not None
    offset = default_offset_minutes if default_offset_minutes is not None else 0

    def ok(found: FoundDate | None) -> TypeGuard[FoundDate]:
        return found is not None and datetime(1995, 1, 1, tzinfo=found.value.tzinfo) <= found.value <= fetched_at

    def dated(texts: list[DateText], fallback: bool) -> list[tuple[DateText, FoundDate]]:
        out = []
        for item in texts:
            if item.machine:
                found = _structured(item.text, offset, fetched_at)
            else:
                found = _shown(item.text, offset, fetched_at, zone_known, fallback)
            if ok(found):
                out.append((item, found))
        return out

    out: list[DateCandidate] = []
    published = ld.get("datePublished") if ld else None
    if published is None:
        published = [m.group(1) for raw in _JSON_LD(tree) for m in _JSON_LD_PUBLISHED.finditer(raw)]
    for value in published if isinstance(published, list) else [published]:
        if isinstance(value, str) and ok(found := _structured(value, offset, fetched_at)):
            out.append(DateCandidate("json-ld", found))
            break
    out += [
        DateCandidate("meta", found)
        for key in PUBLISHED_KEYS
        if meta.get(key) and ok(found := _structured(meta[key], offset, fetched_at))
    ]
    # the dateline: the first date element after the headline, else the last one before it
    # (with a <time> value or a wrapper in the same place); relative phrases never are
    headline = headline_element(tree, title)
    near = dated(near_headline(headline), False) if headline is not None else []
    places = [item.place for item, found in near if not found.relative]
    dateline = min((p for p in places if p > 0), default=max(places, default=None))
    for item, found in near:
        at_dateline = item.place == dateline and not found.relative
        out.append(DateCandidate(("meta" if item.machine else "dateline") if at_dateline else "text", found))
    lines = [DateText(line, 0) for line in (extra_text or "").split("\n") if line]
    out += [DateCandidate("text", found) for _, found in dated(lines, False)]
    if ok(found := url_date(url, offset)):
        out.append(DateCandidate("url", found))
    out += [DateCandidate("text", f) for f in find_dates(body_text[:3000], default_offset_minutes=offset) if ok(f)]
    if not any(c.found.has_time for c in out):
        # the rest of the page's date elements (sidebars, footers, a dateline far from the
        # headline), and dateparser for what the patterns miss when nothing else dates the page
        out += [DateCandidate("text", found) for _, found in dated(date_texts(tree), fallback=not out)]
        if not out:
            out = [DateCandidate("text", found) for _, found in dated(lines, True)]
    return sorted(out, key=lambda c: c.step)  # stable: within a step, the order found


def find_published(
    tree: HtmlElement,
    meta: PageMeta,
    ld: dict,
    body_text: str,
    fetched_at: datetime,
    default_offset_minutes: int | None = W.DEFAULT_OFFSET_MINUTES,
    extra_text: str | None = None,
    *,
    url: str = "",
    title: str = "",
) -> datetime | None:
    """Publication datetime: the best candidate by W.PRECEDENCE (the dateline shown beside the
    headline with its zone, then JSON-LD, meta tags, the URL, the text; docs/dates.md). A day
    without a time takes the time of the next candidate on the same day, so a date-only value
    never erases a time shown on the page. Arguments as for :func:`published_candidates`."""
    candidates = published_candidates(
        tree, meta, ld, body_text, fetched_at, default_offset_minutes, extra_text, url=url, title=title
    )
    if not candidates:
        return None
    best = candidates[0].found
    if not best.has_time:
        day = best.value.date()
        best = next((c.found for c in candidates[1:] if c.found.has_time and c.found.value.date() == day), best)
    return best.value


def local_offset(
    host: str,
    language: str,
    html: str,
    *,
    tree: HtmlElement | None = None,
    meta: PageMeta | None = None,
    ld: dict | None = None,
    text: str = "",
) -> int | None:
    """The UTC offset in minutes of times written without a zone on this page, None if unknown.

    An Indonesian outlet's page (W.INDONESIA_* signals: host, language or locale, a zone written
    on the page, structured dates in an Indonesian offset, a text that keeps naming Indonesia)
    is in local time: the offset its structured dates carry (+08:00 for a WITA outlet), else WIB.
    """
    meta = meta or PageMeta()
    values = [v for v in ((ld or {}).get("datePublished"), (ld or {}).get("dateModified")) if isinstance(v, str)]
    values += [meta[k] for k in (*PUBLISHED_KEYS, *MODIFIED_KEYS) if meta.get(k)]
    for value in values:
        found = parse_date(value, default_offset_minutes=0, relative=False)
        offset = found.value.utcoffset() if found is not None and found.zoned else None
        if offset is not None and int(offset.total_seconds() // 60) in W.INDONESIA_OFFSETS_MINUTES:
            return int(offset.total_seconds() // 60)
    declared = [tree.get("lang") or "" if tree is not None else "", *(meta.get(k, "") for k in LANGUAGE_KEYS)]
    locales = [code.strip().lower() for code in declared if code]
    regions = {re.split(r"[-_]", code)[1] for code in locales if re.match(r"^[a-z]{2,3}[-_][a-z]{2}$", code)}
    words = _INDONESIA_WORDS.findall(text[:3000])
    if (
        language in W.INDONESIA_LANGUAGES
        or host.endswith(W.INDONESIA_HOST_SUFFIXES)
        or not regions.isdisjoint(W.INDONESIA_LOCALE_REGIONS)
        or any(zone.search(html) for zone in _INDONESIAN_ZONES)
        or len(words) >= W.INDONESIA_WORDS_MIN
    ):
        return W.DEFAULT_OFFSET_MINUTES
    return None


def find_dateline(first_line: str) -> str:
    """City of a dateline prefix ("REPUBLIKA.CO.ID, SEKAYU - …" -> "SEKAYU"), upper case."""
    m = re.match(rf"^(.{{2,{B.DATELINE_MAX}}}?)\s*[-–—]+\s*(?=\S)", first_line or "")
    if not m:
        return ""
    prefix = m.group(1).strip(" ,:")
    if re.search(r"[.!?]\s|\d{2}", prefix) or len(prefix.split()) > 8:
        return ""
    parts = [p.strip() for p in re.split(r",|(?=\()|(?<=\))", prefix) if p.strip()]

    def outlet(p: str) -> bool:
        return bool(B.OUTLET_PATTERN.fullmatch(p) or B.CAMEL_PATTERN.fullmatch(p) or re.fullmatch(r"[A-Z]{1,3}", p))

    places = [
        p
        for p in parts
        if not outlet(p) and len(p.split()) <= 4 and all(w[:1].isupper() for w in p.split() if w.isalpha())
    ]
    upper = [p for p in places if p.isupper() and len(p) > 3]
    # a dateline is an upper-case city, or a city beside an outlet name ("Tangerang, InfoPublik")
    if upper:
        return upper[0].upper()
    if places and len(places) < len(parts):
        return places[0].upper()
    return ""
