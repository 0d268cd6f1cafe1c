"""The relevance and dimension vocabulary: TOML data files compiled into phrase indexes.

``load_vocabulary(extra)`` reads ``data/vocabulary.toml`` and ``data/dimensions.toml`` and
merges a user's TOML file over them (format in ``README.md``): new groups add terms (a term
already known takes the new weight), ``[negatives]`` adds look-alikes, ``[remove]`` drops
terms, ``[scoring]`` and ``[dimensions.settings]`` override numbers, ``[dimensions.NAME]`` adds
cues.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .matcher import PhraseIndex
from .normalize import phrase_key

__all__ = ["DIMENSIONS", "Term", "Vocabulary", "VocabularyError", "load_vocabulary"]

logger = logging.getLogger(__name__)

#: The six dimensions of the Gerakan Menuju 100 Smart City, in their usual order.
DIMENSIONS = ("governance", "branding", "economy", "society", "living", "environment")

#: One dimension cue: (dimension, phrase as written, weight).
Cue = tuple[str, str, float]


class VocabularyError(ValueError):
    """A vocabulary file a user supplied is malformed; the message names the file and key."""


@dataclass(frozen=True)
class Term:
    """One relevance phrase: its written form, weight, dimensions and context conditions."""

    phrase: str
    weight: float
    dimensions: tuple[str, ...] = ()
    unless: frozenset[tuple[str, ...]] = frozenset()
    requires: frozenset[tuple[str, ...]] = frozenset()
    group: str = ""
    cap: float | None = None


@dataclass(frozen=True)
class Vocabulary:
    """Compiled vocabulary; build it with :func:`load_vocabulary`."""

    terms: PhraseIndex[Term]
    negatives: PhraseIndex[str]
    dimension_cues: PhraseIndex[tuple[Cue, ...]]  # a phrase may cue several dimensions
    scoring: dict[str, float]
    dimension_settings: dict[str, float]
    sources: tuple[str, ...] = field(default=())

    @property
    def min_score(self) -> float:
        return float(self.scoring.get("min_score", 1.0))


def _keys(words: list[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(k for k in (phrase_key(w) for w in words) if k)


def _read(path: Path | None, name: str) -> dict[str, Any]:
    if path is None:
        return tomllib.loads((resources.files(__package__) / "data" / name).read_text(encoding="utf-8"))
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise VocabularyError(f"{path}: cannot read vocabulary file: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise VocabularyError(f"{path}: not valid TOML: {exc}") from exc


_GROUP_KEYS = {"name", "weight", "terms", "dimensions", "unless", "requires", "cap"}
_TOP_KEYS = {"scoring", "group", "negatives", "remove", "dimensions"}


def _check(data: dict[str, Any], origin: str) -> None:
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise VocabularyError(f"{origin}: unknown key {sorted(unknown)[0]!r}")
    for i, group in enumerate(data.get("group", [])):
        bad = set(group) - _GROUP_KEYS
        if bad:
            raise VocabularyError(f"{origin}: group {i + 1}: unknown key {sorted(bad)[0]!r}")
        if not isinstance(group.get("terms"), list) or not isinstance(group.get("weight", 1.0), (int, float)):
            raise VocabularyError(f"{origin}: group {i + 1}: needs `terms` (a list) and a numeric `weight`")
        for dim in group.get("dimensions", []):
            if dim not in DIMENSIONS:
                raise VocabularyError(f"{origin}: group {i + 1}: unknown dimension {dim!r}")
    for dim in data.get("dimensions", {}):
        if dim != "settings" and dim not in DIMENSIONS:
            raise VocabularyError(f"{origin}: unknown dimension {dim!r}")


def build_vocabulary(layers: list[tuple[str, dict[str, Any]]]) -> Vocabulary:
    """Compile vocabulary layers, later layers over earlier ones."""
    terms: dict[tuple[str, ...], Term] = {}
    negatives: dict[tuple[str, ...], str] = {}
    cues: dict[tuple[str, ...], Cue] = {}
    scoring: dict[str, float] = {}
    settings: dict[str, float] = {}
    for origin, data in layers:
        _check(data, origin)
        scoring.update(data.get("scoring", {}))
        for group in data.get("group", []):
            weight = float(group.get("weight", 1.0))
            dims = tuple(group.get("dimensions", ()))
            unless, requires = _keys(group.get("unless", [])), _keys(group.get("requires", []))
            name = str(group.get("name", f"{origin} group {len(terms)}"))
            cap = float(group["cap"]) if "cap" in group else None
            for phrase in group["terms"]:
                key = phrase_key(phrase)
                if key:
                    terms[key] = Term(phrase, weight, dims, unless, requires, name, cap)
        for phrase in data.get("negatives", {}).get("phrases", []):
            key = phrase_key(phrase)
            if key:
                negatives[key] = phrase
        for phrase in data.get("remove", {}).get("terms", []):
            key = phrase_key(phrase)
            terms.pop(key, None)
            negatives.pop(key, None)
            for k in [k for k in cues if k[1:] == key]:
                cues.pop(k)
        for dim, table in data.get("dimensions", {}).items():
            if dim == "settings":
                settings.update(table)
                continue
            for phrase, weight in table.get("terms", {}).items():
                key = phrase_key(phrase)
                if key:
                    cues[(dim,) + key] = (dim, phrase, float(weight))
    # Dimension cues are indexed by phrase; a phrase may cue several dimensions.
    by_phrase: dict[tuple[str, ...], list[Cue]] = {}
    for full, cue in cues.items():
        by_phrase.setdefault(full[1:], []).append(cue)
    cue_index: PhraseIndex[tuple[Cue, ...]] = PhraseIndex((k, tuple(v)) for k, v in by_phrase.items())
    vocab = Vocabulary(
        PhraseIndex(terms.items()),
        PhraseIndex(negatives.items()),
        cue_index,
        scoring,
        settings,
        tuple(origin for origin, _ in layers),
    )
    logger.debug(
        "vocabulary: %d terms, %d negatives, %d dimension cues from %s",
        len(terms),
        len(negatives),
        len(cues),
        ", ".join(vocab.sources),
    )
    return vocab


@lru_cache(maxsize=1)
def _shipped() -> Vocabulary:
    return build_vocabulary(_shipped_layers())


def _shipped_layers() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("vocabulary.toml", _read(None, "vocabulary.toml")),
        ("dimensions.toml", {"dimensions": _read(None, "dimensions.toml")}),
    ]


def load_vocabulary(extra: Path | None = None) -> Vocabulary:
    """The shipped vocabulary, with a user's TOML file of extra terms merged over it."""
    if extra is None:
        return _shipped()
    return build_vocabulary(_shipped_layers() + [(str(extra), _read(Path(extra), ""))])
