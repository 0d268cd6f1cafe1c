"""Commands that read the archive: ``search``, ``count``, ``show``, ``export``, ``runs``, ``stats``.

They share the search filters (jobs.filters, the same rules as the web) and refuse a database
that holds no archive.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from jobs import filters, logsetup, output
from jobs.archive_access import engine_for, search_engine_for
from jobs.cli.parser import Commands, date_arg, min_score_arg, paths_of, positive_int, until_arg
from jobs.errors import EXIT_OK, UsageError
from jobs.filters import DIMENSION_CHOICES
from jobs.hits import SEARCH_COLUMNS, hit_record
from storage.request import BY, SORTS

EXAMPLES = {
    "search": [
        "kabar search 'smart city'",
        "kabar search '\"layanan publik\" OR spbe -banjir' --region Muba --since 2024-01-01",
        "kabar search spbe --dimension governance --format json",
        "kabar search -- -banjir kota      (a query starting with '-' follows --)",
    ],
    "count": [
        "kabar count spbe --by month",
        "kabar count 'smart city' --by week --since 2024-01-01 --format json",
        "kabar count banjir --by month --share      (each month's matches as a share of all its stories)",
        "kabar count spbe --by region --province Sumsel",
        "kabar count --by source --all-copies --format csv",
    ],
    "show": ["kabar show 12", "kabar show 12 --format json"],
    "export": [
        "kabar export --output archive.jsonl",
        "kabar export --query spbe --region 'Musi Banyuasin' --format csv --output spbe.csv",
    ],
    "runs": ["kabar runs", "kabar runs --failed --source sumselpos --format json"],
    "stats": ["kabar stats", "kabar stats --format json"],
}

SEARCH_CSV_COLUMNS = ["id", "url", "title", "published", "source", "story_id", "also_in", "snippet"]
RUN_COLUMNS = [
    ("id", "Run"),
    ("source", "Source"),
    ("trigger", "Trigger"),
    ("status", "Status"),
    ("started", "Started"),
    ("finished", "Finished"),
    ("pages", "Pages"),
    ("new", "New"),
    ("duplicates", "Dup"),
    ("errors", "Errors"),
]
EXPORT_CSV_COLUMNS = [
    "id",
    "url",
    "title",
    "author",
    "published",
    "source",
    "language",
    "site_name",
    "description",
    "image",
    "dateline",
    "text_hash",
    "fetched_at",
    "relevant",
    "score",
    "dimensions",
    "regions",
    "provinces",
    "aliases",
    "text",
]


def add_commands(commands: Commands) -> None:
    search = commands.add("search", help="full-text search of the archive")
    search.add_argument(
        "query", metavar="QUERY", help='words, "a phrase", OR, -exclude (after -- when it starts with -)'
    )
    _add_filters(search)
    search.add_argument("--limit", type=positive_int, default=20, metavar="N", help="at most N hits (default 20)")
    _add_sort(search)
    _add_all_copies(search)
    search.add_argument(
        "--format", choices=["table", "json", "csv"], default="table", help="output format (default table)"
    )

    count = commands.add("count", help="how many stories match, over time or per source, region, dimension")
    count.add_argument(
        "query", nargs="?", default="", metavar="QUERY", help="as for search; without it, every story counts"
    )
    _add_filters(count)
    count.add_argument(
        "--by",
        choices=BY,
        default="month",
        help="day, week (ISO), month or year in WIB, or source, region, province, dimension (default month)",
    )
    count.add_argument(
        "--share", action="store_true", help="each period's count as a share of all stories in that period"
    )
    _add_all_copies(count)
    count.add_argument(
        "--format", choices=["table", "json", "csv"], default="table", help="output format (default table)"
    )

    show = commands.add("show", help="one article: metadata, relevance, the outlets that carried it, text")
    show.add_argument("id", type=positive_int, metavar="ID", help="the article's id (from search or export)")
    show.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")

    export = commands.add("export", help="stream stored articles as JSON lines or CSV")
    export.add_argument("--query", default="", metavar="QUERY", help="only articles matching this search")
    _add_filters(export)
    _add_sort(export, default="newest")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl", help="output format (default jsonl)")
    export.add_argument("--output", metavar="FILE", help="write here instead of stdout")

    runs = commands.add("runs", help="recent crawl runs")
    runs.add_argument("--source", metavar="NAME", help="only this source's runs")
    runs.add_argument("--failed", action="store_true", help="only runs that did not end ok")
    runs.add_argument("--limit", type=positive_int, default=20, metavar="N", help="at most N runs (default 20)")
    runs.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")

    stats = commands.add("stats", help="what the archive holds: counts per source, dimension, region, month")
    stats.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")


def _add_sort(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    parser.add_argument(
        "--sort",
        choices=SORTS,
        default=default,
        help="relevance (a text query: BM25-style rank, newer first among equals), newest or oldest "
        f"(default {default or 'relevance with a query'})",
    )


def _add_all_copies(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--all-copies",
        action="store_true",
        help="every article, not one per story (syndicated copies counted and shown separately)",
    )


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", action="append", default=[], metavar="NAME", help="only this source (repeatable)")
    parser.add_argument(
        "--since", type=date_arg, metavar="DATE", help="published on or after DATE: YYYY-MM-DD (WIB) or ISO datetime"
    )
    parser.add_argument(
        "--until",
        type=until_arg,
        metavar="DATE",
        help="published up to DATE: YYYY-MM-DD (the whole day, WIB) or ISO datetime",
    )
    parser.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="NAME_OR_CODE",
        help='kabupaten/kota, e.g. "Musi Banyuasin", Muba or 16.06 (repeatable)',
    )
    parser.add_argument(
        "--province",
        action="append",
        default=[],
        metavar="NAME_OR_CODE",
        help='e.g. "Sumatera Selatan", Sumsel or 16 (repeatable)',
    )
    parser.add_argument(
        "--dimension", action="append", default=[], choices=DIMENSION_CHOICES, help="smart-city dimension (repeatable)"
    )
    parser.add_argument(
        "--min-score",
        type=min_score_arg,
        default=None,
        metavar="SCORE",
        help="only articles with at least this relevance score",
    )


def _search_request(args: argparse.Namespace, query: str, limit: int | None):
    """The storage request for the shared filters; ``limit=None`` means everything."""
    from storage.query import SearchRequest

    since, until = args.since, args.until
    if since and until and since >= until:
        raise UsageError("--since must be before --until")
    return SearchRequest(
        query=query,
        sources=list(args.source),
        since=since,
        until=until,
        limit=limit,
        regions=filters.area_codes(args.region, provinces=False),
        provinces=filters.area_codes(args.province, provinces=True),
        dimensions=list(args.dimension),
        min_score=args.min_score,
        sort=getattr(args, "sort", None),
        group_stories=not getattr(args, "all_copies", False),
    )


def cmd_search(args: argparse.Namespace) -> int:
    from storage.query import count, search

    if not args.query.strip():
        raise UsageError("the search query is empty (use kabar export to list everything)")
    request = _search_request(args, args.query, args.limit)
    engine = search_engine_for(paths_of(args))
    hits = [hit_record(h) for h in search(engine, request)]
    if args.format == "json":
        output.write_json(hits)
    elif args.format == "csv":
        output.write_csv(hits, SEARCH_CSV_COLUMNS)
    else:
        if not hits:
            logsetup.say(f"No articles match {args.query!r}.", prefix="")
            return EXIT_OK
        total = count(engine, request)
        what = "articles" if args.all_copies else "stories"
        output.write_table(
            hits, SEARCH_COLUMNS, title=f"{total:,} {what} match, {len(hits):,} shown ({request.sort or 'relevance'})"
        )
    return EXIT_OK


def cmd_count(args: argparse.Namespace) -> int:
    from storage.counts import counts
    from storage.request import PERIODS

    request = _search_request(args, args.query, None)
    if args.share and args.by not in PERIODS:
        raise UsageError("--share is for counts over time: --by day, week, month or year")
    engine = search_engine_for(paths_of(args))
    found = counts(engine, request, args.by, tz=output.display_zone(), share=args.share)
    record = found.record(args.query)
    if args.format == "json":
        output.write_json(record)
        return EXIT_OK
    rows = [
        {
            "key": key,
            "count": n,
            **({"all": found.all.get(key, 0), "share": record["share"][key]} if args.share else {}),
        }
        for key, n in found.counts.items()
    ]
    if args.format == "csv":
        output.write_csv(rows, ["key", "count", *(["all", "share"] if args.share else [])])
        return EXIT_OK
    what = "articles" if args.all_copies else "stories"
    columns = [("key", args.by.title()), ("count", what.title())]
    if args.share:
        columns += [("all", f"All {what}"), ("share", "Share")]
        for row in rows:
            row["share"] = f"{row['share']:.1%}"
    title = f"{found.total:,} {what} match" + (f" {args.query!r}" if args.query else "")
    if args.by in PERIODS and found.undated:
        title += f" ({found.undated:,} undated, not in a {args.by})"
    output.write_table(rows, columns, title=title)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from storage.query import get_article

    article = get_article(engine_for(paths_of(args)), args.id)
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
        out.write(
            f"{'cut':>10}: text cut at a paragraph break to {len(article.get('text') or ''):,} "
            f"of {truncated_from:,} characters\n"
        )
    if article.get("score") is not None:
        terms = ", ".join(dict.fromkeys(r["term"] for r in article.get("reasons") or []))
        out.write(f"{'relevance':>10}: {article['score']} ({terms})\n")
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
    engine = engine_for(paths_of(args))
    with _open_output(args.output) as out:
        records = iter_articles(engine, request)
        if args.format == "csv":
            count = output.write_csv(records, EXPORT_CSV_COLUMNS, out=out)
        else:
            count = output.write_jsonl(records, out=out)
    logsetup.say(f"exported {count} articles")
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

    runs = list_runs(engine_for(paths_of(args)), source=args.source, limit=None if args.failed else args.limit)
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

    engine = engine_for(paths_of(args))
    data = {**stats(engine), **tag_stats(engine, output.display_zone())}
    if args.format == "json":
        output.write_json(data)
        return EXIT_OK
    totals = [{"what": k, "count": data[k]} for k in ("articles", "aliases", "fetched_urls")]
    output.write_table(totals, [("what", "Archive"), ("count", "Count")])
    output.write_table(
        data["sources"],
        [("source", "Source"), ("articles", "Articles"), ("relevant", "Relevant"), ("latest_published", "Latest")],
    )
    output.write_table(data["dimensions"], [("dimension", "Dimension"), ("articles", "Articles")])
    output.write_table(data["provinces"], [("name", "Province"), ("code", "Code"), ("articles", "Articles")])
    output.write_table(
        data["regions"][:20],
        [("name", "Region (top 20)"), ("type", "Type"), ("code", "Code"), ("articles", "Articles")],
    )
    output.write_table(data["months"], [("month", "Month (WIB)"), ("articles", "Articles")])
    return EXIT_OK


COMMANDS = {
    "search": cmd_search,
    "count": cmd_count,
    "show": cmd_show,
    "export": cmd_export,
    "runs": cmd_runs,
    "stats": cmd_stats,
}
