"""New articles of a crawl stored a few to a transaction (crawler/groupstore.py)."""

from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from twisted.internet.task import Clock

from crawler.groupstore import GroupedStore, grouped_store
from storage.archive import NewArticle
from storage.models import Article
from tests.support.deferreds import fired


def _articles(archive, n: int, *, start: int = 0) -> list[NewArticle]:
    source = archive.ensure_source("warta", "https://warta.example/")
    return [
        NewArticle(
            {
                "source_id": source,
                "url": f"https://warta.example/berita/{i}",
                "title": f"Berita nomor {i}",
                "text": f"Isi berita nomor {i} tentang kota cerdas di Muba.",
            }
        )
        for i in range(start, start + n)
    ]


def _count_commits(engine) -> list[int]:
    commits: list[int] = []
    event.listen(engine, "commit", lambda conn: commits.append(1))
    return commits


def test_articles_handed_over_within_the_delay_share_one_commit(archive, engine) -> None:
    clock = Clock()
    store = GroupedStore(archive, size=10, delay=0.05, clock=clock)
    new = _articles(archive, 4)
    commits = _count_commits(engine)
    results = fired([store.add(a) for a in new[:3]])
    assert results == [] and commits == []  # waiting for the delay
    clock.advance(0.05)
    assert [created for _, created in results] == [True, True, True]
    assert len(commits) == 1 and (store.groups, store.articles) == (1, 3)
    later = fired([store.add(new[3])])
    clock.advance(0.05)
    assert later[0][1] is True and len(commits) == 2
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 4


def test_a_full_group_is_written_at_once(archive, engine) -> None:
    clock = Clock()
    store = GroupedStore(archive, size=3, delay=10, clock=clock)
    results = fired([store.add(a) for a in _articles(archive, 3)])
    assert len(results) == 3 and not clock.getDelayedCalls()  # no timer left behind
    store.add(_articles(archive, 1, start=3)[0])
    store.flush()  # a spider closing writes what waits
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 4


def test_a_bad_article_fails_alone(archive, engine) -> None:
    clock = Clock()
    store = GroupedStore(archive, size=10, delay=0.05, clock=clock)
    good = _articles(archive, 2)
    bad = NewArticle(
        {**good[0].fields, "url": "https://warta.example/rusak", "text": "Lain."},
        fetch={"url": "https://warta.example/rusak", "kind": "video"},
    )
    results = fired([store.add(good[0]), store.add(bad), store.add(good[1])])
    clock.advance(0.05)
    assert results[0][1] is True and results[2][1] is True
    assert "unknown fetch kind" in str(results[1].value)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 2


def test_crawlers_of_one_process_share_the_store_of_their_archive(archive) -> None:
    one = grouped_store(archive, size=8, delay=0.05, threshold=0.5)
    assert grouped_store(archive, size=8, delay=0.05, threshold=0.5) is one
    assert grouped_store(archive, size=8, delay=0.05, threshold=0.6) is not one
