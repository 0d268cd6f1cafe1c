"""Leftmost-longest phrase matching over token sequences, indexed by first token.

Linear in the number of tokens: only the positions whose token starts a phrase are tried
(found in one pass in C), and at each only one dictionary look-up per phrase length, longest
first. Used for vocabulary (stemmed tokens) and region names (folded tokens).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import compress
from typing import Generic, TypeVar

__all__ = ["PhraseIndex"]

T = TypeVar("T")


class PhraseIndex(Generic[T]):
    """Map token tuples to payloads; ``find`` returns non-overlapping ``(start, end, payload)``."""

    def __init__(self, entries: Iterable[tuple[tuple[str, ...], T]] = ()) -> None:
        # first token -> [(length, {phrase: payload})], longest first
        self._by_first: dict[str, list[tuple[int, dict[tuple[str, ...], T]]]] = {}
        for key, payload in entries:
            self.add(key, payload)

    def add(self, key: tuple[str, ...], payload: T) -> None:
        """Add (or replace) one phrase."""
        if not key:
            return
        lengths = self._by_first.setdefault(key[0], [])
        for length, phrases in lengths:
            if length == len(key):
                phrases[key] = payload
                return
        lengths.append((len(key), {key: payload}))
        lengths.sort(key=lambda lp: -lp[0])

    def __len__(self) -> int:
        return sum(len(phrases) for lengths in self._by_first.values() for _, phrases in lengths)

    def find(self, tokens: Sequence[str], overlapping: bool = False) -> list[tuple[int, int, T]]:
        """Matches in ``tokens``; with ``overlapping`` every start position is tried."""
        found: list[tuple[int, int, T]] = []
        by_first = self._by_first
        free = 0  # the first position not inside the last match
        for i in compress(range(len(tokens)), map(by_first.__contains__, tokens)):
            if i < free:
                continue
            for length, phrases in by_first[tokens[i]]:
                phrase = tuple(tokens[i : i + length])
                if phrase in phrases:
                    found.append((i, i + length, phrases[phrase]))
                    free = i + 1 if overlapping else i + length
                    break
        return found
