"""``kabar db upgrade``, ``kabar db copy`` and ``kabar db reindex``: the database itself (schema,
moving the archive) and the search index beside it."""

from __future__ import annotations

import argparse
import logging

from jobs import logsetup
from jobs.archive_access import engine_for, search_index_dir
from jobs.cli.parser import Commands, paths_of
from jobs.errors import EXIT_OK, EXIT_SOURCE_FAILED, Locked, UsageError

EXAMPLES = {
    "db": ["kabar db upgrade", "kabar db copy --from sqlite:///data/kabar.db --to postgresql://kabar@db/kabar"],
    "db upgrade": ["kabar db upgrade --db postgresql://kabar@db/kabar"],
    "db copy": ["kabar db copy --from sqlite:///data/kabar.db --to postgresql://kabar@db/kabar"],
    "db reindex": ["kabar db reindex", "kabar db reindex --db postgresql://kabar@db/kabar --data-dir /srv/kabar"],
}


def add_commands(commands: Commands) -> None:
    db = commands.add_with_actions("db", help="database maintenance", dest="db_command")
    db.add("upgrade", help="apply migrations (also done on first use)")
    copy = db.add("copy", help="copy the whole archive into a new database, verified")
    copy.add_argument("--from", dest="source_url", required=True, metavar="URL", help="the archive to copy")
    copy.add_argument("--to", dest="target_url", required=True, metavar="URL", help="the new database (created)")
    db.add(
        "reindex",
        help="build the search index again from the whole archive (searches keep it in step by themselves; "
        "this is for a damaged or deleted index)",
    )


def cmd_db(args: argparse.Namespace) -> int:
    if args.db_command == "copy":
        return _copy_db(args)
    if args.db_command == "reindex":
        return _reindex(args)
    if args.db_command != "upgrade":
        raise UsageError("kabar db needs an action: upgrade, copy or reindex")
    paths = paths_of(args)
    engine_for(paths, create=True)
    logsetup.say(f"database is up to date: {_redact(paths.database_url)}")
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
        logsetup.say(f"copy differs from the original in {', '.join(different)}", logging.ERROR)
        return EXIT_SOURCE_FAILED
    total = sum(counts.values())
    logsetup.say(
        f"copied {total} rows in {len(counts)} tables from {_redact(args.source_url)} to "
        f"{_redact(args.target_url)}; counts and hashes of every table match"
    )
    return EXIT_OK


def _reindex(args: argparse.Namespace) -> int:
    from rich.progress import MofNCompleteColumn

    from jobs.progress import bar
    from storage.errors import StorageError
    from storage.searchindex import SearchIndex

    paths = paths_of(args)
    engine = engine_for(paths)
    directory = search_index_dir(paths, engine)
    try:
        index = SearchIndex(directory)
    except (OSError, StorageError) as exc:
        raise UsageError(f"cannot use the search index at {directory}: {exc}") from None
    with bar("indexing", None, MofNCompleteColumn()) as update:
        report = index.rebuild(engine, progress=lambda done, total: update(completed=done, total=total))
    if report.skipped:
        raise Locked(f"the search index at {directory} is being written by another process; try again later")
    logsetup.say(f"search index built: {report.written:,} articles in {directory}")
    return EXIT_OK


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL is reported by open_archive already
        return url


COMMANDS = {"db": cmd_db}
