"""StorePipeline of a stand-in crawler (real settings, stats and run state, no reactor), and
the items DedupPipeline hands it."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from crawler.extract import Article
from crawler.items import ArticlePage
from crawler.pipelines.store import StorePipeline
from crawler.runstate import RunState
from storage.textnorm import text_hash

TEXT = (
    "Pemerintah Kabupaten Musi Banyuasin meluncurkan aplikasi layanan publik terpadu "
    "sebagai bagian dari program kota cerdas. "
) * 4

CONFIG = """
[[sources]]
name = "satu"
url = "http://127.0.0.1:9/"

[[sources]]
name = "dua"
url = "http://127.0.0.2:9/"
"""


def pipeline_of(source: str, tmp_path, **grouping: float) -> StorePipeline:
    """StorePipeline of a stand-in crawler whose spider has an open run of ``source``; ``grouping``
    holds the KABAR_STORE_GROUP_* settings it is given (none by default)."""
    config = tmp_path / "sources.toml"
    if not config.exists():
        config.write_text(CONFIG, encoding="utf-8")
    settings = Settings(
        {
            "KABAR_DATABASE_URL": f"sqlite:///{tmp_path / 'kabar.db'}",
            "KABAR_CONFIG": str(config),
            "KABAR_DATA_DIR": str(tmp_path / "data"),
            **grouping,
        }
    )
    crawler = SimpleNamespace(settings=settings, spider=None)
    crawler.stats = MemoryStatsCollector(crawler)
    crawler.spider = SimpleNamespace(run=RunState.open(crawler, source))
    return StorePipeline(crawler)


def item(url: str, *, text: str = TEXT, requested: str | None = None) -> ArticlePage:
    """An item as DedupPipeline hands it on: extracted, canonical URL and text hash set."""
    return ArticlePage(
        url=url,
        requested=requested or url,
        canonical=url,
        status=200,
        body=b"",
        encoding="utf-8",
        fetched_at=datetime(2026, 11, 30, 4, 0, tzinfo=UTC),
        article=Article(
            url=url,
            title="Aplikasi layanan publik terpadu",
            text=text,
            published=datetime(2026, 11, 29, 3, 0, tzinfo=UTC),
            language="id",
        ),
        text_hash=text_hash(text),
        warc={"file": "kabar-1.warc.gz", "offset": 0, "length": 100},
    )
