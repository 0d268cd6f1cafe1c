"""Memory of ``kabar export`` against archive size: the same command over 10,000 and 100,000
articles (the synthetic archives of ``bench.bench_search``) must stay flat, because export
streams rows from the database to the output instead of loading them."""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
from pathlib import Path

from bench.bench_search import _init, build
from bench.procmem import Measured, run_measured

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10_000, 100_000)
FORMATS = ("jsonl", "csv")


def _export(db: Path, fmt: str, out: Path) -> Measured:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    env.update(PYTHONPATH=str(ROOT), KABAR_DATABASE_URL=f"sqlite:///{db}", KABAR_DATA_DIR=str(db.parent / "data"))
    argv = [sys.executable, "-m", "jobs.cli", "export", "--format", fmt, "--output", str(out)]
    result = run_measured(argv, env=env, cwd=db.parent, interval=0.02)
    if result.returncode != 0:
        raise RuntimeError(f"kabar export failed: {result.stderr[-2000:]}")
    return result


def run() -> str:
    from bench.bench_dedup import vocabulary

    words = vocabulary()
    rows = []
    peaks: dict[tuple[str, int], float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="kabar-bench-export-") as tmp,
        multiprocessing.get_context("fork").Pool(initializer=_init, initargs=(words,)) as pool,
    ):
        db = Path(tmp) / "export.db"
        built = 0
        for size in SIZES:
            build(db, size, words, pool, start=built)  # the larger archive grows from the smaller
            built = size
            for fmt in FORMATS:
                out = Path(tmp) / f"out.{fmt}"
                m = _export(db, fmt, out)
                peaks[fmt, size] = m.peak.rss_main
                rows.append(
                    f"| {size:,} | {fmt} | {m.wall:.1f} | {size / m.wall:,.0f} | "
                    f"{out.stat().st_size / 1e6:,.0f} | {m.peak.rss_main:.0f} |"
                )
                out.unlink()
    small, large = SIZES
    ratios = ", ".join(f"{fmt} **{peaks[fmt, large] / peaks[fmt, small]:.2f}×**" for fmt in FORMATS)
    table = "\n".join(rows)
    return f"""## Export memory against archive size

Command: `python -m bench export`. `kabar export --format FORMAT --output FILE` over the
synthetic archive of the search benchmark (about 260 words an article, with regions,
dimensions and stories) at {small:,} articles, then grown to {large:,}; peak resident memory
of the export process, sampled from /proc every 20 ms (`ru_maxrss` is no use here: it
counts the benchmark's own pages the child held between fork and exec).

| articles | format | seconds | articles/s | output MB | peak RSS (MB) |
|---:|---|---:|---:|---:|---:|
{table}

Peak memory at {large:,} / at {small:,}: {ratios} (flat: export streams rows from the
database to the file, in batches, and holds none of them after writing).
"""
