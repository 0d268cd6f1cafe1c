"""Stories of near duplicates, takedowns and grouped search, through the real Archive on SQLite
and PostgreSQL; two writer processes assigning near duplicates at once."""

from __future__ import annotations

import multiprocessing
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.fingerprint import signature, similarity
from storage.models import ArticleBand, Story
from storage.query import SearchRequest, count, get_article, iter_articles, search
from tests.support.gold import gold_copies

SPBE = "muba-indeks-spbe-satu-data"  # one story carried by three sites


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    return gold_copies()


def store_gold(archive, copies: list[dict]) -> dict[tuple[str, str], int]:
    """Every gold copy as an article of its site (newest first, as gold_copies gives them, so
    earlier copies arrive later), each assigned a story; returns article ids by (site, slug)."""
    sources: dict[str, int] = {}
    ids = {}
    for copy in copies:
        site = copy["site"]
        if site not in sources:
            sources[site] = archive.ensure_source(site, f"https://{site}.example/")
        article_id, created = archive.add_article(
            {
                "url": f"https://{site}.example/{copy['slug']}",
                "source_id": sources[site],
                "title": copy["title"],
                "text": copy["text"],
                "published_at": datetime.fromisoformat(copy["published"]),
            }
        )
        assert created
        archive.assign_story(article_id)
        ids[(site, copy["slug"])] = article_id
    return ids


def stories_of(engine, ids: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    from storage.models import Article

    with Session(engine) as s:
        by_id = dict(s.execute(select(Article.id, Article.story_id)).all())
    return {key: by_id[article_id] for key, article_id in ids.items()}


# -- the example sites' syndicated copies -----------------------------------------------------


def test_every_syndicated_pair_joins_and_no_stories_merge(archive, engine, gold) -> None:
    ids = store_gold(archive, gold)
    story = stories_of(engine, ids)
    slugs_of_story: dict[int, set[str]] = defaultdict(set)
    stories_of_slug: dict[str, set[int]] = defaultdict(set)
    for (_site, slug), story_id in story.items():
        assert story_id is not None
        slugs_of_story[story_id].add(slug)
        stories_of_slug[slug].add(story_id)
    pairs = [(a, b) for a in story for b in story if a[1] == b[1] and a[0] < b[0]]
    assert len(pairs) >= 20  # the gold has syndicated pairs to test
    assert all(story[a] == story[b] for a, b in pairs), "a syndicated pair was split"
    assert all(len(s) == 1 for s in stories_of_slug.values())
    assert all(len(s) == 1 for s in slugs_of_story.values()), "two different stories merged"
    assert len(slugs_of_story) == len({c["slug"] for c in gold})
    # The representative is the earliest publication, and first_published follows it.
    with Session(engine) as s:
        for story_id, (slug,) in slugs_of_story.items():
            row = s.get(Story, story_id)
            copies = [c for c in gold if c["slug"] == slug]
            first = min(copies, key=lambda c: datetime.fromisoformat(c["published"]))
            assert row.representative_id == ids[(first["site"], slug)]
            assert row.first_published == datetime.fromisoformat(first["published"])


def test_story_members_and_get_article(archive, engine, gold) -> None:
    ids = store_gold(archive, [c for c in gold if c["slug"] in (SPBE, gold[0]["slug"])])
    spbe = {site: i for (site, slug), i in ids.items() if slug == SPBE}
    assert len(spbe) == 3
    some = next(iter(spbe.values()))
    archive.add_alias(some, f"https://amp.example/{SPBE}")
    story_id = archive.assign_story(some)  # already assigned: the same story back
    members = archive.story_articles(story_id)
    assert {m["id"] for m in members} == set(spbe.values())
    published = [m["published"] for m in members]
    assert published == sorted(published)
    assert all(m["hidden"] is None for m in members)
    article = get_article(engine, some)
    assert article["story_id"] == story_id and article["hidden"] is None
    assert article["warc"] is None and article["removed_at"] is None
    listed = article["story"]["articles"]
    assert article["story"]["id"] == story_id
    assert {a["source"] for a in listed} == set(spbe)
    assert set(listed[0]) == {"id", "url", "title", "source", "published", "aliases"}
    assert [a["aliases"] for a in listed if a["id"] == some] == [[f"https://amp.example/{SPBE}"]]


def test_unknown_ids_and_bad_threshold(archive) -> None:
    with pytest.raises(ValueError, match="no article"):
        archive.assign_story(999_999)
    with pytest.raises(ValueError, match="no article"):
        archive.rebuild_story(999_999)
    with pytest.raises(ValueError, match="no article"):
        archive.hide(999_999, "takedown")
    with pytest.raises(ValueError, match="no article"):
        archive.unhide(999_999)
    source = archive.ensure_source("s", "https://s.example/")
    article_id, _ = archive.add_article(
        {"url": "https://s.example/a", "source_id": source, "text": "teks yang cukup panjang " * 5}
    )
    with pytest.raises(ValueError, match="threshold"):
        archive.assign_story(article_id, threshold=0)
    with pytest.raises(ValueError, match="reason"):
        archive.hide(article_id, "  ")
    assert archive.story_articles(999_999) == []


def test_short_texts_stay_alone(archive, engine) -> None:
    source = archive.ensure_source("s", "https://s.example/")
    stories = set()
    for i in range(2):
        article_id, _ = archive.add_article(
            {"url": f"https://s.example/foto-{i}", "source_id": source, "title": "Foto", "text": "Foto: Humas Pemkab"}
        )
        stories.add(archive.assign_story(article_id))
    assert len(stories) == 2
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(ArticleBand)) == 0


def test_threshold_is_a_parameter(archive, gold) -> None:
    a, b = [c for c in gold if c["slug"] == SPBE][:2]
    sim = similarity(signature(a["text"]), signature(b["text"]))
    source = archive.ensure_source("s", "https://s.example/")
    first, _ = archive.add_article({"url": "https://s.example/1", "source_id": source, "text": a["text"]})
    second, _ = archive.add_article({"url": "https://s.example/2", "source_id": source, "text": b["text"]})
    one = archive.assign_story(first)
    assert archive.assign_story(second, threshold=min(1.0, sim + 0.01)) != one
    # rebuild_story (re-extraction) takes it out and assigns it again, here with the default.
    assert archive.rebuild_story(second) == one


def test_rebuild_and_delete_keep_stories_consistent(archive, engine, gold) -> None:
    ids = store_gold(archive, [c for c in gold if c["slug"] == SPBE])
    by_date = sorted(ids.values(), key=lambda i: get_article(engine, i)["published"])
    first, second, third = by_date
    story_id = get_article(engine, first)["story_id"]
    # Re-extraction found another text for the representative: it leaves the story.
    archive.update_article(
        first,
        {
            "text": "Hujan deras membuat banjir merendam ratusan rumah warga "
            "di kawasan Sekip Ujung Palembang sejak sore hari."
        },
    )
    new_story = archive.rebuild_story(first)
    assert new_story != story_id
    with Session(engine) as s:
        assert s.get(Story, story_id).representative_id == second
        assert s.get(Story, story_id).first_published == get_article(engine, second)["published"]
        assert s.get(Story, new_story).representative_id == first
        assert s.scalar(select(func.count()).where(ArticleBand.article_id == first)) == 32
    archive.delete_article(second)
    with Session(engine) as s:
        assert s.get(Story, story_id).representative_id == third
        assert s.scalar(select(func.count()).where(ArticleBand.article_id == second)) == 0
    archive.delete_article(third)
    with Session(engine) as s:
        assert s.get(Story, story_id) is None


# -- search: one hit per story, takedowns --------------------------------------------------------


def test_search_shows_a_story_once_with_also_in(archive, engine, gold) -> None:
    ids = store_gold(archive, gold)
    spbe = {site: i for (site, slug), i in ids.items() if slug == SPBE}
    req = dict(query="SPBE", limit=100)
    hits = search(engine, SearchRequest(**req))
    assert count(engine, SearchRequest(**req)) == len(hits)
    assert len({h.story_id for h in hits}) == len(hits)
    spbe_hits = [h for h in hits if h.id in spbe.values()]
    assert len(spbe_hits) == 1
    hit = spbe_hits[0]
    assert sorted(hit.also_in) == sorted(set(spbe) - {hit.source})
    # --all-copies: every article.
    every = search(engine, SearchRequest(**req, group_stories=False))
    assert count(engine, SearchRequest(**req, group_stories=False)) == len(every)
    assert {h.id for h in every} >= set(spbe.values())
    assert {h.story_id for h in every} == {h.story_id for h in hits}
    assert len(every) >= len(hits) + 2
    # Without a text query the story shows as its representative (the earliest publication).
    listing = search(engine, SearchRequest(limit=None))
    assert len(listing) == len({c["slug"] for c in gold}) == count(engine, SearchRequest())
    first = min(spbe.values(), key=lambda i: get_article(engine, i)["published"])
    assert [h.id for h in listing if h.id in spbe.values()] == [first]
    published = [h.published for h in listing]
    assert published == sorted(published, reverse=True)
    # A source filter picks that source's copy; also_in still names every other outlet.
    other = next(site for site in spbe if spbe[site] != first)
    only = search(engine, SearchRequest(query="SPBE", sources=[other]))
    assert [h.id for h in only if h.story_id == hit.story_id] == [spbe[other]]
    assert sorted(next(h.also_in for h in only if h.id == spbe[other])) == sorted(set(spbe) - {other})
    # Paging walks stories, not copies.
    pages = [
        h.id for off in range(0, len(hits), 3) for h in search(engine, SearchRequest(query="SPBE", limit=3, offset=off))
    ]
    assert pages == [h.id for h in hits]
    # Export carries every copy with its story.
    exported = list(iter_articles(engine, SearchRequest(query="SPBE", limit=None)))
    assert len(exported) == len(every)
    assert {a["story_id"] for a in exported if a["id"] in spbe.values()} == {hit.story_id}


def test_hidden_articles_leave_search_and_export_and_come_back(archive, engine, gold) -> None:
    ids = store_gold(archive, [c for c in gold if c["slug"] == SPBE])
    by_date = sorted(ids.items(), key=lambda kv: get_article(engine, kv[1])["published"])
    (rep_site, _), rep = by_date[0]
    archive.hide(rep, "permintaan narasumber")
    article = get_article(engine, rep)
    assert article["hidden"]["reason"] == "permintaan narasumber"
    assert article["hidden"]["at"].tzinfo is not None
    visible = {i for _, i in by_date[1:]}
    for req in (SearchRequest(query="SPBE"), SearchRequest()):
        hits = search(engine, req)
        assert [h.id for h in hits] == [by_date[1][1]]  # the next copy stands for the story
        assert rep_site not in hits[0].also_in
        assert count(engine, req) == 1
    assert count(engine, SearchRequest(group_stories=False)) == 2
    assert {a["id"] for a in iter_articles(engine)} == visible
    assert rep not in {a["id"] for a in get_article(engine, by_date[1][1])["story"]["articles"]}
    assert rep in {a["id"] for a in article["story"]["articles"]}  # its own page still lists it
    # include_hidden shows it again, marked.
    shown = {a["id"]: a["hidden"] for a in iter_articles(engine, SearchRequest(limit=None, include_hidden=True))}
    assert shown[rep]["reason"] == "permintaan narasumber"
    assert search(engine, SearchRequest(include_hidden=True))[0].id == rep
    archive.unhide(rep)
    assert get_article(engine, rep)["hidden"] is None
    assert search(engine, SearchRequest())[0].id == rep
    assert {a["id"] for a in iter_articles(engine)} == set(ids.values())


def test_articles_without_a_story_are_their_own_group(archive, engine, stored) -> None:
    hits = search(engine, SearchRequest(limit=None))
    assert len(hits) == len(stored) == count(engine, SearchRequest())
    assert all(h.story_id is None and h.also_in == [] for h in hits)
    assert get_article(engine, stored["muba_smart_city"])["story"] is None


# -- two writer processes --------------------------------------------------------------------


def near_copy_pair(i: int) -> tuple[str, str]:
    """Two near-identical texts of story ``i`` (a release and an edited copy)."""
    from bench.bench_dedup import TextMaker, vocabulary

    words = _WORDS.setdefault("words", vocabulary())
    maker = TextMaker(1_000 + i, words)
    text = maker.text()
    return text, text + "\n\n" + maker.sentence()  # the copy adds a closing line


_WORDS: dict[str, list[str]] = {}


def concurrent_assigner(url: str, worker: int, ids: list[int], barrier, queue) -> None:
    """Assign each of ``ids`` at the same moment as the other worker assigns its copy."""
    from storage.archive import Archive
    from storage.db import create_engine_for

    engine = create_engine_for(url)
    archive = Archive(engine)
    try:
        stories = []
        for article_id in ids:
            barrier.wait(60)
            stories.append(archive.assign_story(article_id))
        queue.put((worker, stories, None))
    except Exception as exc:  # pragma: no cover - reported to the parent
        queue.put((worker, [], repr(exc)))
    finally:
        engine.dispose()


def test_two_processes_assigning_near_duplicates_make_one_story(database_url, archive, engine) -> None:
    rounds = 15
    source = archive.ensure_source("s", "https://s.example/")
    pairs = []
    for i in range(rounds):
        release, copy = near_copy_pair(i)
        assert similarity(signature(release), signature(copy)) >= 0.6
        when = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=i)
        a, _ = archive.add_article(
            {"url": f"https://a.example/{i}", "source_id": source, "text": release, "published_at": when}
        )
        b, _ = archive.add_article(
            {
                "url": f"https://b.example/{i}",
                "source_id": source,
                "text": copy,
                "published_at": when + timedelta(hours=1),
            }
        )
        pairs.append((a, b))
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=concurrent_assigner, args=(database_url, w, [p[w] for p in pairs], barrier, queue))
        for w in range(2)
    ]
    for p in procs:
        p.start()
    results = dict((w, (stories, error)) for w, stories, error in (queue.get(timeout=180) for _ in procs))
    for p in procs:
        p.join(60)
    assert [results[w][1] for w in range(2)] == [None, None]
    assert results[0][0] == results[1][0], "near duplicates assigned at once made two stories"
    assert len(set(results[0][0])) == rounds
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Story)) == rounds
        for (a, _b), story_id in zip(pairs, results[0][0], strict=True):
            assert s.get(Story, story_id).representative_id == a
