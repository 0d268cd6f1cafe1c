"""Commands on pages and articles: ``extract`` and ``classify`` read files, ``reextract``
re-runs extraction over archived pages, ``hide`` and ``unhide`` take an article down and back."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobs import logsetup, output
from jobs.archive_access import engine_for
from jobs.cli.parser import Commands, date_arg, paths_of, positive_int, workers_arg
from jobs.errors import EXIT_OK, EXIT_SOURCE_FAILED, UsageError

if TYPE_CHECKING:
    from crawler.relevance import Vocabulary

EXAMPLES = {
    "extract": [
        "kabar extract page.html --url https://example.id/berita/1",
        "kabar extract saved-pages/ --format jsonl",
    ],
    "reextract": ["kabar reextract", "kabar reextract --source sumselpos --since 2024-01-01 --workers 2"],
    "hide": ["kabar hide 12 --reason 'permintaan narasumber'"],
    "unhide": ["kabar unhide 12"],
    "classify": [
        "kabar classify page.html notes.txt",
        "kabar classify --title 'Muba luncurkan SPBE' --text 'Pemkab Musi Banyuasin ...'",
    ],
}


def add_commands(commands: Commands) -> None:
    extract = commands.add("extract", help="extract article text and metadata from saved HTML files")
    extract.add_argument("paths", nargs="+", metavar="FILE_OR_DIR", help="HTML files, or directories of them")
    extract.add_argument("--url", help="the URL the page(s) came from")
    extract.add_argument("--format", choices=["json", "jsonl"], default="json", help="output format (default json)")

    reextract = commands.add(
        "reextract", help="re-run extraction, relevance and dedup over archived pages (no network)"
    )
    reextract.add_argument(
        "--source", action="append", default=[], metavar="NAME", help="only this source (repeatable)"
    )
    reextract.add_argument("--since", type=date_arg, metavar="DATE", help="only articles fetched on or after DATE")
    reextract.add_argument(
        "--workers",
        type=workers_arg,
        metavar="N",
        help="extraction processes (default: [crawl] extract_workers; 0 or 1: none)",
    )

    hide = commands.add("hide", help="take an article down from search, web, API, feeds and export")
    hide.add_argument("id", type=positive_int, metavar="ID", help="the article's id")
    hide.add_argument("--reason", required=True, help="why (kept with the article)")
    unhide = commands.add("unhide", help="undo kabar hide")
    unhide.add_argument("id", type=positive_int, metavar="ID", help="the article's id")

    classify = commands.add("classify", help="smart-city relevance, dimensions and regions of texts or pages")
    classify.add_argument("paths", nargs="*", metavar="FILE", help="HTML pages (extracted first) or plain-text files")
    classify.add_argument("--text", help="classify this text instead of files")
    classify.add_argument("--title", help="with --text: its title (weighs more)")
    classify.add_argument("--vocabulary", metavar="FILE", help="extra vocabulary TOML merged over the shipped one")
    classify.add_argument("--format", choices=["json", "jsonl"], default="json", help="output format (default json)")


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extract.batch import extract_paths
    from jobs.classify import vocabulary

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    vocab = vocabulary(paths_of(args), None)
    records = (_with_tags(record, vocab) for record in extract_paths(paths, url=args.url))
    if args.format == "jsonl":
        output.write_jsonl(records)
    elif len(paths) == 1 and paths[0].is_file():
        output.write_json(next(records))
    else:
        output.write_json(list(records))
    return EXIT_OK


def _with_tags(record: dict[str, Any], vocab: Vocabulary) -> dict[str, Any]:
    """An extracted page with the same relevance fields as stored articles."""
    from jobs.classify import tags_of

    if record.get("error"):
        return record
    return {**record, **tags_of(record.get("title"), record.get("text") or "", record.get("dateline"), vocab)}


def cmd_reextract(args: argparse.Namespace) -> int:
    from jobs.reextract import reextract

    paths = paths_of(args)
    engine = engine_for(paths)
    summary = reextract(paths, engine, sources=list(args.source), since=args.since, workers=args.workers)
    logsetup.say(
        f"re-extracted {summary.articles} articles: {summary.changed} changed, "
        f"{summary.unchanged} unchanged, {summary.errors} errors"
    )
    return EXIT_OK if not summary.errors else EXIT_SOURCE_FAILED


def cmd_hide(args: argparse.Namespace) -> int:
    from storage.archive import Archive

    if not args.reason.strip():
        raise UsageError("--reason must say why")
    try:
        Archive(engine_for(paths_of(args))).hide(args.id, args.reason.strip())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    logsetup.say(f"article {args.id} hidden")
    return EXIT_OK


def cmd_unhide(args: argparse.Namespace) -> int:
    from storage.archive import Archive

    try:
        Archive(engine_for(paths_of(args))).unhide(args.id)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    logsetup.say(f"article {args.id} visible again")
    return EXIT_OK


def cmd_classify(args: argparse.Namespace) -> int:
    from jobs.classify import classify_inputs, vocabulary

    if args.text is None and not args.paths:
        raise UsageError("give FILE arguments or --text TEXT")
    if args.text is not None and not args.text.strip():
        raise UsageError("--text is empty")
    vocab = vocabulary(paths_of(args), args.vocabulary)
    records = list(classify_inputs(args.paths, args.text, args.title, vocab))
    if args.format == "jsonl":
        output.write_jsonl(records)
    elif len(records) == 1:
        output.write_json(records[0])
    else:
        output.write_json(records)
    return EXIT_OK


COMMANDS = {
    "extract": cmd_extract,
    "reextract": cmd_reextract,
    "hide": cmd_hide,
    "unhide": cmd_unhide,
    "classify": cmd_classify,
}
