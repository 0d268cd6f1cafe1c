"""``kabar sources add`` and ``kabar sources check``: the command line of jobs/sources/."""

from __future__ import annotations

import argparse

from jobs.archive_access import engine_for
from jobs.cli.parser import Commands, paths_of
from jobs.errors import UsageError

EXAMPLES = {
    "sources": ["kabar sources add https://sumselpos.co.id/", "kabar sources check --source sumselpos"],
    "sources add": [
        "kabar sources add https://sumselpos.co.id/",
        "kabar sources add https://mubakab.go.id/ --name mubakab --region Muba --write",
    ],
    "sources check": ["kabar sources check", "kabar sources check --source sumselpos --format json"],
}


def add_commands(commands: Commands) -> None:
    sources = commands.add_with_actions(
        "sources",
        help="add a source from its homepage; check that sources still yield articles",
        dest="sources_command",
    )
    add = sources.add("add", help="discover a site's feeds, sitemaps and listings from its homepage")
    add.add_argument("url", metavar="URL", help="the site's homepage")
    add.add_argument("--name", help="source name, [a-z0-9_-] (default: from the host or the site's name)")
    add.add_argument("--region", help="default region of its articles")
    add.add_argument("--write", action="store_true", help="append the [[sources]] block to the config file")
    check = sources.add("check", help="is each source reachable, parsable, extracting and yielding articles?")
    check.add_argument("--source", action="append", default=[], metavar="NAME", help="only this source (repeatable)")
    check.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")


def cmd_sources(args: argparse.Namespace) -> int:
    from jobs.sources.command import sources_add, sources_check

    if args.sources_command == "add":
        return sources_add(args.url, name=args.name, region=args.region, write=args.write, config=args.config)
    if args.sources_command == "check":
        paths = paths_of(args, require_config=True)
        return sources_check(paths, engine_for(paths, create=True), names=args.source, fmt=args.format)
    raise UsageError("kabar sources needs an action: add or check")


COMMANDS = {"sources": cmd_sources}
