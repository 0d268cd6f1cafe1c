"""Near-duplicate check plus insert per article, at 1,000 and at 100,000 archived articles.

The archive is synthetic: Indonesian-looking news texts generated from the vocabulary of the
example sites' stories (Zipf-weighted words, 5-8 paragraphs, about 260 words), one in ten a
near duplicate of an earlier one (a paragraph dropped, a few words changed, a new title). The
archive is built fast with bulk inserts of precomputed signatures, bands and stories, in
article order with every index in place, so the (band, hash) index fills as a crawl fills it
(random keys, pages about two-thirds full; an index made afterwards in one sorted pass is
packed full, and then nearly every new band splits a page, which tripled the pages a commit
wrote at 100,000); then the same measured articles (new texts and near duplicates of stored ones) go through
``Archive.store_article`` one by one (the row, its MinHash, bands and story in one
transaction), as the crawler stores them. The ratio 100k / 1k is the figure (bar: at most 1.5×). The example
sites' syndicated copies give the threshold check: pairs joined and false merges.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import multiprocessing
import random
import re
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SIZES = (1_000, 100_000)
MEASURED = 300  # articles timed at each size (after a warm-up)
WARMUP = 30
DUPLICATE_SHARE = 0.1  # near duplicates among archived and measured articles
BUILD_CHUNK = 5_000
_WORD = re.compile(r"[a-z]{3,}")
_BASE_TIME = datetime(2020, 1, 1, tzinfo=UTC)


# -- synthetic texts ------------------------------------------------------------------------


def vocabulary() -> list[str]:
    """Words of the example sites' stories, most frequent first."""
    from tests.support.gold import gold_copies

    counts: dict[str, int] = defaultdict(int)
    for copy in gold_copies():
        for word in _WORD.findall(copy["text"].lower()):
            counts[word] += 1
    return sorted(counts, key=lambda w: (-counts[w], w))


_CUMULATIVE: dict[int, list[float]] = {}


class TextMaker:
    """Deterministic news-like texts and near-duplicate copies of them."""

    def __init__(self, seed: int = 7, words: list[str] | None = None) -> None:
        self.rng = random.Random(seed)
        self.words = words or vocabulary()
        # Zipf-like weights: frequent function words recur, as in real text.
        self.cum = _CUMULATIVE.get(id(self.words))
        if self.cum is None:
            self.cum = _CUMULATIVE[id(self.words)] = list(
                itertools.accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(self.words)))
            )

    def _pick(self, n: int) -> list[str]:
        total = self.cum[-1]
        return [self.words[bisect.bisect(self.cum, self.rng.random() * total)] for _ in range(n)]

    def sentence(self) -> str:
        words = self._pick(self.rng.randint(9, 18))
        return " ".join(words).capitalize() + "."

    def text(self) -> str:
        paragraphs = [
            " ".join(self.sentence() for _ in range(self.rng.randint(2, 4))) for _ in range(self.rng.randint(5, 8))
        ]
        return "\n\n".join(paragraphs)

    def title(self) -> str:
        return " ".join(self._pick(self.rng.randint(6, 11))).title()

    def near_copy(self, text: str) -> str:
        """Another outlet's edit: one paragraph dropped (if more than four), about 2% of the
        words replaced, a closing line added (example-site copies score 0.73-0.97)."""
        paragraphs = text.split("\n\n")
        if len(paragraphs) > 4:
            del paragraphs[self.rng.randrange(1, len(paragraphs))]
        edited = []
        for paragraph in paragraphs:
            words = paragraph.split(" ")
            for i in range(len(words)):
                if self.rng.random() < 0.02:
                    words[i] = self._pick(1)[0]
            edited.append(" ".join(words))
        edited.append(self.sentence())
        return "\n\n".join(edited)


# -- building an archive fast ---------------------------------------------------------------

_WORDS: list[str] | None = None


def _init_worker(words: list[str]) -> None:
    global _WORDS
    _WORDS = words


def _is_copy(seed: int, i: int) -> bool:
    return i > 10 and random.Random(seed * 1_000_003 + i).random() < DUPLICATE_SHARE


def _original_text(seed: int, i: int, words: list[str]) -> str:
    return TextMaker(seed * 1_000_003 + i, words).text()


def synthetic_article(seed: int, i: int, words: list[str]) -> dict[str, Any]:
    """Article ``i`` of the synthetic archive ``seed``: its own generator per index, so any
    article can be made alone (in parallel) and a prefix of a larger archive is the smaller
    one. About DUPLICATE_SHARE of them are near copies (``of``) of an earlier original."""
    if not _is_copy(seed, i):
        return {
            "text": _original_text(seed, i, words),
            "title": TextMaker(seed * 3_000_017 + i, words).title(),
            "of": None,
        }
    pick = random.Random(seed * 7_919 + i)
    original = pick.randrange(i)
    while _is_copy(seed, original):
        original = pick.randrange(i)
    copier = TextMaker(seed * 2_000_003 + i, words)
    return {"title": copier.title(), "text": copier.near_copy(_original_text(seed, original, words)), "of": original}


def _prepare(job: tuple[int, int]) -> tuple[int, int | None, bytes | None, list[tuple[int, int]], str, str]:
    from storage.fingerprint import band_hashes, signature
    from storage.textnorm import search_text

    seed, i = job
    row = synthetic_article(seed, i, _WORDS)
    sig = signature(row["text"])
    bands = band_hashes(sig) if sig else []
    return i, row["of"], sig, bands, row["title"], row["text"], search_text(row["title"], row["text"])


def build_archive(url: str, n: int, seed: int, pool) -> dict[str, Any]:
    """A new archive at ``url`` holding ``n`` synthetic articles with signatures, bands and
    stories (near copies in their original's story), inserted in bulk with the indexes in
    place (see the module docstring)."""
    from sqlalchemy import insert

    from storage.archive import Archive
    from storage.db import open_archive
    from storage.models import Article, Story, utcnow

    started = time.perf_counter()
    engine = open_archive(url)
    archive = Archive(engine)
    sources = [archive.ensure_source(f"situs{i}", f"https://situs{i}.example/") for i in range(6)]
    story_of: dict[int, int] = {}
    now = utcnow()
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        raw.execute("PRAGMA cache_size = -200000")
        batch: list[tuple] = []
        jobs = ((seed, i) for i in range(n))
        for item in pool.imap(_prepare, jobs, chunksize=250):
            batch.append(item)
            if len(batch) == BUILD_CHUNK:
                _insert_batch(conn, raw, batch, sources, story_of, now, Article, Story, insert)
                batch = []
        if batch:
            _insert_batch(conn, raw, batch, sources, story_of, now, Article, Story, insert)
        raw.execute("PRAGMA cache_size = -2000")  # back to SQLite's default for the measurement
    with engine.connect() as c:
        c.exec_driver_sql("ANALYZE")
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"engine": engine, "archive": archive, "sources": sources, "n": n, "seconds": time.perf_counter() - started}


def _insert_batch(conn, raw, batch, sources, story_of, now, Article, Story, insert) -> None:
    stories = []
    for i, of, *_ in batch:
        if of is None:
            story_of[i] = story_of["next"] = story_of.get("next", 0) + 1
            # An original comes before its copies and is published first: the representative.
            stories.append(
                {
                    "id": story_of[i],
                    "representative_id": i + 1,
                    "first_published": _BASE_TIME + timedelta(minutes=i),
                    "created_at": now,
                }
            )
        else:
            story_of[i] = story_of[of]
    conn.execute(insert(Story.__table__), stories)
    conn.execute(
        insert(Article.__table__),
        [
            {
                "id": i + 1,
                "source_id": sources[i % len(sources)],
                "url": f"https://situs{i % len(sources)}.example/berita/{i}",
                "title": title,
                "text": text,
                "published_at": _BASE_TIME + timedelta(minutes=i),
                "language": "id",
                "relevant": True,
                "meta": {},
                "search_text": stemmed,
                "story_id": story_of[i],
                "minhash": sig,
                "created_at": now,
                "updated_at": now,
            }
            for i, _of, sig, _bands, title, text, stemmed in batch
        ],
    )
    raw.executemany(
        "INSERT INTO article_bands (article_id, band, hash) VALUES (?, ?, ?)",
        [(i + 1, band, value) for i, _of, _sig, bands, *_ in batch for band, value in bands],
    )


# -- measuring -------------------------------------------------------------------------------


def measured_articles(seed: int, words: list[str], count: int, originals: int) -> list[dict[str, Any]]:
    """New articles: mostly new texts, about 30% near copies (``of``) of archived originals
    among the first ``originals`` (present in every archive size)."""
    from storage.fingerprint import signature, similarity

    maker = TextMaker(seed, words)
    out = []
    while len(out) < count:
        if maker.rng.random() < DUPLICATE_SHARE * 3:
            original = maker.rng.randrange(originals)
            if _is_copy(7, original):
                continue
            text = maker.near_copy(_original_text(7, original, words))
            sim = similarity(signature(text), signature(_original_text(7, original, words)))
            out.append({"title": maker.title(), "text": text, "of": original, "sim": sim})
        else:
            out.append({"title": maker.title(), "text": maker.text(), "of": None})
    return out


def _store_one(built: dict[str, Any], k: int, row: dict[str, Any]) -> tuple[float, int, int]:
    from sqlalchemy import select

    from storage.models import Article

    fields = {
        "url": f"https://baru.example/berita/{k}",
        "source_id": built["sources"][k % 6],
        "title": row["title"],
        "text": row["text"],
        "published_at": _BASE_TIME + timedelta(days=400, minutes=k),
    }
    started = time.perf_counter()
    article_id, _ = built["archive"].store_article(fields)
    seconds = time.perf_counter() - started
    with built["engine"].connect() as conn:
        story = conn.execute(select(Article.story_id).where(Article.id == article_id)).scalar_one()
    return seconds, article_id, story


def measure(builds: dict[int, dict[str, Any]], articles: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Time each article on every archive in turn (alternating which goes first), so load
    from other processes on the machine falls on every size alike."""
    from sqlalchemy import and_, func, or_, select
    from sqlalchemy.orm import Session

    from storage.fingerprint import STORY_THRESHOLD, band_hashes, signature
    from storage.models import Article, ArticleBand

    sizes = sorted(builds)
    times: dict[int, list[float]] = {size: [] for size in sizes}
    assigned: dict[int, list[tuple[int, int]]] = {size: [] for size in sizes}
    gc.collect()
    gc.freeze()  # the bench's own objects are not the archive's cost
    for k, row in enumerate(articles):
        order = sizes if k % 2 else sizes[::-1]
        for size in order:
            seconds, article_id, story = _store_one(builds[size], k, row)
            times[size].append(seconds)
            assigned[size].append((article_id, story))
    gc.unfreeze()
    results = {}
    for size in sizes:
        joined = wrong = 0
        candidates = []
        with Session(builds[size]["engine"]) as s:
            for (article_id, story), row in list(zip(assigned[size], articles, strict=True))[WARMUP:]:
                if row["of"] is not None:
                    joined += story == s.scalar(select(Article.story_id).where(Article.id == row["of"] + 1))
                elif s.scalar(select(func.count()).where(Article.story_id == story)) > 1:
                    wrong += 1
                bands = band_hashes(signature(row["text"]))
                match = or_(*(and_(ArticleBand.band == b, ArticleBand.hash == h) for b, h in bands))
                candidates.append(
                    s.scalar(
                        select(func.count(func.distinct(ArticleBand.article_id))).where(
                            match, ArticleBand.article_id != article_id
                        )
                    )
                )
        t = times[size][WARMUP:]
        results[size] = {
            "mean": statistics.fmean(t),
            "median": statistics.median(t),
            "p95": statistics.quantiles(t, n=20)[-1],
            "joined": joined,
            "dups": sum(row["of"] is not None for row in articles[WARMUP:]),
            "eligible": sum(row.get("sim", 0) >= STORY_THRESHOLD for row in articles[WARMUP:]),
            "false_merges": wrong,
            "candidates": statistics.fmean(candidates),
            "max_candidates": max(candidates),
        }
    return results


def example_sites() -> dict[str, Any]:
    """Assign every example-site copy through a real archive (SQLite) and compare with gold."""
    from storage.archive import Archive
    from storage.db import open_archive
    from storage.fingerprint import signature, similarity
    from tests.support.gold import gold_copies

    copies = gold_copies()
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_archive(f"sqlite:///{tmp}/gold.db")
        archive = Archive(engine)
        story_of = {}
        for copy in copies:
            source = archive.ensure_source(copy["site"], f"https://{copy['site']}.example/")
            article_id, _ = archive.add_article(
                {
                    "url": f"https://{copy['site']}.example/{copy['slug']}",
                    "source_id": source,
                    "title": copy["title"],
                    "text": copy["text"],
                    "published_at": datetime.fromisoformat(copy["published"]),
                }
            )
            story_of[(copy["site"], copy["slug"])] = archive.assign_story(article_id)
        engine.dispose()
    sigs = {(c["site"], c["slug"]): signature(c["text"]) for c in copies}
    same, other = [], []
    joined = pairs = false_merges = 0
    for a, b in itertools.combinations(sorted(story_of), 2):
        sim = similarity(sigs[a], sigs[b])
        if a[1] == b[1]:
            pairs += 1
            joined += story_of[a] == story_of[b]
            same.append(sim)
        else:
            other.append(sim)
            false_merges += story_of[a] == story_of[b]
    return {
        "copies": len(copies),
        "slugs": len({c["slug"] for c in copies}),
        "pairs": pairs,
        "joined": joined,
        "false_merges": false_merges,
        "same": same,
        "other": other,
        "stories": len(set(story_of.values())),
    }


def run() -> str:
    from storage.fingerprint import BANDS, NUM_PERM, ROWS, STORY_THRESHOLD, candidate_probability

    gold = example_sites()
    words = vocabulary()
    builds: dict[int, dict[str, Any]] = {}
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        with ctx.Pool(initializer=_init_worker, initargs=(words,)) as pool:
            for size in SIZES:
                # Same seed at every size: the small archive is a prefix of the large one.
                builds[size] = build_archive(f"sqlite:///{Path(tmp) / f'dedup{size}.db'}", size, 7, pool)
        articles = measured_articles(99, words, WARMUP + MEASURED, originals=SIZES[0])
        results = measure(builds, articles)
        for built in builds.values():
            built["engine"].dispose()
    small, large = results[SIZES[0]], results[SIZES[-1]]
    ratio = large["mean"] / small["mean"]
    ratio_median = large["median"] / small["median"]
    lo_same, hi_other = min(gold["same"]), max(gold["other"])

    def ms(x: float) -> str:
        return f"{x * 1000:.2f}"

    lines = [
        "## Near duplicates and stories",
        "",
        f"MinHash over word 3-grams ({NUM_PERM} permutations), LSH with {BANDS} bands × {ROWS} rows "
        f"stored in `article_bands (band, hash)` (indexed); story threshold: estimated Jaccard ≥ "
        f"{STORY_THRESHOLD}. P(candidate) = 1 − (1 − s^{ROWS})^{BANDS}: "
        + ", ".join(f"{s} → {candidate_probability(s):.3f}" for s in (0.1, 0.3, 0.5, 0.6, 0.7))
        + ".",
        "",
        "### Example sites (syndicated copies in the gold)",
        "",
        f"{gold['copies']} copies of {gold['slugs']} stories, every copy through `add_article` + "
        "`assign_story` on SQLite (newest first, so earlier copies join later).",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| syndicated pairs (same story, different site) | {gold['pairs']} |",
        f"| pairs joined in one story | {gold['joined']} / {gold['pairs']} |",
        f"| false merges (pairs of different stories in one story) | {gold['false_merges']} |",
        f"| stories made | {gold['stories']} (gold: {gold['slugs']}) |",
        f"| similarity of syndicated pairs: min / median / max | {lo_same:.2f} / "
        f"{statistics.median(gold['same']):.2f} / {max(gold['same']):.2f} |",
        f"| similarity of different stories: max (of {len(gold['other']):,} pairs) | {hi_other:.2f} |",
        f"| P(candidate) at the lowest syndicated pair | {candidate_probability(lo_same):.4f} |",
        "",
        "### Check + insert per article against archive size (SQLite)",
        "",
        f"Synthetic archive (texts from the example sites' vocabulary, {DUPLICATE_SHARE:.0%} near "
        f"copies), built in bulk with its indexes in place (so they fill as a crawl fills them: "
        "an index built afterwards in one sorted pass is packed full, and nearly every new band "
        f"would split a page); then {MEASURED} new articles (after {WARMUP} warm-up), about "
        f"{DUPLICATE_SHARE * 3:.0%} near copies of archived ones, each through `store_article` "
        "(row, MinHash, bands and story in one transaction, as the crawl stores it).",
        "",
        "| archive | build (s) | mean ms | median ms | p95 ms | candidates/article (mean, max) | "
        "near copies joined (of those ≥ threshold) | false merges |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in SIZES:
        r = results[size]
        lines.append(
            f"| {size:,} | {builds[size]['seconds']:.1f} | {ms(r['mean'])} | {ms(r['median'])} | {ms(r['p95'])} | "
            f"{r['candidates']:.2f}, {r['max_candidates']} | {r['joined']} / {r['dups']} ({r['eligible']}) | {r['false_merges']} |"
        )
    verdict = "within" if ratio <= 1.5 else "over"
    lines += [
        "",
        f"**Per-article cost at {SIZES[-1]:,} / at {SIZES[0]:,}: {ratio:.2f}× (mean), "
        f"{ratio_median:.2f}× (median)** — {verdict} the 1.5× bar. A commit writes about as many "
        "pages at both sizes; what grows is the WAL checkpoint, which at 100,000 copies back mostly "
        "distinct band-index pages (the p95), see [scaling.md](scaling.md).",
    ]
    return "\n".join(lines)
