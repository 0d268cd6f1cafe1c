"""What ``kabar sources`` looks for and how strictly it judges: paths, words and thresholds
as data, so a new site quirk is one entry here."""

import re

# --- fetching -----------------------------------------------------------------------------
TIMEOUT = 30.0  # seconds one request may take in all, redirects and the whole body included
BUDGET = 180.0  # seconds all the requests of one `sources add`, or one source's check, may take
MAX_REDIRECTS = 10  # hops one request follows (the crawler's REDIRECT_MAX_TIMES)
MAX_BYTES = 10 * 1024 * 1024  # bodies are cut off past this (the crawler's DOWNLOAD_MAXSIZE)

# --- feeds ----------------------------------------------------------------------------------
# <link rel="alternate" type=...> types that are feeds.
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
# Advertised feeds that are not article feeds (WordPress comment feeds, per-post feeds).
NOT_ARTICLE_FEED = re.compile(r"comment|komentar|/wp-json/", re.IGNORECASE)
# Tried in this order when the homepage advertises no working feed (WordPress, portals, Hugo).
FEED_PATHS = (
    "/feed/",
    "/feed",
    "/rss",
    "/rss.xml",
    "/index.xml",
    "/feed.xml",
    "/atom.xml",
    "/feed.atom",
    "/rss/",
    "/index.rss",
)

# --- sitemaps -------------------------------------------------------------------------------
# Tried in this order when robots.txt names no sitemap.
SITEMAP_PATHS = (
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/sitemap-news.xml",
    "/news-sitemap.xml",
    "/sitemap_news.xml",
    "/wp-sitemap.xml",
)
SITEMAP_CHILDREN_READ = 1  # child sitemaps of an index read for sample article URLs

# --- listings -------------------------------------------------------------------------------
# Path words of section, category and index pages: such links are probed first.
LISTING_HINT = re.compile(
    r"(?:^|/)(?:category|categories|kategori|kanal|topic|topik|tag|rubrik|rubric|section|seksi"
    r"|berita|news|daerah|regional|nusantara|indeks|index|terkini|terbaru|latest|archive|arsip)(?:/|$)",
    re.IGNORECASE,
)
# Links inside these elements (by tag, or class/id words) are navigation: probed first too.
NAV_TAGS = ("nav", "header")
NAV_WORDS = re.compile(r"\b(?:nav|menu|navbar|navigation|kanal|rubrik)\b", re.IGNORECASE)
# Paths that are never listings: feeds, APIs, accounts, search, media.
NOT_LISTING = re.compile(
    r"(?:^|/)(?:(?:feed|rss|atom)(?:\.\w+)?|wp-json|wp-admin|wp-login\.php|xmlrpc\.php|login|masuk|daftar|register"
    r"|search|cari|author|penulis|amp|cdn-cgi|wp-content|assets?|static|images?|img|css|js)(?:/|$|\?)",
    re.IGNORECASE,
)
MAX_LISTING_PROBES = 12  # candidate pages fetched
MIN_LISTING_ARTICLES = 3  # article links that make a page a listing
MAX_LISTINGS = 1  # listings written to the source: the main one (pagination takes it deeper)

# --- sampling -------------------------------------------------------------------------------
ADD_SAMPLES = 10  # articles fetched and previewed by `sources add`
CHECK_SAMPLES = 3  # articles fetched by `sources check`
PREVIEW_CHARS = 240  # first characters of each sampled article's text in the preview
MIN_ARTICLE_TEXT = 200  # characters of text below which an extraction counts as empty

# --- health ---------------------------------------------------------------------------------
# Quiet: nothing in the last 7 days although the source usually has at least this many a week.
QUIET_WEEKLY = 3.0
# Silent: nothing in 30 days although it usually has at least this many a week -> failing.
SILENT_WEEKLY = 2.0
# Falling: fewer than this share of the usual weekly count, for sources with at least
# FALLING_WEEKLY articles a week.
FALLING_SHARE = 0.25
FALLING_WEEKLY = 8.0
# No successful crawl for this many days while crawls keep running -> failing.
STALE_DAYS = 3
FAILED_RUN_STATUSES = ("failed", "timeout", "killed")
