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
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeGuard
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from ..urls import canonicalize
from . import boilerplate as B
from . import datewords as W
from .dates import FoundDate, find_dates, parse_date

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
    if not name or len(name) > 80 or "://" in name or name.startswith(("@", "www.")):
        return ""
    low = name.lower()
    if low in GENERIC_AUTHORS or (site_name and low == site_name.lower()) or (host and low in host.lower()):
        return ""
    return name


def author_of(page: PageFields, credit_names: Sequence[str], tree: HtmlElement, host: str) -> str:
    """The author: from structured data, else from the body's credit lines ("Penulis: …", found
    by crawler.extract.lines), else from a byline element; "" when none names a person."""
    if page.authors:
        return page.authors[0]
    credited = (clean_author(name, page.site_name, host) for name in credit_names)
    return next((name for name in credited if name), "") or byline_author(tree, page.site_name, host)


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


def date_elements(tree: HtmlElement) -> Iterator[str]:
    """Texts (and datetime attributes) of elements that look like a story's date line."""
    for el in tree.iter("time"):
        if el.get("datetime"):
            yield el.get("datetime")
        yield _text(el)
    for el in tree.xpath("//*[@class or @id][not(self::script or self::style or self::body or self::html)]"):
        if not DATE_TOKENS.isdisjoint(attr_tokens(f"{el.get('class') or ''} {el.get('id') or ''}")):
            t = _text(el)
            if 6 <= len(t) <= 300:
                yield t


def find_published(
    tree: HtmlElement,
    meta: PageMeta,
    ld: dict,
    body_text: str,
    fetched_at: datetime,
    default_offset_minutes: int = W.DEFAULT_OFFSET_MINUTES,
    extra_text: str | None = None,
) -> datetime | None:
    """Publication datetime: structured data first, then the page's date line, then the text.

    A structured date without a time of day is completed from a same-day date with a time in
    the page text. Dates after ``fetched_at`` and before 1995 are ignored.
    """

    def ok(found: FoundDate | None) -> TypeGuard[FoundDate]:
        return found is not None and datetime(1995, 1, 1, tzinfo=found.value.tzinfo) <= found.value <= fetched_at

    structured: FoundDate | None = None
    values = [v for v in ([ld.get("datePublished")] if ld else []) if isinstance(v, str)]
    values += [meta[k] for k in PUBLISHED_KEYS if meta.get(k)]
    for value in values:
        found = parse_date(value, now=fetched_at, default_offset_minutes=default_offset_minutes, relative=False)
        if ok(found):
            structured = found
            break
    if structured is not None and structured.has_time:
        return structured.value

    texts: list[FoundDate] = []
    for snippet in date_elements(tree) if extra_text is None else [*extra_text.split("\n"), *date_elements(tree)]:
        if any(w in snippet.lower() for w in W.UPDATE_WORDS) and not re.search(
            r"terbit|publish|dipublikasikan", snippet, re.I
        ):
            continue
        found = parse_date(snippet, now=fetched_at, default_offset_minutes=default_offset_minutes)
        if ok(found):
            texts.append(found)
    for found in find_dates(body_text[:3000], default_offset_minutes=default_offset_minutes):
        if ok(found):
            texts.append(found)

    if structured is not None:
        for found in texts:
            if found.has_time and found.value.date() == structured.value.date():
                return found.value
        return structured.value
    with_time = [f for f in texts if f.has_time]
    if with_time:
        return with_time[0].value
    return texts[0].value if texts else None


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
