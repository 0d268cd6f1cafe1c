"""Vocabulary of discovery: what looks like an article URL and what looks like a next page.

Kept as data so a new site's quirk is one entry here, not a branch in the code.
"""

import re

# An article path when a source gives no ``article_pattern``: a dated path, a numeric id
# followed by a slug, or a long hyphenated slug (three words or more) as the last segment.
DEFAULT_ARTICLE_PATTERN = re.compile(
    r"(?:/\d{4}/\d{1,2}/(?:\d{1,2}/)?[^/]+"  # WordPress and portals: /2021/12/15/slug/
    r"|/\d{3,}[/-][a-z0-9-]{8,}"  # /berita/12345/slug, /read/12345-slug
    r"|/[a-z0-9]+(?:-[a-z0-9]+){3,}(?:\.html?)?)/?$",  # /a-long-article-slug
    re.IGNORECASE,
)

# Link texts that lead to the next page of a listing, Indonesian and English.
NEXT_PAGE_TEXTS = frozenset(
    {
        "next",
        "next page",
        "older posts",
        "selanjutnya",
        "berikutnya",
        "halaman berikutnya",
        "halaman selanjutnya",
        "berita sebelumnya",
        "lebih banyak",
        "muat lebih banyak",
        "load more",
        "»",
        "›",
        ">",
        "next »",
        "selanjutnya »",
    }
)

# Pagination in a listing URL: /page/2/, ?page=2, ?p=2, /halaman/2.
PAGINATION_HREF = re.compile(r"(?:/page/\d+/?$|[?&](?:page|p|hal|halaman)=\d+|/halaman/\d+/?$)")

# Paths that are files, never article pages.
NON_ARTICLE_EXTENSIONS = (
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".svg",
    ".pdf",
    ".zip",
    ".mp3",
    ".mp4",
    ".xml",
    ".rss",
    ".css",
    ".js",
)

# Child sitemaps of an index that list taxonomy or static pages, not articles (WordPress/Yoast,
# Rank Math and similar plugins name them like this): skipped when reading a sitemap index.
NON_ARTICLE_SITEMAP = re.compile(
    r"(?:^|[/_-])(?:page|pages|category|categories|tag|tags|post_tag|author|authors|attachment"
    r"|product_cat|product_tag|local|video|image)[-_]?sitemap\d*\.xml(?:\.gz)?$",
    re.IGNORECASE,
)
