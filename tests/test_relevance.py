"""classify(): the measured bars on the labelled set, the seeds, and the example sites' stories."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from bench.bench_relevance import baseline, evaluate, kabar, load_labelled
from crawler.relevance import Relevance, classify, load_gazetteer
from crawler.relevance.normalize import fold, tokenize

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
STORIES = ROOT / "jobs" / "examplesites" / "stories"
ROWS = load_labelled()


def test_labelled_set_has_the_agreed_shape():
    relevant = [r for r in ROWS if r["relevant"]]
    negatives = [r for r in ROWS if not r["relevant"]]
    assert len(ROWS) >= 150 and len(relevant) >= 60 and len(negatives) >= 60
    assert sum(r["kind"] == "hard-negative" for r in ROWS) >= 20
    for dim in ("governance", "branding", "economy", "society", "living", "environment"):
        assert sum(dim in r["dimensions"] for r in relevant) >= 8, dim
    assert all(not r["dimensions"] for r in negatives)
    areas = load_gazetteer().areas
    assert all(code in areas for r in ROWS for code in r["regions"])
    assert sum(code.startswith("16") for r in ROWS for code in r["regions"]) > len(ROWS) / 2


@pytest.fixture(scope="module")
def figures():
    return evaluate(ROWS, kabar)


def test_relevance_precision_and_recall(figures):
    assert figures.precision >= 0.95
    assert figures.recall >= 0.90


def test_dimension_micro_f1(figures):
    assert figures.dimension_f1 >= 0.85


def test_region_f1(figures):
    assert figures.region_f1 >= 0.90


def test_better_than_the_naive_baseline(figures):
    naive = evaluate(ROWS, baseline)
    assert figures.recall > naive.recall and figures.precision >= naive.precision


def test_fast_enough():
    classify(ROWS[0]["title"], ROWS[0]["text"])
    started = time.perf_counter()
    for row in ROWS:
        classify(row["title"], row["text"], dateline=row["dateline"])
    per_article = (time.perf_counter() - started) / len(ROWS)
    assert per_article < 0.002


SEED_REGENCIES = {"000": "16.06", "001": "16.03", "002": "16.07", "003": "16.07", "004": "16.05"}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="no seeds directory on this machine")
@pytest.mark.parametrize("prefix,code", sorted(SEED_REGENCIES.items()))
def test_seeds_are_relevant_and_tagged_with_their_regency(prefix, code):
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    result = classify(None, path.read_text(encoding="utf-8"))
    assert result.relevant and result.score >= 3
    assert code in [a.code for a in result.regions]
    assert "16" in [a.code for a in result.provinces]
    assert result.dimensions


def _code(official: str) -> str:
    """Code of an official name as the example stories write it ("Kota Lubuklinggau")."""
    g = load_gazetteer()
    kind, _, name = official.partition(" ")
    kind = {"Kota": "kota", "Kabupaten": "kabupaten", "Provinsi": "provinsi"}[kind]
    key = tuple(fold(t) for t, _, _ in tokenize(name))
    for _s, _e, entry in g.index.find(key):
        same = [c for c in entry.candidates if g.areas[c].type == kind]
        if same:
            return same[0]
    raise KeyError(official)


def _stories():
    return [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(STORIES.glob("*.toml"))]


@pytest.mark.skipif(not STORIES.is_dir(), reason="no example stories")
def test_example_site_stories_held_out():
    stories = _stories()
    agree = tp = fp = fn = 0
    for s in stories:
        r = classify(s["title"], "\n\n".join(s["paragraphs"]), dateline=s.get("dateline"))
        agree += r.relevant == s["smart_city"]
        gold = {_code(x) for x in s["regions"] if not x.startswith("Provinsi")}
        pred = {a.code for a in r.regions}
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    assert agree / len(stories) >= 0.95
    assert 2 * tp / (2 * tp + fp + fn) >= 0.85


def test_result_is_frozen():
    r = classify("x", "y")
    assert isinstance(r, Relevance)
    with pytest.raises(AttributeError):
        r.score = 3  # type: ignore[misc]
