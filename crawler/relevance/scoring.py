"""Relevance score with reasons, and the smart-city dimensions of an article.

Both work on stemmed tokens: vocabulary phrases are found leftmost-longest, matches that
overlap a look-alike (``[negatives]``) are dropped, groups with ``unless``/``requires`` are
checked against the whole article, and each term counts once in the title (times the title
weight) and once in the body plus a small amount for each repetition.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .vocabulary import DIMENSIONS, Term, Vocabulary

__all__ = ["Reason", "score_text", "dimensions_of"]


@dataclass(frozen=True)
class Reason:
    """One matched term: the phrase, where it was found, what it added to the score."""

    term: str
    where: str  # "title" | "body"
    weight: float
    dimensions: tuple[str, ...] = field(default=(), compare=False, repr=False)
    group: str = field(default="", compare=False, repr=False)
    cap: float | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, object]:
        return {"term": self.term, "where": self.where, "weight": round(self.weight, 3)}


def _present(tokens: list[str], keys: frozenset[tuple[str, ...]], cache: dict) -> bool:
    """Whether any of ``keys`` (stemmed phrases) occurs in ``tokens``; ``cache`` is per article."""
    if "__text__" not in cache:
        cache["__text__"] = " " + " ".join(tokens) + " "
        cache["__set__"] = set(tokens)
    for key in keys:
        hit = cache.get(key)
        if hit is None:
            hit = key[0] in cache["__set__"] if len(key) == 1 else f" {' '.join(key)} " in cache["__text__"]
            cache[key] = hit
        if hit:
            return True
    return False


def _matches(tokens: list[str], vocab: Vocabulary, everything: list[str], cache: dict) -> dict[Term, int]:
    blocked = {j for s, e, _ in vocab.negatives.find(tokens, overlapping=True) for j in range(s, e)}
    counts: dict[Term, int] = defaultdict(int)
    for s, e, term in vocab.terms.find(tokens):
        if blocked and any(j in blocked for j in range(s, e)):
            continue
        if term.unless and _present(everything, term.unless, cache):
            continue
        if term.requires and not _present(everything, term.requires, cache):
            continue
        counts[term] += 1
    return counts


def score_text(title_stems: list[str], body_stems: list[str], vocab: Vocabulary) -> tuple[float, list[Reason]]:
    """(score, reasons) of a title and body given as stemmed tokens."""
    everything = title_stems + body_stems
    cache: dict = {}
    sc = vocab.scoring
    reasons: list[Reason] = []
    for term in _matches(title_stems, vocab, everything, cache):
        reasons.append(
            Reason(term.phrase, "title", term.weight * sc.get("title", 2.0), term.dimensions, term.group, term.cap)
        )
    for term, n in _matches(body_stems, vocab, everything, cache).items():
        extra = min(n - 1, int(sc.get("max_repeats", 4))) * sc.get("repeat", 0.25)
        reasons.append(
            Reason(
                term.phrase,
                "body",
                term.weight * sc.get("body", 1.0) * (1 + extra),
                term.dimensions,
                term.group,
                term.cap,
            )
        )
    reasons = _apply_caps(reasons, vocab)
    reasons.sort(key=lambda r: (-r.weight, r.term))
    return sum(r.weight for r in reasons), reasons


def _apply_caps(reasons: list[Reason], vocab: Vocabulary) -> list[Reason]:
    """Scale down the reasons of a group with a ``cap`` so that together they add up to it."""
    groups: dict[str, list[Reason]] = defaultdict(list)
    caps: dict[str, float] = {}
    for r in reasons:
        if r.cap is not None:
            groups[r.group].append(r)
            caps[r.group] = r.cap
    if not groups:
        return reasons
    scaled: dict[int, Reason] = {}
    for name, members in groups.items():
        total = sum(r.weight for r in members)
        if total > caps[name]:
            factor = caps[name] / total
            for r in members:
                scaled[id(r)] = Reason(r.term, r.where, r.weight * factor, r.dimensions, r.group, r.cap)
    return [scaled.get(id(r), r) for r in reasons]


def dimensions_of(
    title_stems: list[str], body_stems: list[str], reasons: list[Reason], vocab: Vocabulary
) -> tuple[list[str], dict[str, list[Reason]]]:
    """Dimensions the article is about, and the cues behind each, from its stems and reasons."""
    settings = vocab.dimension_settings
    title_factor = float(settings.get("title", 2.0))
    score: dict[str, float] = defaultdict(float)
    why: dict[str, list[Reason]] = defaultdict(list)
    for r in reasons:
        for dim in r.dimensions:
            score[dim] += r.weight
            why[dim].append(r)
    for where, tokens, factor in (("title", title_stems, title_factor), ("body", body_stems, 1.0)):
        seen: set[tuple[str, str]] = set()
        for _start, _end, cues in vocab.dimension_cues.find(tokens):
            for dim, phrase, weight in cues:
                if (dim, phrase) in seen:
                    continue
                seen.add((dim, phrase))
                score[dim] += weight * factor
                why[dim].append(Reason(phrase, where, weight * factor))
    if not score:
        return [], {}
    best = max(score.values())
    floor = max(float(settings.get("min", 1.0)), float(settings.get("relative", 0.35)) * best)
    chosen = [d for d in DIMENSIONS if score.get(d, 0.0) >= floor or score.get(d, 0.0) == best]
    return chosen, {d: sorted(why[d], key=lambda r: -r.weight) for d in chosen}
