"""The two ``kabar sources`` actions as the CLI runs them: what goes to stdout and stderr, and
the exit code."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from crawler.config import DEFAULT_CONFIG, NAME_RE, Paths
from jobs import logsetup, output
from jobs.errors import UsageError
from jobs.sources.add import describe, discover, suggest_name
from jobs.sources.check import run_checks
from jobs.sources.configfile import append_source, ensure_new, render_block
from jobs.sources.fetch import Fetcher

EXIT_OK, EXIT_FAILING = 0, 1

CHECK_COLUMNS = [
    ("source", "Source"),
    ("status", "Status"),
    ("reason", "Reason"),
    ("feeds", "Feeds"),
    ("sitemaps", "Sitemaps"),
    ("listings", "Listings"),
    ("samples", "Samples"),
    ("articles_7d", "7 d"),
    ("articles_30d", "30 d"),
    ("usual_per_week", "Usual / week"),
    ("last_success", "Last success"),
]


def config_path(flag: str | None) -> Path:
    """The config file ``--write`` appends to: --config, else KABAR_CONFIG, else ./sources.toml."""
    return Path(flag or os.environ.get("KABAR_CONFIG") or DEFAULT_CONFIG)


def sources_add(url: str, *, name: str | None, region: str | None, write: bool, config: str | None) -> int:
    """Discover, preview on stderr, print the block on stdout, append it with ``write``."""
    if name is not None and not NAME_RE.match(name):
        raise UsageError(f"--name {name!r}: use only a-z, 0-9, '_' and '-'")
    if region is not None and not region.strip():
        raise UsageError("--region is empty")
    path = config_path(config)
    if write and name:
        ensure_new(path, name, url)  # refuse before fetching anything
    with Fetcher() as fetcher:
        found = discover(url, fetcher)
    entry = found.entry(name or suggest_name(found.url, found.site_name), region.strip() if region else None)
    logsetup.say("\n".join(describe(found)) + "\n", prefix="")
    sys.stdout.write(render_block(entry))
    sys.stdout.flush()
    if write:
        append_source(path, entry)
        logsetup.say(f"added source {entry['name']!r} to {path}")
    return EXIT_OK


def sources_check(paths: Paths, engine, *, names: list[str], fmt: str) -> int:
    """Check the sources, record each check, print them; exit 1 when any source is failing."""
    sources = [paths.config.source(n) for n in names] if names else list(paths.config.sources)
    if not sources:
        raise UsageError(f"{paths.config.path}: no [[sources]] to check")
    results = run_checks(sources, engine)
    if fmt == "json":
        output.write_json(results)
    else:
        output.write_table([summary(r) for r in results], CHECK_COLUMNS, title="Source health")
    failing = [r["source"] for r in results if r["status"] == "failing"]
    if failing:
        logsetup.say(f"failing: {', '.join(failing)}", logging.WARNING)
        return EXIT_FAILING
    return EXIT_OK


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """One table row of a check: endpoints as 'working/all (items)'."""

    def endpoints(key: str, count: str) -> str:
        entries = result.get(key) or []
        if not entries:
            return "-"
        working = [e for e in entries if e["ok"]]
        return f"{len(working)}/{len(entries)} ({sum(e[count] for e in entries)})"

    samples = result.get("samples") or []
    return {
        **result,
        "feeds": endpoints("feeds", "items"),
        "sitemaps": endpoints("sitemaps", "items"),
        "listings": endpoints("listings", "articles"),
        "samples": f"{sum(1 for s in samples if s['ok'])}/{len(samples)}" if samples else "-",
    }
