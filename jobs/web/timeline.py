"""The overview timeline: stories per month as an inline SVG bar chart, drawn on the server.

Pure code: month counts in, the geometry of bars, ticks and labels out; the template only
writes the numbers into SVG elements (autoescaped like everything else).
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 800, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 40


@dataclass(frozen=True)
class Bar:
    month: str  # YYYY-MM
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    bars: list[Bar]
    y_ticks: list[tuple[int, float]]  # (value, y)
    x_labels: list[tuple[str, float]]  # (label, x centre)
    baseline: float
    left: float
    total: int


def _months(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if value <= step * 4:
            return step * 4
    return -(-value // 10_000) * 10_000


def build(counts: dict[str, int], *, width: int = WIDTH, height: int = HEIGHT) -> Timeline | None:
    """Bars for every month from the first to the last with stories (empty months are zero);
    None without any dated story."""
    counts = {m: n for m, n in counts.items() if n > 0}
    if not counts:
        return None
    months = _months(min(counts), max(counts))
    peak = _nice_max(max(counts.values()))
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    slot = plot_w / len(months)
    gap = min(2.0, slot * 0.2)
    bars = []
    for i, month in enumerate(months):
        n = counts.get(month, 0)
        h = plot_h * n / peak
        bars.append(
            Bar(
                month,
                n,
                round(LEFT + i * slot + gap / 2, 2),
                round(TOP + plot_h - h, 2),
                round(max(slot - gap, 0.5), 2),
                round(h, 2),
            )
        )
    ticks = [(peak * k // 4, round(TOP + plot_h - plot_h * k / 4, 2)) for k in range(5)]
    # about eight labels along the axis, always on a January when the span is long
    every = max(1, -(-len(months) // 8))
    if len(months) > 24:
        every = max(12, -(-every // 12) * 12)
    labels = [
        (month if every < 12 else month[:4], round(LEFT + (i + 0.5) * slot, 2))
        for i, month in enumerate(months)
        if (i % every == 0 if every < 12 else month.endswith("-01")) or len(months) == 1
    ]
    return Timeline(width, height, bars, ticks, labels, TOP + plot_h, LEFT, sum(counts.values()))
