"""``kabar demo``: serve the bundled example sites, crawl them into the archive, search.

With ``--serve-only`` it serves the sites until stopped and prints their ``sources.toml``, so
any other command (and the daemon) can be pointed at them.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import shutil
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path

from crawler.config import Paths, load_config, resolve
from jobs import logsetup, output
from jobs.archive_access import archive_lock, search_engine_for
from jobs.errors import UsageError
from jobs.examplesites.server import ExampleSites
from jobs.hits import SEARCH_COLUMNS, hit_record

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8701
DEMO_QUERY = "smart city"


def start_sites(port: int | None) -> ExampleSites:
    """Start on the given first port (0: any free ports), else the default, else free ports."""
    if port == 0:
        return _started(ExampleSites(base_port=None))
    try:
        return _started(ExampleSites(base_port=port or DEFAULT_PORT))
    except OSError as exc:
        if port is not None:
            raise UsageError(f"cannot serve the example sites on port {port}: {exc.strerror}") from None
        logger.warning("port %s is busy (%s); using free ports", DEFAULT_PORT, exc.strerror)
    return _started(ExampleSites(base_port=None))


def _started(sites: ExampleSites) -> ExampleSites:
    sites.start()
    return sites


def serve_only(port: int | None) -> int:
    sites = start_sites(port)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    sys.stdout.write(sites.sources_toml())
    sys.stdout.flush()
    logsetup.say(f"serving {len(sites.sites)} example sites from {sites.url(sites.sites[0])}; Ctrl-C to stop")
    stop.wait()
    sites.stop()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from storage.query import SearchRequest, search

    base = resolve(
        db=args.db,
        config=None,
        data_dir=args.data_dir,
        require_config=False,
        env={k: v for k, v in os.environ.items() if k != "KABAR_CONFIG"},
    )
    sites = start_sites(args.port)
    try:
        config_path = base.data_dir / "demo-sources.toml"
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(sites.sources_toml(), encoding="utf-8")
        paths = replace(base, config=load_config(config_path))
        logsetup.say(f"crawling {len(paths.config.sources)} example sites into {paths.database_url}")
        with archive_lock(paths, "demo"):
            from jobs.crawl import crawl_and_report  # Scrapy: only once the lock is held

            code = crawl_and_report(paths, [], trigger="demo", verbose=args.verbose)
    finally:
        sites.stop()
    hits = [hit_record(h) for h in search(search_engine_for(paths), SearchRequest(query=DEMO_QUERY, limit=5))]
    print(f"\nkabar search {DEMO_QUERY!r} (first {len(hits)}):", file=sys.stderr)
    output.write_table(hits, SEARCH_COLUMNS)
    print("\nTry (on the demo's archive and sources):", file=sys.stderr)
    for hint in hints(invoked_as(sys.argv[0]), archive_options(paths), hits[0]["id"] if hits else None):
        print(f"  {hint}", file=sys.stderr)
    return code


def hints(program: str, options: list[str], article_id: int | None) -> list[str]:
    """Commands to try after the demo, as a shell runs them from the same directory."""
    suffix = " ".join(shlex.quote(o) for o in options)
    commands = ['search "layanan publik"', *([f"show {article_id}"] if article_id else []), "status", "runs"]
    return [f"{program} {command} {suffix}".rstrip() for command in commands]


def archive_options(paths: Paths) -> list[str]:
    """``--config`` of the demo's sources, and ``--db`` where that config alone would not
    lead to the demo's archive (a --db, --data-dir or ./sources.toml [archive] of the demo)."""
    config_path = paths.config.path
    options = ["--config", _shown(Path(config_path))]
    if resolve(config=config_path).database_url != paths.database_url:
        options += ["--db", paths.database_url]
    return options


def invoked_as(argv0: str, cwd: Path | None = None, search_path: str | None = None) -> str:
    """How to run this program again from ``cwd``, as shell words: ``kabar`` when that is what
    PATH finds, else its path (relative when under ``cwd``, like ``.venv/bin/kabar``), or
    ``python -m jobs.cli`` when it was started that way."""
    cwd = cwd or Path.cwd()
    if argv0.endswith(".py"):  # python -m jobs.cli
        return f"{shlex.quote(_shown(Path(sys.executable), cwd))} -m jobs.cli"
    program = Path(os.path.abspath(cwd / argv0))
    found = shutil.which("kabar", path=search_path)
    if found and Path(found).resolve() == program.resolve():
        return "kabar"
    return shlex.quote(_shown(program, cwd))


def _shown(path: Path, cwd: Path | None = None) -> str:
    """``path`` relative to ``cwd`` when it lies below it (symbolic links kept), else absolute."""
    cwd = cwd or Path.cwd()
    absolute = os.path.abspath(cwd / path)
    relative = os.path.relpath(absolute, cwd)
    if relative.startswith(".."):
        return absolute
    return relative if os.sep in relative else f".{os.sep}{relative}"
