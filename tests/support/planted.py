"""A generated archive whose true answers are known: planted words in known articles, known
publication times (some across the WIB day boundary, some undated), sources, regions,
dimensions, stories and hidden articles. The expected totals and counts are computed here
from the same records, in plain Python, to check storage.query and storage.counts against.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine, insert

from storage.models import Article, ArticleDimension, ArticleRegion, Source, Story
from storage.textnorm import search_text

WIB = timezone(timedelta(hours=7))
SIZE = 3600
SOURCES = ["situs0", "situs1", "situs2", "situs3", "situs4"]
REGIONS = [
    ("16.06", "Musi Banyuasin", "kabupaten"),
    ("16.71", "Palembang", "kota"),
    ("16.03", "Muara Enim", "kabupaten"),
    ("16.07", "Banyuasin", "kabupaten"),
]
PROVINCE = ("16", "Sumatera Selatan", "provinsi")
DIMENSIONS = ["governance", "economy", "society"]
FILLER = (
    "Pemerintah kota meresmikan layanan baru bagi warga di kantor kecamatan. Petugas membantu "
    "masyarakat mengurus dokumen kependudukan dan perizinan usaha dengan cepat. "
)
#: planted in two of every three articles, once in the text: more matches than a search ranked
#: before (the 2,000 most recently archived)
COMMON = "sungsang"
#: planted in every 50th article
RARE = "kerlip"
#: the one old, short article dense with COMMON (title and text): it must rank first
DENSE_ID = 4
START = datetime(2023, 1, 1, tzinfo=UTC)


@dataclass
class Planted:
    """One generated article, as the tests see it."""

    id: int
    source: str
    published: datetime | None
    story: int  # story id (every article has one; most are alone in theirs)
    words: set[str]
    region: tuple[str, str, str]
    dimension: str
    hidden: bool = False
    title: str = ""
    text: str = ""


def planted_articles(size: int = SIZE) -> list[Planted]:
    """The archive's articles, ids 1..size; the same list on every call."""
    out = []
    for i in range(size):
        aid = i + 1
        # spread over two years, every 8 hours and 7 minutes, so some fall after 17:00 UTC
        # (the next day in WIB); every 97th is undated
        published = None if aid % 97 == 0 else START + timedelta(minutes=487 * i)
        story = aid - 1 if aid % 7 == 0 else aid  # every 7th joins the previous article's story
        words = set()
        if aid % 3 != 1:
            words.add(COMMON)
        if aid % 50 == 0:
            words.add(RARE)
        title = f"Kabar kota nomor {aid}"
        text = FILLER * 3 + " ".join(sorted(words)) + "."
        if aid == DENSE_ID:
            words = {COMMON}
            title = f"{COMMON.title()} {COMMON} di Banyuasin"
            text = f"{COMMON} " * 8 + "warga."
        out.append(
            Planted(
                id=aid,
                source=SOURCES[i % len(SOURCES)],
                published=published,
                story=story,
                words=words,
                region=REGIONS[i % len(REGIONS)],
                dimension=DIMENSIONS[i % len(DIMENSIONS)],
                hidden=aid % 211 == 0,
                title=title,
                text=text,
            )
        )
    return out


def load(engine: Engine, articles: list[Planted]) -> None:
    """Write the articles into an empty, upgraded archive with bulk inserts."""
    sqlite = engine.dialect.name == "sqlite"
    now = datetime.now(UTC)
    with engine.begin() as conn:
        ids = {}
        for k, name in enumerate(SOURCES, start=1):
            conn.execute(insert(Source.__table__), [{"id": k, "name": name, "url": f"https://{name}.example/"}])
            ids[name] = k
        stories = sorted({a.story for a in articles})
        conn.execute(insert(Story.__table__), [{"id": s, "representative_id": s, "created_at": now} for s in stories])
        rows = []
        for a in articles:
            row = {
                "id": a.id,
                "source_id": ids[a.source],
                "url": f"https://{a.source}.example/berita/{a.id}",
                "title": a.title,
                "text": a.text,
                "language": "id",
                "published_at": a.published,
                "relevant": True,
                "score": float(a.id % 10),
                "reasons": [],
                "meta": {},
                "story_id": a.story,
                "created_at": now,
                "updated_at": now,
                "hidden_at": now if a.hidden else None,
                "hidden_reason": "test" if a.hidden else None,
            }
            if sqlite:
                row["search_text"] = search_text(a.title, a.text)
            rows.append(row)
        conn.execute(insert(Article.__table__), rows)
        conn.execute(
            insert(ArticleRegion.__table__),
            [
                {"article_id": a.id, "code": c, "name": n, "type": t}
                for a in articles
                for c, n, t in (a.region, PROVINCE)
            ],
        )
        conn.execute(
            insert(ArticleDimension.__table__), [{"article_id": a.id, "dimension": a.dimension} for a in articles]
        )
        if not sqlite:
            for table in ("articles", "stories", "sources"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )


# -- the true answers ---------------------------------------------------------------------


def matching(articles: list[Planted], word: str | None = None, **filters) -> list[Planted]:
    """Visible articles with ``word`` (any, when None) that pass ``filters``: source=, since=,
    until= (aware datetimes), region= (name), dimension=."""
    out = []
    for a in articles:
        if a.hidden or (word is not None and word not in a.words):
            continue
        if "source" in filters and a.source != filters["source"]:
            continue
        if "since" in filters and (a.published is None or a.published < filters["since"]):
            continue
        if "until" in filters and (a.published is None or a.published >= filters["until"]):
            continue
        if "region" in filters and a.region[1] != filters["region"]:
            continue
        if "dimension" in filters and a.dimension != filters["dimension"]:
            continue
        out.append(a)
    return out


def period(when: datetime, by: str) -> str:
    """The period key of ``when`` in WIB."""
    local = when.astimezone(WIB)
    if by == "day":
        return local.strftime("%Y-%m-%d")
    if by == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.strftime("%Y-%m" if by == "month" else "%Y")


def expected_counts(found: list[Planted], by: str, stories: bool = True) -> tuple[int, dict[str, int], int]:
    """(total, counts by key, undated) as storage.counts defines them."""
    if by in ("day", "week", "month", "year"):
        if stories:
            dates: dict[int, list[datetime]] = {}
            for a in found:
                dates.setdefault(a.story, [])
                if a.published is not None:
                    dates[a.story].append(a.published)
            first = {story: min(when) if when else None for story, when in dates.items()}
            times = list(first.values())
        else:
            times = [a.published for a in found]
        counted = Counter(period(t, by) for t in times if t is not None)
        undated = sum(t is None for t in times)
        return len(times), dict(counted), undated
    key = {
        "source": lambda a: a.source,
        "region": lambda a: a.region[1],
        "province": lambda a: PROVINCE[1],
        "dimension": lambda a: a.dimension,
    }[by]
    if stories:
        pairs = {(key(a), a.story) for a in found}
        total = len({a.story for a in found})
    else:
        pairs = {(key(a), a.id) for a in found}
        total = len(found)
    return total, dict(Counter(k for k, _ in pairs)), 0
