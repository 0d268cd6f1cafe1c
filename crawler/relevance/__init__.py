"""Smart-city relevance, dimensions and regions of an article; pure code (no Scrapy, no I/O
beyond reading the package's data files once).

``classify(title, text, dateline=...)`` returns a :class:`Relevance`: a score with the matched
terms (``reasons``), ``relevant`` (score >= min_score), the smart-city dimensions with their
cues, and the kabupaten/kota and provinces the article is about. Vocabulary, dimensions and
region aliases are data files in ``data/``; ``load_vocabulary(extra)`` merges a user's file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .gazetteer import Area, Gazetteer, load_gazetteer
from .normalize import stems
from .scoring import Reason, dimensions_of, score_text
from .vocabulary import DIMENSIONS, Vocabulary, VocabularyError, load_vocabulary

__all__ = [
    "DIMENSIONS",
    "Area",
    "Gazetteer",
    "Reason",
    "Relevance",
    "Vocabulary",
    "VocabularyError",
    "classify",
    "load_gazetteer",
    "load_vocabulary",
]


@dataclass(frozen=True)
class Relevance:
    """What kabar decided about one article."""

    relevant: bool
    score: float
    reasons: tuple[Reason, ...] = ()
    dimensions: tuple[str, ...] = ()
    dimension_reasons: dict[str, tuple[Reason, ...]] = field(default_factory=dict)
    regions: tuple[Area, ...] = ()
    provinces: tuple[Area, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``relevant, score, reasons, dimensions, regions, provinces``."""
        return {
            "relevant": self.relevant,
            "score": round(self.score, 3),
            "reasons": [r.to_dict() for r in self.reasons],
            "dimensions": list(self.dimensions),
            "regions": [a.to_dict() for a in self.regions],
            "provinces": [a.to_dict() for a in self.provinces],
        }


def classify(
    title: str | None,
    text: str,
    *,
    dateline: str | None = None,
    min_score: float = 1.0,
    vocabulary: Vocabulary | None = None,
) -> Relevance:
    """Score an article for smart-city relevance and tag its dimensions and regions.

    Dimensions are tagged only for a relevant article (``min_score=0`` tags every article).
    """
    vocab = vocabulary or load_vocabulary()
    title_stems, body_stems = stems(title or ""), stems(text or "")
    score, reasons = score_text(title_stems, body_stems, vocab)
    relevant = score >= min_score
    dims: list[str] = []
    why: dict[str, list[Reason]] = {}
    if relevant:
        dims, why = dimensions_of(title_stems, body_stems, reasons, vocab)
    regions, provinces = load_gazetteer().about(title, text or "", dateline)
    return Relevance(
        relevant,
        score,
        tuple(reasons),
        tuple(dims),
        {d: tuple(r) for d, r in why.items()},
        tuple(regions),
        tuple(provinces),
    )
