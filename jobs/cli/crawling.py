"""Commands that crawl and watch the crawling: ``crawl``, ``daemon``, ``cluster``, ``status``."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from crawler.config import ConfigError
from jobs import logsetup, output
from jobs.archive_access import archive_lock, engine_for
from jobs.cli.parser import Commands, date_arg, paths_of
from jobs.errors import EXIT_OK, EXIT_SOURCE_FAILED, UsageError

EXAMPLES = {
    "crawl": [
        "kabar crawl",
        "kabar crawl --source sumselpos --source infodaerah",
        "kabar crawl --backfill --since 2023-01-01",
    ],
    "daemon": ["kabar daemon", "kabar daemon --metrics-port 9108 --log-json"],
    "cluster": ["kabar cluster deploy", "kabar cluster nodes"],
    "cluster deploy": ["kabar cluster deploy --config sources.toml"],
    "cluster nodes": ["kabar cluster nodes"],
    "status": ["kabar status", "kabar status --format json"],
}

STATUS_COLUMNS = [
    ("source", "Source"),
    ("last_run", "Last run"),
    ("last_status", "Status"),
    ("next_run", "Next run"),
    ("articles_24h", "Articles 24 h"),
    ("last_error", "Last error"),
    ("health", "Health"),
]
ATTENTION_COLUMNS = [("source", "Source"), ("health", "Health"), ("health_reason", "Why"), ("checked_at", "Checked")]


def add_commands(commands: Commands) -> None:
    crawl = commands.add("crawl", help="one crawl pass over the sources, then exit")
    crawl.add_argument("--source", action="append", default=[], metavar="NAME", help="only this source (repeatable)")
    crawl.add_argument(
        "--backfill", action="store_true", help="follow listing pages much deeper to collect older articles"
    )
    crawl.add_argument(
        "--since",
        type=date_arg,
        metavar="DATE",
        help="with --backfill: skip feed and sitemap entries older than this date",
    )
    crawl.add_argument("--trigger", default="cli", help=argparse.SUPPRESS)  # the daemon's children
    crawl.add_argument("--no-lock", action="store_true", help=argparse.SUPPRESS)  # their parent holds it
    crawl.add_argument("--timeout", type=float, default=None, help=argparse.SUPPRESS)

    daemon = commands.add("daemon", help="crawl every source on its schedule until SIGTERM/SIGINT")
    daemon.add_argument("--metrics-port", type=int, metavar="PORT", help="serve Prometheus metrics on 127.0.0.1:PORT")

    cluster = commands.add_with_actions(
        "cluster", help="Scrapyd nodes of [cluster] in the config", dest="cluster_command"
    )
    cluster.add("deploy", help="deploy the project to every node")
    cluster.add("nodes", help="each node's load (running and pending jobs)")

    status = commands.add("status", help="each source: last run, next run, last error, articles in 24 h")
    status.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")


def cmd_crawl(args: argparse.Namespace) -> int:
    if args.since and not args.backfill:
        raise UsageError("--since goes with --backfill")
    paths = paths_of(args, require_config=True)
    with archive_lock(paths, "crawl", skip=args.no_lock):
        from jobs.crawl import crawl_and_report  # Scrapy: only once the lock is held

        return crawl_and_report(
            paths,
            args.source,
            trigger=args.trigger,
            backfill=args.backfill,
            since=args.since,
            verbose=args.verbose,
            timeout=args.timeout,
        )


def cmd_daemon(args: argparse.Namespace) -> int:
    paths = paths_of(args, require_config=True)
    if not paths.config.sources:
        raise ConfigError(f"{paths.config.path}: no [[sources]] to schedule")
    with archive_lock(paths, "daemon"):
        from jobs.daemon import Daemon

        if args.metrics_port is not None and not 0 < args.metrics_port < 65536:
            raise UsageError("--metrics-port must be a port number")
        return Daemon(paths, metrics_port=args.metrics_port).run()


def cmd_cluster(args: argparse.Namespace) -> int:
    from jobs.cluster import NodeError, ScrapydNode

    paths = paths_of(args, require_config=True)
    cluster = paths.config.cluster
    if not cluster.scrapyd:
        raise ConfigError(f"{paths.config.path}: no [cluster] scrapyd nodes")
    if args.cluster_command not in ("deploy", "nodes"):
        raise UsageError("kabar cluster needs an action: deploy or nodes")
    failed = 0
    for node in (ScrapydNode(url) for url in cluster.scrapyd):
        try:
            if args.cluster_command == "deploy":
                node.deploy(cluster.project)
                logsetup.say(f"deployed {cluster.project} to {node.url}")
            else:
                print(f"{node.url}\t{node.load()} jobs running or pending")
        except NodeError as exc:
            failed += 1
            logsetup.say(str(exc), logging.ERROR)
    return EXIT_SOURCE_FAILED if failed else EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from jobs.daemon import next_runs
    from storage.checks import latest_checks
    from storage.runs import source_health

    paths = paths_of(args, require_config=True)
    engine = engine_for(paths)
    names = [s.name for s in paths.config.sources]
    upcoming = next_runs(paths.database_url)
    checks = latest_checks(engine, names)
    rows = [
        {**h, "next_run": upcoming.get(h["source"]), **_check_fields(checks.get(h["source"]))}
        for h in source_health(engine, names)
    ]
    if args.format == "json":
        output.write_json(rows)
    else:
        output.write_table(rows, STATUS_COLUMNS, title="Sources")
        attention = [r for r in rows if r["health"] in ("warning", "failing")]
        if attention:
            output.write_table(attention, ATTENTION_COLUMNS, title="Failing or quiet sources")
    return EXIT_OK


def _check_fields(check: dict[str, Any] | None) -> dict[str, Any]:
    """The latest recorded health check of a source (kabar sources check, the daemon's daily one)."""
    if check is None:
        return {"health": None, "health_reason": None, "checked_at": None}
    return {"health": check["status"], "health_reason": check["reason"], "checked_at": check["checked_at"]}


COMMANDS = {"crawl": cmd_crawl, "daemon": cmd_daemon, "cluster": cmd_cluster, "status": cmd_status}
