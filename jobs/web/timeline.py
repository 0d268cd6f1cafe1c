"""Counts per period (day, ISO week, month or year) as an inline SVG bar chart, drawn on the
server: the overview's stories per month and the search page's matches over time.

Pure code: period counts in (keys as storage.counts gives them), the geometry of bars, ticks
and labels out; the template (timeline.html) only writes the numbers into SVG elements,
autoescaped like everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

WIDTH, HEIGHT = 800, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 40
LABELS = 8  # about this many labels along the time axis
# The search page charts matches by month, by year when they span more than YEARS_AFTER
# months (bars thinner than about 6 px) and by day when they fall within DAYS_UP_TO months.
YEARS_AFTER = 120
DAYS_UP_TO = 2


@dataclass(frozen=True)
class Bar:
    key: str  # the period: YYYY-MM-DD, YYYY-Www (ISO week), YYYY-MM or YYYY
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Timeline:
    by: str  # day, week, month or year
    width: int
    height: int
    bars: list[Bar]
    y_ticks: list[tuple[int, float]]  # (value, y)
    x_labels: list[tuple[str, float]]  # (label, x centre)
    baseline: float
    left: float
    total: int


def _next(key: str, by: str) -> str:
    """The period after ``key``."""
    if by == "year":
        return f"{int(key) + 1:04d}"
    if by == "month":
        year, month = map(int, key.split("-"))
        return f"{year + 1:04d}-01" if month == 12 else f"{year:04d}-{month + 1:02d}"
    if by == "week":
        year, week = key.split("-W")
        iso_year, iso_week, _ = (date.fromisocalendar(int(year), int(week), 1) + timedelta(days=7)).isocalendar()
        return f"{iso_year:04d}-W{iso_week:02d}"
    return (date.fromisoformat(key) + timedelta(days=1)).isoformat()


def periods(first: str, last: str, by: str) -> list[str]:
    """Every period from ``first`` to ``last``, both included (the keys sort as text)."""
    out = [first]
    while out[-1] < last:
        out.append(_next(out[-1], by))
    return out


def period_for(months: dict[str, int]) -> str:
    """The period a chart of matches reads best in, from their counts by month: month, year
    when they span more than YEARS_AFTER months, day when they span at most DAYS_UP_TO."""
    dated = [m for m, n in months.items() if n > 0]
    if not dated:
        return "month"
    span = len(periods(min(dated), max(dated), "month"))
    if span > YEARS_AFTER:
        return "year"
    return "day" if span <= DAYS_UP_TO else "month"


def _labels(keys: list[str], by: str, slot: float) -> list[tuple[str, float]]:
    """About LABELS labels under the bars; months of a long span are labelled by year, on
    their Januaries."""
    every = max(1, -(-len(keys) // LABELS))
    if by == "month" and len(keys) > 24:
        return [(key[:4], round(LEFT + (i + 0.5) * slot, 2)) for i, key in enumerate(keys) if key.endswith("-01")]
    return [(key, round(LEFT + (i + 0.5) * slot, 2)) for i, key in enumerate(keys) if i % every == 0]


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if value <= step * 4:
            return step * 4
    return -(-value // 10_000) * 10_000


def build(counts: dict[str, int], by: str = "month", *, width: int = WIDTH, height: int = HEIGHT) -> Timeline | None:
    """Bars for every period (``by``) from the first to the last with a count (empty periods
    are zero); None when nothing is counted."""
    counts = {key: n for key, n in counts.items() if n > 0}
    if not counts:
        return None
    keys = periods(min(counts), max(counts), by)
    peak = _nice_max(max(counts.values()))
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    slot = plot_w / len(keys)
    gap = min(2.0, slot * 0.2)
    bars = []
    for i, key in enumerate(keys):
        n = counts.get(key, 0)
        h = plot_h * n / peak
        bars.append(
            Bar(
                key,
                n,
                round(LEFT + i * slot + gap / 2, 2),
                round(TOP + plot_h - h, 2),
                round(max(slot - gap, 0.5), 2),
                round(h, 2),
            )
        )
    ticks = [(peak * k // 4, round(TOP + plot_h - plot_h * k / 4, 2)) for k in range(5)]
    labels = _labels(keys, by, slot)
    return Timeline(by, width, height, bars, ticks, labels, TOP + plot_h, LEFT, sum(counts.values()))
