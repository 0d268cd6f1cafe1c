"""Figures of ``python -m bench sources`` from what a daemon run left: when each source's runs
started, when each article was published and archived, the tree's CPU over time. Pure
functions over plain values; epoch seconds throughout."""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Iterable, Mapping


def lateness(starts: Iterable[float], anchor: float, interval: float, end: float) -> list[float]:
    """Seconds each run of one source started after the slot it served, on the grid ``anchor +
    k * interval``; one entry more for a slot still unserved at ``end`` for over half an interval.

    A run serves the earliest slot not served yet, if that slot is due (a run before it is an
    extra one and is left out); the slots due while it waited are skipped with it, as a
    scheduler that coalesces missed runs skips them, so the next slot due is the first after
    its start. A source that never ran has one unserved slot: the first.
    """
    out = []
    due = anchor
    for start in sorted(starts):
        if start < due:
            continue
        out.append(start - due)
        due = anchor + interval * ((start - anchor) // interval + 1)
    if end - due > interval / 2:
        out.append(end - due)
    return out


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` quantile (0..1) by the nearest rank, None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def runs_per_source(starts: Mapping[str, list[float]], sources: Iterable[str]) -> tuple[int, float, int]:
    """(fewest runs, median runs, sources without a run) over ``sources``."""
    counts = [len(starts.get(name, ())) for name in sources]
    return min(counts), statistics.median(counts), sum(1 for c in counts if c == 0)


def archived_in_time(
    published: Iterable[tuple[str, float]], archived: Mapping[str, float], within: float
) -> tuple[int, int]:
    """(articles archived at most ``within`` seconds after publication, articles published)."""
    total = kept = 0
    for url, at in published:
        total += 1
        created = archived.get(url)
        kept += created is not None and created - at <= within
    return kept, total


def cpu_between(series: list[tuple[float, float]], start: float, end: float) -> float:
    """CPU seconds spent between two times of a (time, cumulative CPU seconds) series: the last
    sample at or before each time (0 before the first sample)."""
    times = [t for t, _ in series]

    def at(moment: float) -> float:
        i = bisect.bisect_right(times, moment)
        return series[i - 1][1] if i else 0.0

    return at(end) - at(start)
