"""``kabar demo``: serve the bundled example sites, crawl them into the archive, search.

With ``--serve-only`` it serves the sites until stopped and prints their ``sources.toml``, so
any other command (and the daemon) can be pointed at them.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from dataclasses import replace

from crawler.config import load_config, resolve
from jobs import output
from jobs.errors import UsageError
from jobs.examplesites.server import ExampleSites

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
    print(f"kabar: serving {len(sites.sites)} example sites from {sites.url(sites.sites[0])}; "
          "Ctrl-C to stop", file=sys.stderr)
    stop.wait()
    sites.stop()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from jobs.cli import SEARCH_COLUMNS, archive_lock, crawl_and_report, engine_for, hit_record
    from storage.query import SearchRequest, search

    base = resolve(db=args.db, config=None, data_dir=args.data_dir, require_config=False,
                   env={k: v for k, v in os.environ.items() if k != "KABAR_CONFIG"})
    sites = start_sites(args.port)
    try:
        config_path = base.data_dir / "demo-sources.toml"
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(sites.sources_toml(), encoding="utf-8")
        paths = replace(base, config=load_config(config_path))
        print(f"kabar: crawling {len(paths.config.sources)} example sites into "
              f"{paths.database_url}", file=sys.stderr)
        with archive_lock(paths, "demo"):
            code = crawl_and_report(paths, [], trigger="demo", verbose=args.verbose)
    finally:
        sites.stop()
    hits = [hit_record(h) for h in search(engine_for(paths), SearchRequest(query=DEMO_QUERY, limit=5))]
    print(f"\nkabar search {DEMO_QUERY!r} (first {len(hits)}):", file=sys.stderr)
    output.write_table(hits, SEARCH_COLUMNS)
    print(f"\nTry: kabar search \"layanan publik\" --db {paths.database_url}", file=sys.stderr)
    return code
