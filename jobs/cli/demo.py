"""``kabar demo``: the bundled example sites crawled and searched (jobs/demo.py does the work)."""

from __future__ import annotations

import argparse

from jobs.cli.parser import Commands

EXAMPLES = {
    "demo": ["kabar demo", "kabar demo --serve-only --port 8701 > demo-sources.toml"],
}


def add_commands(commands: Commands) -> None:
    demo = commands.add("demo", help="crawl the bundled example sites and search them")
    demo.add_argument(
        "--serve-only", action="store_true", help="only serve the example sites and print their sources.toml"
    )
    demo.add_argument(
        "--port",
        type=int,
        default=None,
        metavar="N",
        help="first port of the example sites (they use N..N+5; 0 = any free ports; default 8701)",
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from jobs.demo import run_demo, serve_only

    if args.serve_only:
        return serve_only(args.port)
    return run_demo(args)


COMMANDS = {"demo": cmd_demo}
