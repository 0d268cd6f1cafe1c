"""Leftmost-longest phrase matching over token sequences, indexed by first token.

Linear in the number of tokens: at each position only the phrases that start with that token
are tried, longest first. Used for vocabulary (stemmed tokens) and region names (folded tokens).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

__all__ = ["PhraseIndex"]

T = TypeVar("T")


class PhraseIndex(Generic[T]):
    """Map token tuples to payloads; ``find`` returns non-overlapping ``(start, end, payload)``."""

    def __init__(self, entries: Iterable[tuple[tuple[str, ...], T]] = ()) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}
        for key, payload in entries:
            self.add(key, payload)

    def add(self, key: tuple[str, ...], payload: T) -> None:
        """Add (or replace) one phrase."""
        if not key:
            return
        bucket = self._by_first.setdefault(key[0], [])
        bucket[:] = [(k, p) for k, p in bucket if k != key]
        bucket.append((key, payload))
        bucket.sort(key=lambda kp: -len(kp[0]))

    def __len__(self) -> int:
        return sum(len(b) for b in self._by_first.values())

    def find(self, tokens: Sequence[str], overlapping: bool = False) -> list[tuple[int, int, T]]:
        """Matches in ``tokens``; with ``overlapping`` every start position is tried."""
        found: list[tuple[int, int, T]] = []
        i, n = 0, len(tokens)
        by_first = self._by_first
        while i < n:
            bucket = by_first.get(tokens[i])
            hit = None
            if bucket:
                for key, payload in bucket:
                    k = len(key)
                    if k == 1 or tuple(tokens[i : i + k]) == key:
                        hit = (i, i + k, payload)
                        break
            if hit:
                found.append(hit)
                i = i + 1 if overlapping else hit[1]
            else:
                i += 1
        return found
