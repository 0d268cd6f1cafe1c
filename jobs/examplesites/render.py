"""Render every page of one example site (HTML, feeds, sitemaps, robots.txt) with Jinja2.

``SiteRenderer(site, catalog, bases).build()`` returns ``{request_key: Page}``; the same
inputs always give the same bytes. Templates live in ``templates/<site>/`` (markup)
and ``templates/common/`` (feeds, sitemaps, robots.txt).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

import jinja2

from .dates import format_site_date, http_date
from .pages import STATIC_MTIME, Page, make_page, request_key
from .sites import (
    FEED_ITEMS,
    PER_PAGE,
    SITES,
    TOPIC_LABELS,
    Site,
    amp_path,
    article_path,
    dateline_prefix,
    digest,
    listing_page_path,
    page_chunks,
)
from .stories import Copy

logger = logging.getLogger(__name__)

# Names the sites print as editors / posters (chosen per copy by a stable hash).
EDITORS = {
    "wartanusantara": ("Muhammad Hafil", "Nora Azizah", "Fernan Rahadi"),
    "sumselpos": ("Redaksi Sumsel Pos", "Andi Wijaya"),
    "sumaterakabar": ("Imam Ghazali", "Herwanto", "Deni Saputra"),
    "infodaerah": ("Eka Yonavilbia", "Kusnadi", "Fajar Wahyu"),
    "jurnalsilampari": ("Redaksi JS",),
    "palembangkini": ("Wawan Perdana", "Slamet Teguh", "Vanda Rosetiati"),
}
SITEMAP_CHILD_SIZE = 10  # URLs per child sitemap on the sitemap-index site
PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared Jinja2 environment over the packaged templates."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("jobs.examplesites", "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def charset_plan(copies: list[Copy]) -> dict[str, tuple[str, str]]:
    """(actual encoding, declared charset) per copy slug on a site with charset tricks.

    Every second copy (oldest first) is windows-1252 and says so; the oldest copy with
    non-ASCII text is windows-1252 bytes that claim UTF-8 (meta and header).
    """
    oldest_first = sorted(copies, key=lambda c: (c.published, c.slug))
    plan = {c.slug: ("cp1252", "windows-1252") if i % 2 else ("utf-8", "UTF-8") for i, c in enumerate(oldest_first)}
    if oldest_first:

        def non_ascii(c: Copy) -> bool:
            return any(ord(ch) > 127 for ch in c.title + "".join(c.paragraphs))

        liar = next((c for c in oldest_first if non_ascii(c)), oldest_first[0])
        plan[liar.slug] = ("cp1252", "UTF-8")
    return plan


def _chunked(items: list[Copy], size: int) -> list[list[Copy]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


class SiteRenderer:
    """Renders one site from its copies; ``bases`` maps site key -> base URL ("http://h:p/")."""

    def __init__(self, site: Site | str, catalog: Mapping[str, list[Copy]], bases: Mapping[str, str]) -> None:
        self.site = SITES[site] if isinstance(site, str) else site
        self.catalog = catalog
        self.copies = list(catalog[self.site.key])
        self.bases = bases
        self.base = bases[self.site.key].rstrip("/")
        self.env = environment()
        self.pages: dict[str, Page] = {}
        self.charsets = charset_plan(self.copies) if self.site.charset_tricks else {}
        self.topics = sorted({c.topic for c in self.copies})
        self.popular = sorted(self.copies, key=lambda c: digest("popular", c.site, c.slug))[:5]
        self.newest = max((c.published for c in self.copies), default=STATIC_MTIME)

    # ----- helpers exposed to templates -------------------------------------------------
    def abs(self, path: str) -> str:
        """Absolute URL of a path on this site."""
        return self.base + path

    def link(self, copy: Copy, context: str = "") -> str:
        """Absolute link to ``copy`` as this site writes it in ``context`` (with tracking)."""
        url = self.url_of(copy)
        tracking = self.site.tracking.get(context)
        return f"{url}?{tracking}" if tracking else url

    def url_of(self, copy: Copy) -> str:
        """Canonical absolute URL of any copy (on any site)."""
        return self.bases[copy.site].rstrip("/") + article_path(copy)

    def _globals(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "base": self.base,
            "abs": self.abs,
            "link": self.link,
            "url_of": self.url_of,
            "date": lambda c: format_site_date(c.site, c.published),
            "iso": lambda dt: dt.isoformat(),
            "rfc822": http_date,
            "topic_label": TOPIC_LABELS.get,
            "topics": self.topics,
            "popular": self.popular,
            "latest": self.copies[:5],
            "section_url": self.section_url,
            "feed_url": self.abs(self.site.feed),
            "sites": SITES,
            "jsonld": self.jsonld,
            "image_of": lambda c: self.bases[c.site].rstrip("/") + self.image_path(c),
            "page_path": lambda base, n: self.abs(listing_page_path(base, self.site, n)),
        }

    def jsonld(self, copy: Copy, url: str, image: str) -> dict[str, Any]:
        """schema.org NewsArticle for ``copy`` (sites with machine-readable dates)."""
        return {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "headline": copy.title,
            "description": copy.summary,
            "image": {"@type": "ImageObject", "url": image, "width": 1200, "height": 675},
            "datePublished": copy.published.isoformat(),
            "dateModified": copy.published.isoformat(),
            "author": {"@type": "Person", "name": copy.author},
            "publisher": {
                "@type": "Organization",
                "name": self.site.name,
                "logo": {"@type": "ImageObject", "url": self.abs("/images/logo.png")},
            },
            "inLanguage": "id-ID",
            "articleSection": TOPIC_LABELS[copy.topic],
        }

    def section_url(self, topic: str) -> str:
        """Absolute URL of a topic section."""
        return self.abs(self.site.section.format(topic=topic))

    def _render(self, template: str, **context: Any) -> str:
        name = template if "/" in template else f"{self.site.key}/{template}"
        return self.env.get_template(name).render(**self._globals(), **context)

    def _add(self, target: str, page: Page) -> None:
        key = request_key(target)
        if key in self.pages:
            raise ValueError(f"{self.site.key}: two pages at {key}")
        self.pages[key] = page

    def _html(
        self,
        target: str,
        template: str,
        last_modified: datetime,
        *,
        encoding: str = "utf-8",
        declared: str = "UTF-8",
        **context: Any,
    ) -> None:
        text = self._render(template, charset=declared, **context)
        self._add(target, make_page(text, "text/html", last_modified, encoding=encoding, declared=declared))

    # ----- page groups -------------------------------------------------------------------
    def build(self) -> dict[str, Page]:
        """Render every page of the site."""
        self._home()
        self._listings(self.site.listing, None, self.copies)
        for topic in self.topics:
            self._listings(self.site.section.format(topic=topic), topic, [c for c in self.copies if c.topic == topic])
        for i, copy in enumerate(self.copies):
            self._article(i, copy)
        self._feed()
        self._sitemaps()
        self._robots()
        for path in self.site.static_pages:
            self._html(path, "page.html", STATIC_MTIME, kind="static", slug=path.strip("/"))
        if self.site.search:
            for topic in self.topics:
                q = TOPIC_LABELS[topic].lower()
                self._add(f"{self.site.search}?q={q.replace(' ', '+')}", self.search_page(q))
        logger.debug("rendered %d pages for %s", len(self.pages), self.site.key)
        return self.pages

    def build_for_feed(self, newest: int) -> dict[str, Page]:
        """robots.txt, the feed and the pages of the ``newest`` copies: what a feed reader fetches
        from a site that just published (bench/sitefarm.py renders only these)."""
        for i, copy in enumerate(self.copies[:newest]):
            self._article(i, copy)
        self._feed()
        self._robots()
        return self.pages

    def _robots(self) -> None:
        self._add("/robots.txt", make_page(self._render("common/robots.txt"), "text/plain", STATIC_MTIME))

    def not_found(self) -> Page:
        """The site's 404 page."""
        text = self._render("page.html", kind="404", slug="404", charset="UTF-8")
        return make_page(text, "text/html", STATIC_MTIME, status=404)

    def search_page(self, query: str) -> Page:
        """Search results for ``query`` (the path robots.txt disallows on search sites)."""
        words = query.lower().split()
        hits = [c for c in self.copies if all(w in (c.title + " " + " ".join(c.paragraphs)).lower() for w in words)]
        text = self._render("page.html", kind="search", slug="cari", query=query, hits=hits[:20], charset="UTF-8")
        return make_page(text, "text/html", self.newest)

    def _home(self) -> None:
        self._html(
            "/",
            "home.html",
            self.newest,
            headline=self.copies[:1],
            items=self.copies[:12],
            by_topic={t: [c for c in self.copies if c.topic == t][:4] for t in self.topics},
        )

    def _listings(self, base: str, topic: str | None, copies: list[Copy]) -> None:
        chunks = _chunked(copies, PER_PAGE)
        pages = len(chunks)
        urls = [self.abs(listing_page_path(base, self.site, n)) for n in range(1, pages + 1)]
        for n, items in enumerate(chunks, start=1):
            mtime = max((c.published for c in items), default=STATIC_MTIME)
            self._html(
                listing_page_path(base, self.site, n),
                "listing.html",
                mtime,
                topic=topic,
                items=items,
                page=n,
                pages=pages,
                page_urls=urls,
                prev_url=urls[n - 2] if n > 1 else None,
                next_url=urls[n] if n < pages else None,
            )

    def _related(self, copy: Copy, n: int) -> list[Copy]:
        others = [c for c in self.copies if c.slug != copy.slug]
        return sorted(others, key=lambda c: (c.topic != copy.topic, digest(copy.slug, c.slug)))[:n]

    def _article(self, i: int, copy: Copy) -> None:
        path = article_path(copy)
        url = self.abs(path)
        chunks = page_chunks(self.site.key, copy.paragraphs)
        original = self.catalog_original(copy)
        common = {
            "copy": copy,
            "url": url,
            "prefix": dateline_prefix(copy),
            "related": self._related(copy, 4),
            "baca_juga": self._related(copy, 6)[4:] or self._related(copy, 2),
            "editor": EDITORS[self.site.key][digest("editor", copy.slug) % len(EDITORS[self.site.key])],
            "views": f"{100 + digest('views', copy.site, copy.slug) % 4900:,}".replace(",", "."),
            "comments": digest("comments", copy.slug) % 7,
            "newer": self.copies[i - 1] if i > 0 else None,
            "older": self.copies[i + 1] if i + 1 < len(self.copies) else None,
            "original": original,
            "image": self.abs(self.image_path(copy)),
            "amp_url": self.abs(amp_path(copy)) if self.site.amp else None,
            "mobile_url": url + "?m=1" if self.site.mobile else None,
            "pages": len(chunks),
            "page_urls": [url] + [f"{url}?page={n}" for n in range(2, len(chunks) + 1)],
            "all_url": f"{url}?page=all" if len(chunks) > 1 else None,
        }
        encoding, declared = self.charsets.get(copy.slug, ("utf-8", "UTF-8"))
        for n, chunk in enumerate(chunks, start=1):
            target = path if n == 1 else f"{path}?page={n}"
            self._html(
                target,
                "article.html",
                copy.published,
                encoding=encoding,
                declared=declared,
                paragraphs=chunk,
                page=n,
                first=n == 1,
                last=n == len(chunks),
                **common,
            )

        def whole(target: str, template: str, page: int, **charset: str) -> None:
            """The whole article on one page: all pages joined, the AMP or the mobile view."""
            self._html(
                target,
                template,
                copy.published,
                paragraphs=copy.paragraphs,
                page=page,
                first=True,
                last=True,
                **charset,
                **common,
            )

        if len(chunks) > 1:
            whole(f"{path}?page=all", "article.html", 0)
        if self.site.amp:
            whole(amp_path(copy), "amp.html", 1)
        if self.site.mobile:
            whole(f"{path}?m=1", "mobile.html", 1, encoding=encoding, declared=declared)
        self._add(self.image_path(copy), Page(PNG_1x1, "image/png", copy.published))

    def catalog_original(self, copy: Copy) -> Copy | None:
        """The original copy of ``copy``'s story when ``copy`` is a syndicated one."""
        if copy.original:
            return None
        for copies in self.catalog.values():
            for c in copies:
                if c.slug == copy.slug and c.original:
                    return c
        return None

    def image_path(self, copy: Copy) -> str:
        """Path of the copy's lead image."""
        p = copy.published
        return f"/images/{p.year:04d}/{p.month:02d}/{article_path(copy).rstrip('/').rsplit('/', 1)[-1]}.png"

    def _feed(self) -> None:
        items = self.copies[:FEED_ITEMS]
        if self.site.feed_kind == "atom":
            self._add(
                self.site.feed,
                make_page(
                    self._render("common/atom.xml", items=items, updated=self.newest),
                    "application/atom+xml",
                    self.newest,
                ),
            )
        else:
            self._add(
                self.site.feed,
                make_page(
                    self._render("common/rss.xml", items=items, updated=self.newest), "application/rss+xml", self.newest
                ),
            )

    def _listing_urls(self) -> list[str]:
        urls = [self.abs(self.site.listing)]
        urls += [self.section_url(t) for t in self.topics]
        return urls

    def _sitemaps(self) -> None:
        xml = "application/xml"
        for path in self.site.sitemaps:
            if "news" in path:
                text = self._render("common/sitemap_news.xml", items=self.copies)
            elif "index" in path:
                text = self._sitemap_index()
            else:
                text = self._render(
                    "common/sitemap.xml", items=self.copies, extra=[self.abs("/")] + self._listing_urls()
                )
            self._add(path, make_page(text, xml, self.newest))

    def _sitemap_index(self) -> str:
        """Yoast-style index: post-sitemap.xml, post-sitemap2.xml, ..., page- and category-sitemap."""
        xml = "application/xml"
        children: list[tuple[str, datetime]] = []
        oldest_first = list(reversed(self.copies))
        for n, chunk in enumerate(_chunked(oldest_first, SITEMAP_CHILD_SIZE), start=1):
            path = "/post-sitemap.xml" if n == 1 else f"/post-sitemap{n}.xml"
            mtime = max((c.published for c in chunk), default=STATIC_MTIME)
            self._add(path, make_page(self._render("common/sitemap.xml", items=chunk, extra=[]), xml, mtime))
            children.append((path, mtime))
        self._add(
            "/page-sitemap.xml",
            make_page(
                self._render(
                    "common/sitemap.xml",
                    items=[],
                    extra=[self.abs("/")] + [self.abs(p) for p in self.site.static_pages],
                ),
                xml,
                STATIC_MTIME,
            ),
        )
        self._add(
            "/category-sitemap.xml",
            make_page(self._render("common/sitemap.xml", items=[], extra=self._listing_urls()), xml, self.newest),
        )
        children += [("/page-sitemap.xml", STATIC_MTIME), ("/category-sitemap.xml", self.newest)]
        return self._render("common/sitemap_index.xml", children=children)


def render_site(
    site: str, catalog: Mapping[str, list[Copy]], bases: Mapping[str, str]
) -> tuple[dict[str, Page], Callable[[str], Page | None], Page]:
    """Render a site; return (pages by key, dynamic page lookup, 404 page)."""
    renderer = SiteRenderer(site, catalog, bases)
    pages = renderer.build()
    search = renderer.site.search

    def dynamic(key: str) -> Page | None:
        path, _, query = key.partition("?")
        if search and path == search:
            q = parse_qs(query).get("q", [""])[0]
            return renderer.search_page(q)
        return None

    return pages, dynamic, renderer.not_found()
