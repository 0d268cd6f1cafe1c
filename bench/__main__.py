"""Run the benchmark suite and write docs/benchmarks.md.

Usage: ``python -m bench [NAME ...]`` (names are the parts after ``bench_``; default all).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import platform
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "benchmarks.md"


def available() -> list[str]:
    return sorted(p.stem[len("bench_") :] for p in Path(__file__).parent.glob("bench_*.py"))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


HEADER = (
    "# Benchmarks\n\n"
    "Written by `python -m bench` (all) or `python -m bench NAME` (one section) from the\n"
    "repository root; every figure is a ratio against a baseline measured in the same run.\n"
    "Install the benchmark extras first (`pip install -e '.[test,bench]'`: py-spy for the crawl\n"
    "profile); the extraction benchmark reads `../shared/corpora/aeb/` (or `KABAR_AEB_DIR`); the\n"
    "dates benchmark reads `tests/fixtures/dates/` and, for kabar before its date precedence, the\n"
    "repository's history (`git archive`); so does the sources benchmark for its baseline daemon (it\n"
    "serves its sites on 127.0.0.2, 127.0.0.3, … and runs about 25 minutes).\n"
)
SECTION = re.compile(r"<!-- bench:(\w+) -->\n(.*?)\n<!-- /bench:\1 -->", re.S)


def read_sections(path: Path) -> dict[str, str]:
    """Sections of an earlier run, so running one benchmark keeps the others' figures."""
    try:
        return {m.group(1): m.group(2) for m in SECTION.finditer(path.read_text(encoding="utf-8"))}
    except FileNotFoundError:
        return {}


def render(sections: dict[str, str]) -> str:
    parts = [f"<!-- bench:{name} -->\n{body}\n<!-- /bench:{name} -->" for name, body in sorted(sections.items())]
    return HEADER + "\n" + "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {', '.join(available())})")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    names = args.names or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; available: {', '.join(available())}")
    failed = []
    for name in names:
        started = time.perf_counter()
        print(f"bench: {name} ...", file=sys.stderr)
        try:
            body = importlib.import_module(f"bench.bench_{name}").run().strip()
        except Exception as exc:  # one broken benchmark must not cost the others' figures
            logging.exception("bench: %s failed", name)
            failed.append(f"{name} ({exc})")
            continue
        stamp = f"_Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; reproduce with `python -m bench {name}`._"
        # each section is written as soon as it is measured, over a fresh read of the file
        args.output.write_text(render({**read_sections(args.output), name: f"{body}\n\n{stamp}"}), encoding="utf-8")
        print(f"bench: {name} done in {time.perf_counter() - started:.1f} s; wrote {args.output}", file=sys.stderr)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
