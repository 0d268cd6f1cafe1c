"""``kabar import``: JSON lines (``kabar export``, news-please, Fundus and the like) into the
archive, which it creates as a crawl does, under the crawl's writer lock."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from jobs import logsetup
from jobs.archive_access import archive_lock, engine_for
from jobs.cli.parser import Commands, paths_of, workers_arg
from jobs.errors import EXIT_OK, EXIT_SOURCE_FAILED, UsageError

EXAMPLES = {
    "import": [
        "kabar import archive.jsonl",
        "kabar export --db sqlite:///old.db | kabar import --db postgresql://kabar@db/kabar -",
        "jq -c . news-please-output/*.json | kabar import -      (one JSON object a line)",
        "kabar import part-1.jsonl part-2.jsonl --workers 2",
    ],
}


def add_commands(commands: Commands) -> None:
    imports = commands.add("import", help="load JSON lines (kabar export, news-please, Fundus, ...) into the archive")
    imports.add_argument(
        "files", nargs="+", metavar="FILE", help="JSON lines files, one article a line ('-' reads stdin)"
    )
    imports.add_argument(
        "--workers",
        type=workers_arg,
        metavar="N",
        help="processes that read and classify the lines (default: [crawl] extract_workers; 0 or 1: none)",
    )


def cmd_import(args: argparse.Namespace) -> int:
    from rich.progress import DownloadColumn, TextColumn

    from jobs.importing import import_lines, read_lines
    from jobs.progress import bar
    from storage.archive import Archive

    files = list(args.files)
    if files.count("-") > 1:
        raise UsageError("'-' (stdin) can be given only once")
    for name in files:
        if name != "-" and not (Path(name).is_file() and os.access(name, os.R_OK)):
            raise UsageError(f"cannot read {name}: no such file, or not readable")
    total = None if "-" in files else sum(Path(name).stat().st_size for name in files)
    paths = paths_of(args)
    workers = paths.config.crawl.extract_workers if args.workers is None else args.workers
    with archive_lock(paths, "import"):
        archive = Archive(engine_for(paths, create=True))
        columns = (DownloadColumn(), TextColumn("{task.fields[articles]:,} articles"))
        with bar("importing", total, *columns, articles=0) as update:
            summary = import_lines(
                archive,
                read_lines(files, sys.stdin.buffer),
                config=paths.config,
                workers=workers,
                report=_report,
                progress=lambda size, done: update(size, articles=done.imported),
            )
    for name in summary.sources_added:
        logsetup.say(f"added source {name!r}", fields={"source": name})
    message = f"imported {_count(summary.imported, 'article')}"
    also = [
        f"{summary.known:,} already in the archive" if summary.known else "",
        f"{summary.duplicates:,} kept as aliases of an article with the same text" if summary.duplicates else "",
    ]
    if any(also):
        message += f" ({', '.join(a for a in also if a)})"
    if summary.failed:
        message += f", {_count(summary.failed, 'line')} failed"
    logsetup.say(
        message,
        logging.WARNING if summary.failed else logging.INFO,
        fields={
            "imported": summary.imported,
            "known": summary.known,
            "duplicates": summary.duplicates,
            "failed": summary.failed,
        },
    )
    return EXIT_SOURCE_FAILED if summary.failed else EXIT_OK


def _report(where: str, number: int, message: str) -> None:
    shown = "stdin" if where == "-" else where
    logsetup.say(f"{shown}:{number}: {message}", logging.WARNING, fields={"file": shown, "line": number})


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


COMMANDS = {"import": cmd_import}
