"""Summarise a py-spy profile (``py-spy record --format raw``): CPU samples by area of the
code and by function, for the profile section of the crawl benchmark.

A sample goes to the area of the innermost frame that belongs to a known area (so time in
``re`` called from a kabar rule is the rule's, time in SQLAlchemy called from the archive is
SQLAlchemy's). The areas and what would remove each cost are data here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

#: (area, substrings of a frame's file path), most specific first within a frame.
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("WARC records (warcio, gzip)", ("/warcio/", "/crawler/warcarchive.py", "/storage/warc.py", "/gzip.py")),
    ("MinHash fingerprints (datasketch)", ("/datasketch/", "/storage/fingerprint.py")),
    ("SQLAlchemy and the database driver", ("/sqlalchemy/", "/sqlite3/", "/psycopg/")),
    ("kabar archive code (storage/)", ("/storage/",)),
    ("relevance classifier", ("/crawler/relevance/", "/snowballstemmer/")),
    ("date finding (htmldate, dateparser)", ("/htmldate/", "/dateparser/", "/dateutil/", "/crawler/extract/dates.py")),
    ("trafilatura", ("/trafilatura/", "/justext/")),
    ("kabar extraction rules and page typing", ("/crawler/extract/", "/crawler/pagetype.py", "/crawler/extractpool.py")),
    ("HTML parsing and decoding (lxml, charset detection)", ("/lxml/", "/charset_normalizer/", "/html5lib/")),
    ("URL rules (courlan, w3lib)", ("/courlan/", "/w3lib/", "/crawler/urls.py", "/crawler/discovery")),
    ("handing pages to workers (pickle, pipes)", ("/multiprocessing/", "/concurrent/futures/")),
    ("Scrapy and Twisted (download, scheduling, HTTP)", ("/scrapy/", "/twisted/", "/parsel/", "/h2/", "/OpenSSL/")),
    ("kabar crawl glue (spider, pipelines, run state)", ("/crawler/",)),
    ("start-up (imports)", ("<frozen importlib", "importlib/")),
)
OTHER = "other (standard library, logging)"

#: What would remove each cost: one issue-sized step each.
NOTES: dict[str, str] = {
    "WARC records (warcio, gzip)": "write WARC records from a writer thread (gzip releases the GIL) instead of the reactor thread; or lower the gzip level from 6 to 1 (records are 3x larger than pages anyway).",
    "MinHash fingerprints (datasketch)": "compute the MinHash in the extraction worker with the article (it is a pure function of the text) and hand the 128 values back, so the reactor thread only looks up bands; datasketch's `update_batch` instead of one `update` per shingle.",
    "SQLAlchemy and the database driver": "store each article in one transaction (article, tags, fingerprint bands, story) instead of four, with Core `insert` in place of ORM units of work; batch `fetched_urls` rows per response.",
    "kabar archive code (storage/)": "cache the source id and the run's prepared statements per run; look up the canonical URL and text hash in one query.",
    "relevance classifier": "classify in the extraction worker (the classifier is pure and its vocabulary loads once per worker), so the reactor thread receives the tags with the article.",
    "date finding (htmldate, dateparser)": "try kabar's own Indonesian date patterns and the page's meta tags before htmldate's extensive search, and skip dateparser when a pattern matched.",
    "trafilatura": "hand trafilatura the lxml tree kabar already parsed (one parse a page instead of two) and turn off its fallback extractors when the first pass finds enough text.",
    "kabar extraction rules and page typing": "compile the boilerplate XPaths once into one `etree.XPath` union and run the listing-page test on the tree trafilatura parsed instead of re-parsing the page.",
    "HTML parsing and decoding (lxml, charset detection)": "decode with the charset the HTTP header or meta tag declares and run charset detection only when decoding fails; parse each page once and share the tree.",
    "URL rules (courlan, w3lib)": "canonicalise each discovered link once per run (memoise by URL) instead of at every listing page that repeats it.",
    "handing pages to workers (pickle, pipes)": "send workers the WARC record pointer instead of the page body (they read the page from the WARC file), so only the small Article travels back.",
    "Scrapy and Twisted (download, scheduling, HTTP)": "nothing kabar can cut: this is fetching itself (the fetch-only spider's cost); more crawl processes (Scrapyd nodes) spread it.",
    "kabar crawl glue (spider, pipelines, run state)": "record fetch outcomes in batches per response rather than one call per URL; keep the per-run state in plain dicts.",
    "start-up (imports)": "fixed per crawl: import trafilatura and dateparser lazily in the crawl process (only workers need them).",
    OTHER: "look at the function table: no single area.",
}

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


@dataclass
class Profile:
    samples: int = 0
    areas: Counter = field(default_factory=Counter)
    functions: Counter = field(default_factory=Counter)
    processes: Counter = field(default_factory=Counter)  # "crawl process" / "extraction workers"


def area_of(files: list[str]) -> str:
    """The area of a stack, given its frames' files innermost first."""
    for path in files:
        path = path if path.startswith(("/", "<")) else "/" + path  # py-spy shortens paths
        for area, patterns in AREAS:
            if any(p in path for p in patterns):
                return area
    return OTHER


def _short(path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "/lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def parse(path: Path) -> Profile:
    """Read py-spy's raw (collapsed stack) output."""
    profile = Profile()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        processes = []
        while stack.startswith("process ") and '";' in stack:  # command lines may hold ";"
            head, stack = stack.split('";', 1)
            processes.append(head)
        role = "extraction workers" if any("forkserver" in p for p in processes) else "crawl process"
        frames = stack.split(";")
        parsed = [m for m in (_FRAME.match(f) for f in reversed(frames)) if m]
        if not parsed:
            continue
        profile.samples += n
        profile.processes[role] += n
        profile.areas[area_of([m["file"] for m in parsed])] += n
        leaf = parsed[0]
        profile.functions[f"`{leaf['func']}` ({_short(leaf['file'])})"] += n
    return profile
