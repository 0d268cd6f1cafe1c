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
    (
        "kabar extraction rules and page typing",
        ("/crawler/extract/", "/crawler/pagetype.py", "/crawler/extractpool.py"),
    ),
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
    "WARC records (warcio, gzip)": (
        "every record is built and gzip'd on the reactor thread: compress in a writer thread (zlib releases "
        "the GIL), or in the extraction worker that already holds the page, and only append bytes on the "
        "reactor thread."
    ),
    "MinHash fingerprints (datasketch)": (
        "the signature is made in the extraction workers already; what is left is the band lookup and "
        "similarity check per new article: keep each run's new bands in memory too, so near copies within one"
        " run need no query."
    ),
    "SQLAlchemy and the database driver": (
        "new articles are stored a group to a transaction on SQLite already (crawler/groupstore.py: those of "
        "50 ms, one commit); what is left is executing the ten or so prebuilt statements per article and the "
        "two duplicate lookups, each on a connection of its own: run the lookups on the connection that "
        "stores the group, or hand storing to a writer process so it runs beside the reactor."
    ),
    "kabar archive code (storage/)": (
        "the workers make the text hash and full-text stems of a one-page article; an article split over "
        "pages is still hashed, stemmed, tagged and fingerprinted on the reactor thread after its pages are "
        "joined: send the joined text to a worker."
    ),
    "relevance classifier": (
        "runs in the extraction workers already (per-word stems cached): score from one pass over the stems "
        "instead of one per vocabulary dimension."
    ),
    "date finding (htmldate, dateparser)": (
        "htmldate's extensive search runs when the page's meta tags and kabar's Indonesian patterns found "
        "nothing: try the JSON-LD and URL date first and skip it when they agree."
    ),
    "trafilatura": (
        "trafilatura copies the tree on each call and a second, slower pass runs when the pruned pass yields "
        "too little text: count how often that fallback fires on real pages and tighten MIN_TEXT or the "
        "pruning so it rarely does."
    ),
    "kabar extraction rules and page typing": (
        "`mark_boilerplate` tests every element against the token rules and then runs each structural XPath "
        "over the tree: fold the structural XPaths into one compiled union evaluated once."
    ),
    "HTML parsing and decoding (lxml, charset detection)": (
        "each page is parsed once, by `load_html` in the worker (`listing_reason` reuses that tree); what is "
        "left is the parse itself and the `text_content` calls of the rules: read text with one `itertext` "
        "walk per rule instead of `text_content` per element."
    ),
    "URL rules (courlan, w3lib)": (
        "canonicalise each discovered link once per run (memoise by URL) instead of at every listing page "
        "that repeats it."
    ),
    "handing pages to workers (pickle, pipes)": (
        "pages go to the workers in batches while they are busy; each still travels pickled through a pipe: "
        "the page is already in the WARC file when the item is made, so send the record pointer and let the "
        "worker read it."
    ),
    "Scrapy and Twisted (download, scheduling, HTTP)": (
        "the fixed cost of fetching (the fetch-only spider's), on the same thread that stores: split a "
        "crawl's sources over two crawl processes (the daemon and Scrapyd already run one per source), or "
        "move storing to a writer process."
    ),
    "kabar crawl glue (spider, pipelines, run state)": (
        "the spider looks up the last fetch of each listing page for conditional GET, one query each: load "
        "the run's known validators in one query at start."
    ),
    "start-up (imports)": (
        "fixed per crawl process (the workers start warm from the fork server): import trafilatura and "
        "dateparser lazily in the crawl process, which only extracts with `extract_workers = 0`."
    ),
    OTHER: "no single area: see the function table.",
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
