"""The ``kabar`` command line: crawl, demo, search, show, export, runs, stats, extract, db.

Exit codes: 0 success; 1 the run completed but a source failed as a whole; 2 bad usage,
config or input (one clear line on stderr); 3 another run holds the lock.
"""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Sequence

from crawler.config import ConfigError, Paths, resolve
from jobs import filters, logsetup, output
from jobs.filters import DIMENSION_CHOICES
from jobs.errors import UsageError
from storage.errors import QueryError, StorageError

logger = logging.getLogger("kabar")

EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3

SEARCH_COLUMNS = [("id", "ID"), ("published", "Published (WIB)"), ("source", "Source"),
                  ("title", "Title"), ("also_in", "Also in"), ("snippet", "Snippet")]
RUN_COLUMNS = [("id", "Run"), ("source", "Source"), ("trigger", "Trigger"), ("status", "Status"),
               ("started", "Started"), ("finished", "Finished"), ("pages", "Pages"),
               ("new", "New"), ("duplicates", "Dup"), ("errors", "Errors")]
SUMMARY_COLUMNS = [("source", "Source"), ("status", "Status"), ("pages", "Pages"),
                   ("new", "New"), ("duplicates", "Duplicates"),
                   ("not_relevant", "Not relevant"), ("errors", "Errors")]
EXPORT_CSV_COLUMNS = ["id", "url", "title", "author", "published", "source", "language",
                      "site_name", "description", "image", "dateline", "text_hash", "fetched_at",
                      "relevant", "score", "dimensions", "regions", "provinces", "aliases",
                      "text"]


class Locked(Exception):
    """Another kabar process holds the archive (exit code 3)."""


GLOBAL_DESTS = ("db", "config", "data_dir", "log_json")

EXAMPLES = {
    "crawl": ["kabar crawl", "kabar crawl --source sumselpos --source infodaerah",
              "kabar crawl --backfill --since 2023-01-01"],
    "daemon": ["kabar daemon", "kabar daemon --metrics-port 9108 --log-json"],
    "cluster": ["kabar cluster deploy", "kabar cluster nodes"],
    "cluster deploy": ["kabar cluster deploy --config sources.toml"],
    "cluster nodes": ["kabar cluster nodes"],
    "status": ["kabar status", "kabar status --format json"],
    "sources": ["kabar sources add https://sumselpos.co.id/", "kabar sources check --source sumselpos"],
    "sources add": ["kabar sources add https://sumselpos.co.id/",
                    "kabar sources add https://mubakab.go.id/ --name mubakab --region Muba --write"],
    "sources check": ["kabar sources check", "kabar sources check --source sumselpos --format json"],
    "demo": ["kabar demo", "kabar demo --serve-only --port 8701 > demo-sources.toml"],
    "search": ["kabar search 'smart city'",
               "kabar search '\"layanan publik\" OR spbe -banjir' --region Muba --since 2024-01-01",
               "kabar search spbe --dimension governance --format json",
               "kabar search -- -banjir kota      (a query starting with '-' follows --)"],
    "show": ["kabar show 12", "kabar show 12 --format json"],
    "export": ["kabar export --output archive.jsonl",
               "kabar export --query spbe --region 'Musi Banyuasin' --format csv --output spbe.csv"],
    "runs": ["kabar runs", "kabar runs --failed --source sumselpos --format json"],
    "stats": ["kabar stats", "kabar stats --format json"],
    "extract": ["kabar extract page.html --url https://example.id/berita/1",
                "kabar extract saved-pages/ --format jsonl"],
    "classify": ["kabar classify page.html notes.txt",
                 "kabar classify --title 'Muba luncurkan SPBE' --text 'Pemkab Musi Banyuasin ...'"],
    "reextract": ["kabar reextract", "kabar reextract --source sumselpos --since 2024-01-01 --workers 2"],
    "hide": ["kabar hide 12 --reason 'permintaan narasumber'"],
    "unhide": ["kabar unhide 12"],
    "serve": ["kabar serve", "kabar serve --port 8080 --host 0.0.0.0 --no-auth"],
    "db": ["kabar db upgrade", "kabar db copy --from sqlite:///data/kabar.db --to postgresql://kabar@db/kabar"],
    "db upgrade": ["kabar db upgrade --db postgresql://kabar@db/kabar"],
    "db copy": ["kabar db copy --from sqlite:///data/kabar.db --to postgresql://kabar@db/kabar"],
}


class KabarArgumentParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 like every other user error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        takes_query = any(action.dest == "query" for action in self._actions)
        for symptom, hint in QUERY_HINTS.items():
            if takes_query and symptom in message:
                message += f" ({hint.format(prog=self.prog)})"
        print(f"kabar: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


#: Usage errors caused by a query that starts with "-" (read as an option), and what to write.
QUERY_HINTS = {
    "required: QUERY": "a query that starts with '-' is read as an option: write {prog} -- -banjir, or 'NOT banjir'",
    "argument --query: expected one argument": "a query that starts with '-' is written --query=-banjir",
    "unrecognized arguments: -": "a query word that starts with '-' is read as an option: "
                                 "put the query after --, e.g. {prog} -- kota -banjir",
}


def _global_options(*, after_command: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after the command's name.

    After the name they default to "not given", so a value given before the name is not
    overwritten by the subcommand's defaults; ``-v`` given in both places adds up."""
    default = argparse.SUPPRESS if after_command else None
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("global options (before or after the command)")
    group.add_argument("--db", metavar="URL", default=default,
                       help="database URL, e.g. sqlite:///data/kabar.db or postgresql://user@host/db "
                            "(env KABAR_DATABASE_URL)")
    group.add_argument("--config", metavar="FILE", default=default,
                       help="sources file (env KABAR_CONFIG; default ./sources.toml)")
    group.add_argument("--data-dir", metavar="DIR", default=default,
                       help="data directory for WARC files and locks (env KABAR_DATA_DIR; default ./data)")
    group.add_argument("-v", "--verbose", action="count", dest="verbose_after" if after_command else "verbose",
                       default=argparse.SUPPRESS if after_command else 0,
                       help="more log output on stderr (-vv: debug, with tracebacks)")
    group.add_argument("--log-json", action="store_true", default=default,
                       help="log lines as JSON objects on stderr")
    return options


def _epilog(name: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[name])


def build_parser() -> argparse.ArgumentParser:
    common = _global_options(after_command=True)
    parser = KabarArgumentParser(
        prog="kabar",
        description="Archive regional Indonesian smart-city news and search it.",
        parents=[_global_options(after_command=False)],
        epilog="Run kabar COMMAND --help for a command's options and examples.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=KabarArgumentParser)

    def command(name: str, parent=sub, **kwargs) -> argparse.ArgumentParser:
        key = name if parent is sub else f"{parent._kabar_name} {name}"  # type: ignore[attr-defined]
        made = parent.add_parser(name, parents=[common], epilog=_epilog(key),
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 description=kwargs.get("help"), **kwargs)
        made._kabar_name = key  # type: ignore[attr-defined]
        return made

    def actions(cmd: argparse.ArgumentParser, dest: str, metavar: str = "ACTION"):
        made = cmd.add_subparsers(dest=dest, metavar=metavar, parser_class=KabarArgumentParser)
        made._kabar_name = cmd._kabar_name  # type: ignore[attr-defined]
        return made

    crawl = command("crawl", help="one crawl pass over the sources, then exit")
    crawl.add_argument("--source", action="append", default=[], metavar="NAME", help="only this source (repeatable)")
    crawl.add_argument("--backfill", action="store_true", help="follow listing pages much deeper to collect older articles")
    crawl.add_argument("--since", type=_date_arg, metavar="DATE",
                       help="with --backfill: skip feed and sitemap entries older than this date")
    crawl.add_argument("--trigger", default="cli", help=argparse.SUPPRESS)  # the daemon's children
    crawl.add_argument("--no-lock", action="store_true", help=argparse.SUPPRESS)  # their parent holds it
    crawl.add_argument("--timeout", type=float, default=None, help=argparse.SUPPRESS)

    daemon = command("daemon", help="crawl every source on its schedule until SIGTERM/SIGINT")
    daemon.add_argument("--metrics-port", type=int, metavar="PORT", help="serve Prometheus metrics on 127.0.0.1:PORT")

    cluster = command("cluster", help="Scrapyd nodes of [cluster] in the config")
    cluster_sub = actions(cluster, "cluster_command")
    command("deploy", cluster_sub, help="deploy the project to every node")
    command("nodes", cluster_sub, help="each node's load (running and pending jobs)")

    status = command("status", help="each source: last run, next run, last error, articles in 24 h")
    status.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")

    sources = command("sources", help="add a source from its homepage; check that sources still yield articles")
    sources_sub = actions(sources, "sources_command")
    sources_add = command("add", sources_sub, help="discover a site's feeds, sitemaps and listings from its homepage")
    sources_add.add_argument("url", metavar="URL", help="the site's homepage")
    sources_add.add_argument("--name", help="source name, [a-z0-9_-] (default: from the host or the site's name)")
    sources_add.add_argument("--region", help="default region of its articles")
    sources_add.add_argument("--write", action="store_true", help="append the [[sources]] block to the config file")
    sources_check = command("check", sources_sub, help="is each source reachable, parsable, extracting and yielding articles?")
    sources_check.add_argument("--source", action="append", default=[], metavar="NAME", help="only this source (repeatable)")
    sources_check.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")

    demo = command("demo", help="crawl the bundled example sites and search them")
    demo.add_argument("--serve-only", action="store_true", help="only serve the example sites and print their sources.toml")
    demo.add_argument("--port", type=int, default=None, metavar="N", help="first port of the example sites (they use N..N+5; 0 = any free ports; default 8701)")

    search = command("search", help="full-text search of the archive")
    search.add_argument("query", metavar="QUERY", help='words, "a phrase", OR, -exclude (after -- when it starts with -)')
    _add_filters(search)
    search.add_argument("--limit", type=_positive_int, default=20, metavar="N", help="at most N hits (default 20)")
    search.add_argument("--all-copies", action="store_true",
                        help="every article, not one per story (syndicated copies shown separately)")
    search.add_argument("--format", choices=["table", "json", "csv"], default="table", help="output format (default table)")

    show = command("show", help="one article: metadata, relevance, the outlets that carried it, text")
    show.add_argument("id", type=_positive_int, metavar="ID", help="the article's id (from search or export)")
    show.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")

    export = command("export", help="stream stored articles as JSON lines or CSV")
    export.add_argument("--query", default="", metavar="QUERY", help="only articles matching this search")
    _add_filters(export)
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl", help="output format (default jsonl)")
    export.add_argument("--output", metavar="FILE", help="write here instead of stdout")

    runs = command("runs", help="recent crawl runs")
    runs.add_argument("--source", metavar="NAME", help="only this source's runs")
    runs.add_argument("--failed", action="store_true", help="only runs that did not end ok")
    runs.add_argument("--limit", type=_positive_int, default=20, metavar="N", help="at most N runs (default 20)")
    runs.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")

    stats = command("stats", help="what the archive holds: counts per source, dimension, region, month")
    stats.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")

    extract = command("extract", help="extract article text and metadata from saved HTML files")
    extract.add_argument("paths", nargs="+", metavar="FILE_OR_DIR", help="HTML files, or directories of them")
    extract.add_argument("--url", help="the URL the page(s) came from")
    extract.add_argument("--format", choices=["json", "jsonl"], default="json", help="output format (default json)")

    reextract = command("reextract", help="re-run extraction, relevance and dedup over archived pages (no network)")
    reextract.add_argument("--source", action="append", default=[], metavar="NAME", help="only this source (repeatable)")
    reextract.add_argument("--since", type=_date_arg, metavar="DATE", help="only articles fetched on or after DATE")
    reextract.add_argument("--workers", type=_workers_arg, metavar="N",
                           help="extraction processes (default: [crawl] extract_workers; 0 or 1: none)")

    hide = command("hide", help="take an article down from search, web, API, feeds and export")
    hide.add_argument("id", type=_positive_int, metavar="ID", help="the article's id")
    hide.add_argument("--reason", required=True, help="why (kept with the article)")
    unhide = command("unhide", help="undo kabar hide")
    unhide.add_argument("id", type=_positive_int, metavar="ID", help="the article's id")

    classify = command("classify", help="smart-city relevance, dimensions and regions of texts or pages")
    classify.add_argument("paths", nargs="*", metavar="FILE", help="HTML pages (extracted first) or plain-text files")
    classify.add_argument("--text", help="classify this text instead of files")
    classify.add_argument("--title", help="with --text: its title (weighs more)")
    classify.add_argument("--vocabulary", metavar="FILE", help="extra vocabulary TOML merged over the shipped one")
    classify.add_argument("--format", choices=["json", "jsonl"], default="json", help="output format (default json)")

    serve = command("serve", help="web pages, JSON API and Atom feeds over the archive (read-only)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; others need KABAR_WEB_PASSWORD or --no-auth)")
    serve.add_argument("--port", type=int, default=8080, metavar="N", help="port (default 8080)")
    serve.add_argument("--no-auth", action="store_true", help="serve beyond loopback without a password (a reverse proxy does the auth)")
    serve.add_argument("--base-url", metavar="URL", help="public address for feed and API links, whatever the Host header says (default: [web] base_url)")

    db = command("db", help="database maintenance")
    db_sub = actions(db, "db_command")
    command("upgrade", db_sub, help="apply migrations (also done on first use)")
    copy = command("copy", db_sub, help="copy the whole archive into a new database, verified")
    copy.add_argument("--from", dest="source_url", required=True, metavar="URL", help="the archive to copy")
    copy.add_argument("--to", dest="target_url", required=True, metavar="URL", help="the new database (created)")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line; global options count wherever they were given."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        chosen = _chosen_parser(parser, args)
        chosen.error(f"unrecognized arguments: {' '.join(extra)}")
    for dest in GLOBAL_DESTS:
        if getattr(args, dest, None) is None:
            setattr(args, dest, False if dest == "log_json" else None)
    args.verbose = getattr(args, "verbose", 0) + getattr(args, "verbose_after", 0)
    return args


def _chosen_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)command parser that ``args`` were parsed by, for errors that name it."""
    while True:
        subparsers = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        name = getattr(args, subparsers.dest, None) if subparsers else None
        if name not in (subparsers.choices if subparsers else {}):
            return parser
        parser = subparsers.choices[name]


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", action="append", default=[], metavar="NAME", help="only this source (repeatable)")
    parser.add_argument("--since", type=_date_arg, metavar="DATE",
                        help="published on or after DATE: YYYY-MM-DD (WIB) or ISO datetime")
    parser.add_argument("--until", type=_until_arg, metavar="DATE",
                        help="published up to DATE: YYYY-MM-DD (the whole day, WIB) or ISO datetime")
    parser.add_argument("--region", action="append", default=[], metavar="NAME_OR_CODE",
                        help='kabupaten/kota, e.g. "Musi Banyuasin", Muba or 16.06 (repeatable)')
    parser.add_argument("--province", action="append", default=[], metavar="NAME_OR_CODE",
                        help='e.g. "Sumatera Selatan", Sumsel or 16 (repeatable)')
    parser.add_argument("--dimension", action="append", default=[], choices=DIMENSION_CHOICES,
                        help="smart-city dimension (repeatable)")
    parser.add_argument("--min-score", type=_min_score_arg, default=None, metavar="SCORE",
                        help="only articles with at least this relevance score")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.command:
        build_parser().print_help(sys.stderr)
        return EXIT_USAGE
    logsetup.setup(args.verbose, args.log_json)
    handler = COMMANDS.get(args.command)
    try:
        return handler(args)
    except Locked as exc:
        logsetup.say(str(exc), logging.ERROR)
        return EXIT_LOCKED
    except (ConfigError, StorageError, QueryError, UsageError) as exc:
        logsetup.say(f"error: {exc}", logging.ERROR)
        return EXIT_USAGE
    except KeyboardInterrupt:
        logsetup.say("interrupted", logging.ERROR)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _paths(args: argparse.Namespace, require_config: bool = False) -> Paths:
    return resolve(db=args.db, config=args.config, data_dir=args.data_dir, require_config=require_config)


def engine_for(paths: Paths, *, create: bool = False):
    """The archive's engine, schema upgraded. Only commands that write pass ``create``:
    for the others a database that holds no archive is an error (a mistyped --db)."""
    from storage.db import open_archive, open_existing_archive

    return (open_archive if create else open_existing_archive)(paths.database_url)


# --- crawl -----------------------------------------------------------------------------


def cmd_crawl(args: argparse.Namespace) -> int:
    if args.since and not args.backfill:
        raise UsageError("--since goes with --backfill")
    paths = _paths(args, require_config=True)
    with archive_lock(paths, "crawl", skip=args.no_lock):
        return crawl_and_report(paths, args.source, trigger=args.trigger, backfill=args.backfill,
                                since=args.since, verbose=args.verbose, timeout=args.timeout)


@contextmanager
def archive_lock(paths: Paths, purpose: str, skip: bool = False) -> Iterator[None]:
    """Hold the archive's writer lock; a held lock becomes exit code 3. Once held, runs left
    'running' by crawl processes that are gone are closed as killed (jobs.orphans)."""
    from jobs.lock import ArchiveLock, LockHeld
    from jobs.orphans import close_orphaned_runs_in

    try:
        paths.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot use the data directory {paths.data_dir}: {exc.strerror or exc}") from None
    if skip:
        yield
        return
    try:
        lock = ArchiveLock(paths.database_url, paths.data_dir, purpose).acquire()
    except LockHeld as exc:
        raise Locked(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot use the data directory {paths.data_dir}: {exc.strerror or exc}") from None
    try:
        close_orphaned_runs_in(paths.database_url)
        yield
    finally:
        lock.release()


def crawl_and_report(paths: Paths, names: Sequence[str], *, trigger: str, backfill: bool = False,
                     since: datetime | None = None, verbose: int = 0, timeout: float | None = None) -> int:
    """Crawl, show progress on a terminal, print the summary table; return the exit code."""
    from jobs.crawl import CrawlOptions, run_crawl
    from jobs.progress import Progress

    sources = [paths.config.source(n) for n in names] if names else list(paths.config.sources)
    if not sources:
        raise ConfigError(f"{paths.config.path}: no [[sources]] to crawl")
    engine_for(paths, create=True)  # migrations and a reachable database before the reactor starts
    options = CrawlOptions(trigger=trigger, backfill=backfill, since=since,
                           log_level="INFO" if verbose else "WARNING", timeout=timeout)
    with Progress(sys.stderr) as progress:
        summaries = run_crawl(paths, sources, options, on_tick=progress.update)
    if logsetup.json_mode():  # every stderr line a JSON record: the summary too
        for summary in summaries:
            logsetup.say(f"{summary['source']}: {summary['status']}", fields=summary)
    else:
        output.write_table(summaries, SUMMARY_COLUMNS, title="Crawl summary", out=sys.stderr)
    failed = [s["source"] for s in summaries if s["status"] == "failed"]
    if failed:
        logsetup.say(f"failed as a whole: {', '.join(failed)} (see kabar runs)", logging.ERROR)
        return EXIT_SOURCE_FAILED
    return EXIT_OK


# --- demo ------------------------------------------------------------------------------


def cmd_daemon(args: argparse.Namespace) -> int:
    paths = _paths(args, require_config=True)
    if not paths.config.sources:
        raise ConfigError(f"{paths.config.path}: no [[sources]] to schedule")
    with archive_lock(paths, "daemon"):
        from jobs.daemon import Daemon

        if args.metrics_port is not None and not 0 < args.metrics_port < 65536:
            raise UsageError("--metrics-port must be a port number")
        return Daemon(paths, metrics_port=args.metrics_port).run()


def cmd_cluster(args: argparse.Namespace) -> int:
    from jobs.cluster import NodeError, ScrapydNode

    paths = _paths(args, require_config=True)
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
                print(f"kabar: deployed {cluster.project} to {node.url}", file=sys.stderr)
            else:
                print(f"{node.url}\t{node.load()} jobs running or pending")
        except NodeError as exc:
            failed += 1
            print(f"kabar: {exc}", file=sys.stderr)
    return EXIT_SOURCE_FAILED if failed else EXIT_OK


def cmd_sources(args: argparse.Namespace) -> int:
    from jobs.sources.command import sources_add, sources_check

    if args.sources_command == "add":
        return sources_add(args.url, name=args.name, region=args.region, write=args.write, config=args.config)
    if args.sources_command == "check":
        paths = _paths(args, require_config=True)
        return sources_check(paths, engine_for(paths, create=True), names=args.source, fmt=args.format)
    raise UsageError("kabar sources needs an action: add or check")


def cmd_status(args: argparse.Namespace) -> int:
    from jobs.daemon import next_runs
    from storage.checks import latest_checks
    from storage.runs import source_health

    paths = _paths(args, require_config=True)
    engine = engine_for(paths)
    names = [s.name for s in paths.config.sources]
    upcoming = next_runs(paths.database_url)
    checks = latest_checks(engine, names)
    rows = [{**h, "next_run": upcoming.get(h["source"]), **_check_fields(checks.get(h["source"]))}
            for h in source_health(engine, names)]
    if args.format == "json":
        output.write_json(rows)
    else:
        output.write_table(rows, [("source", "Source"), ("last_run", "Last run"), ("last_status", "Status"),
                                  ("next_run", "Next run"), ("articles_24h", "Articles 24 h"),
                                  ("last_error", "Last error"), ("health", "Health")], title="Sources")
        attention = [r for r in rows if r["health"] in ("warning", "failing")]
        if attention:
            output.write_table(attention, [("source", "Source"), ("health", "Health"), ("health_reason", "Why"),
                                           ("checked_at", "Checked")], title="Failing or quiet sources")
    return EXIT_OK


def _check_fields(check: dict[str, Any] | None) -> dict[str, Any]:
    """The latest recorded health check of a source (kabar sources check, the daemon's daily one)."""
    if check is None:
        return {"health": None, "health_reason": None, "checked_at": None}
    return {"health": check["status"], "health_reason": check["reason"], "checked_at": check["checked_at"]}


def cmd_demo(args: argparse.Namespace) -> int:
    from jobs.demo import run_demo, serve_only

    if args.serve_only:
        return serve_only(args.port)
    return run_demo(args)


# --- queries ---------------------------------------------------------------------------


def _search_request(args: argparse.Namespace, query: str, limit: int | None):
    """The storage request for the shared filters; ``limit=None`` means everything."""
    from storage.query import SearchRequest

    since, until = args.since, args.until
    if since and until and since >= until:
        raise UsageError("--since must be before --until")
    return SearchRequest(
        query=query, sources=list(args.source), since=since, until=until, limit=limit,
        regions=filters.area_codes(args.region, provinces=False),
        provinces=filters.area_codes(args.province, provinces=True),
        dimensions=list(args.dimension), min_score=args.min_score,
    )


def cmd_search(args: argparse.Namespace) -> int:
    from storage.query import search

    if not args.query.strip():
        raise UsageError("the search query is empty (use kabar export to list everything)")
    request = _search_request(args, args.query, args.limit)
    engine = engine_for(_paths(args))
    request.group_stories = not args.all_copies
    hits = [hit_record(h) for h in search(engine, request)]
    if args.format == "json":
        output.write_json(hits)
    elif args.format == "csv":
        output.write_csv(hits, ["id", "url", "title", "published", "source", "story_id", "also_in", "snippet"])
    else:
        if not hits:
            print(f"No articles match {args.query!r}.", file=sys.stderr)
            return EXIT_OK
        output.write_table(hits, SEARCH_COLUMNS)
    return EXIT_OK


def hit_record(hit: Any) -> dict[str, Any]:
    record = hit if isinstance(hit, dict) else {
        key: getattr(hit, key)
        for key in ("id", "url", "title", "published", "source", "snippet", "rank", "story_id", "also_in")
    }
    return record


def cmd_show(args: argparse.Namespace) -> int:
    from storage.query import get_article

    article = get_article(engine_for(_paths(args)), args.id)
    if article is None:
        raise UsageError(f"no article with id {args.id}")
    if args.format == "json":
        output.write_json(article)
        return EXIT_OK
    out = sys.stdout
    out.write(f"{article.get('title') or '(no title)'}\n")
    for key in ("url", "source", "author", "published", "language", "site_name", "dateline"):
        value = article.get(key)
        if value:
            out.write(f"{key:>10}: {output.human(value) if isinstance(value, datetime) else value}\n")
    for alias in article.get("aliases") or []:
        out.write(f"{'also at':>10}: {alias}\n")
    if article.get("hidden"):
        out.write(f"{'HIDDEN':>10}: {output.human(article['hidden']['at'])}: {article['hidden']['reason']}\n")
    if article.get("removed_at"):
        out.write(f"{'removed':>10}: gone at the source since {output.human(article['removed_at'])}\n")
    truncated_from = (article.get("meta") or {}).get("truncated_from")
    if truncated_from:
        out.write(f"{'cut':>10}: text cut at a paragraph break to {len(article.get('text') or ''):,} "
                  f"of {truncated_from:,} characters\n")
    if article.get("score") is not None:
        out.write(f"{'relevance':>10}: {article['score']} ({', '.join(dict.fromkeys(r['term'] for r in article.get('reasons') or []))})\n")
    for key in ("dimensions", "regions"):
        values = [v if isinstance(v, str) else v["name"] for v in article.get(key) or []]
        if values:
            out.write(f"{key:>10}: {', '.join(values)}\n")
    story = article.get("story") or {}
    others = [a for a in story.get("articles", []) if a["id"] != article["id"]]
    if others:
        out.write("\nThe same story, also carried by:\n")
        for other in others:
            out.write(f"  #{other['id']} {other['source']}: {other['url']}\n")
    out.write("\n" + (article.get("text") or "") + "\n")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from storage.query import iter_articles

    request = _search_request(args, args.query, None)
    engine = engine_for(_paths(args))
    with _open_output(args.output) as out:
        records = iter_articles(engine, request)
        if args.format == "csv":
            count = output.write_csv(records, EXPORT_CSV_COLUMNS, out=out)
        else:
            count = output.write_jsonl(records, out=out)
    print(f"kabar: exported {count} articles", file=sys.stderr)
    return EXIT_OK


@contextmanager
def _open_output(path: str | None) -> Iterator[Any]:
    if not path:
        yield sys.stdout
        return
    try:
        handle = open(path, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    with handle:
        yield handle


def cmd_runs(args: argparse.Namespace) -> int:
    from storage.query import list_runs

    runs = list_runs(engine_for(_paths(args)), source=args.source, limit=None if args.failed else args.limit)
    if args.failed:
        runs = [r for r in runs if r["status"] not in ("ok", "running")][: args.limit]
    if args.format == "json":
        output.write_json(runs)
    else:
        output.write_table(runs, RUN_COLUMNS, title="Crawl runs")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from storage.query import stats
    from storage.tags import tag_stats

    engine = engine_for(_paths(args))
    data = {**stats(engine), **tag_stats(engine, output.display_zone())}
    if args.format == "json":
        output.write_json(data)
        return EXIT_OK
    totals = [{"what": k, "count": data[k]} for k in ("articles", "aliases", "fetched_urls")]
    output.write_table(totals, [("what", "Archive"), ("count", "Count")])
    output.write_table(data["sources"], [("source", "Source"), ("articles", "Articles"),
                                         ("relevant", "Relevant"), ("latest_published", "Latest")])
    output.write_table(data["dimensions"], [("dimension", "Dimension"), ("articles", "Articles")])
    output.write_table(data["provinces"], [("name", "Province"), ("code", "Code"), ("articles", "Articles")])
    output.write_table(data["regions"][:20], [("name", "Region (top 20)"), ("type", "Type"),
                                              ("code", "Code"), ("articles", "Articles")])
    output.write_table(data["months"], [("month", "Month (WIB)"), ("articles", "Articles")])
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extract.batch import extract_paths

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    vocab = classify_vocabulary(_paths(args), None)
    records = (_with_tags(record, vocab) for record in extract_paths(paths, url=args.url))
    if args.format == "jsonl":
        output.write_jsonl(records)
    elif len(paths) == 1 and paths[0].is_file():
        output.write_json(next(records))
    else:
        output.write_json(list(records))
    return EXIT_OK


def _with_tags(record: dict[str, Any], vocab) -> dict[str, Any]:
    """An extracted page with the same relevance fields as stored articles."""
    from crawler.relevance.tagging import tag
    from types import SimpleNamespace

    if record.get("error"):
        return record
    article = SimpleNamespace(title=record.get("title"), text=record.get("text") or "",
                              dateline=record.get("dateline"))
    return {**record, **tag(article, vocab)}


def cmd_reextract(args: argparse.Namespace) -> int:
    from jobs.reextract import reextract

    paths = _paths(args)
    engine = engine_for(paths)
    summary = reextract(paths, engine, sources=list(args.source), since=args.since, workers=args.workers)
    print(f"kabar: re-extracted {summary.articles} articles: {summary.changed} changed, "
          f"{summary.unchanged} unchanged, {summary.errors} errors", file=sys.stderr)
    return EXIT_OK if not summary.errors else EXIT_SOURCE_FAILED


def cmd_hide(args: argparse.Namespace) -> int:
    from storage.archive import Archive

    if not args.reason.strip():
        raise UsageError("--reason must say why")
    try:
        Archive(engine_for(_paths(args))).hide(args.id, args.reason.strip())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"kabar: article {args.id} hidden", file=sys.stderr)
    return EXIT_OK


def cmd_unhide(args: argparse.Namespace) -> int:
    from storage.archive import Archive

    try:
        Archive(engine_for(_paths(args))).unhide(args.id)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"kabar: article {args.id} visible again", file=sys.stderr)
    return EXIT_OK


def cmd_classify(args: argparse.Namespace) -> int:
    from jobs.classify import classify_inputs

    if args.text is None and not args.paths:
        raise UsageError("give FILE arguments or --text TEXT")
    if args.text is not None and not args.text.strip():
        raise UsageError("--text is empty")
    vocab = classify_vocabulary(_paths(args), args.vocabulary)
    records = list(classify_inputs(args.paths, args.text, args.title, vocab))
    if args.format == "jsonl":
        output.write_jsonl(records)
    elif len(records) == 1:
        output.write_json(records[0])
    else:
        output.write_json(records)
    return EXIT_OK


def classify_vocabulary(paths: Paths, extra: str | None):
    from jobs.classify import vocabulary

    return vocabulary(paths, extra)


def cmd_serve(args: argparse.Namespace) -> int:
    from jobs.web.serve import serve

    return serve(_paths(args), host=args.host, port=args.port, no_auth=args.no_auth, verbose=args.verbose,
                 base_url=args.base_url)


def cmd_db(args: argparse.Namespace) -> int:
    if args.db_command == "copy":
        return _copy_db(args)
    if args.db_command != "upgrade":
        raise UsageError("kabar db needs an action: upgrade or copy")
    paths = _paths(args)
    engine_for(paths, create=True)
    print(f"kabar: database is up to date: {_redact(paths.database_url)}", file=sys.stderr)
    return EXIT_OK


def _copy_db(args: argparse.Namespace) -> int:
    from storage.copy import copy_archive, table_digests
    from storage.db import open_archive, open_existing_archive

    source = open_existing_archive(args.source_url)
    target = open_archive(args.target_url)
    counts = copy_archive(source, target)
    before, after = table_digests(source), table_digests(target)
    different = [name for name in before if before[name] != after.get(name)]
    if different:
        print(f"kabar: copy differs from the original in {', '.join(different)}", file=sys.stderr)
        return EXIT_SOURCE_FAILED
    total = sum(counts.values())
    print(f"kabar: copied {total} rows in {len(counts)} tables from {_redact(args.source_url)} to "
          f"{_redact(args.target_url)}; counts and hashes of every table match", file=sys.stderr)
    return EXIT_OK


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL is reported by open_archive already
        return url


def _argument_type(read):
    """An argparse type from a reader of jobs.filters (its FilterError becomes the usage error)."""

    def convert(text: str):
        try:
            return read(text)
        except filters.FilterError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = read.__name__
    return convert


_date_arg = _argument_type(filters.parse_since)
_until_arg = _argument_type(filters.parse_until)
_min_score_arg = _argument_type(filters.parse_min_score)


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}")
    return value


def _positive_int(text: str) -> int:
    return _whole_number(text, 1)


def _workers_arg(text: str) -> int:
    return _whole_number(text, 0)


COMMANDS = {
    "crawl": cmd_crawl,
    "demo": cmd_demo,
    "daemon": cmd_daemon,
    "status": cmd_status,
    "sources": cmd_sources,
    "cluster": cmd_cluster,
    "search": cmd_search,
    "show": cmd_show,
    "export": cmd_export,
    "runs": cmd_runs,
    "stats": cmd_stats,
    "extract": cmd_extract,
    "classify": cmd_classify,
    "reextract": cmd_reextract,
    "hide": cmd_hide,
    "unhide": cmd_unhide,
    "serve": cmd_serve,
    "db": cmd_db,
}

if __name__ == "__main__":
    sys.exit(main())
