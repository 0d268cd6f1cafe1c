"""The ``kabar`` command line: ``main()`` and the parser assembled from the command groups.

One module per group of commands, each with its ``EXAMPLES`` (the help epilogs),
``add_commands`` and ``COMMANDS`` (name -> handler); jobs/cli/parser.py holds what they share.

Exit codes (jobs.errors): 0 success; 1 the run completed but a source failed as a whole
(``kabar import``: some lines were bad); 2 bad usage, config or input (one clear line on
stderr); 3 another run holds the lock.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from crawler.config import ConfigError
from jobs import logsetup
from jobs.cli import crawling, database, demo, importing, maintenance, reading, sources, web
from jobs.cli.parser import parse_command_line, top_parser
from jobs.errors import EXIT_LOCKED, EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, Locked, UsageError
from storage.errors import QueryError, StorageError

__all__ = [
    "COMMANDS",
    "EXAMPLES",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_SOURCE_FAILED",
    "EXIT_USAGE",
    "build_parser",
    "main",
    "parse_args",
]

#: The command groups, in the order ``kabar --help`` lists their commands.
GROUPS = (crawling, sources, demo, reading, importing, maintenance, web, database)

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    name: handler for group in GROUPS for name, handler in group.COMMANDS.items()
}
EXAMPLES: dict[str, list[str]] = {key: lines for group in GROUPS for key, lines in group.EXAMPLES.items()}


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, with its options, help and examples."""
    parser, commands = top_parser()
    for group in GROUPS:
        group.add_commands(commands.with_examples(group.EXAMPLES))
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line; global options count wherever they were given."""
    return parse_command_line(build_parser(), argv)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    options = words[: words.index("--")] if "--" in words else words
    if "--log-json" in options:
        logsetup.setup(0, as_json=True)  # usage errors are JSON records too
    args = parse_args(words)
    if not args.command:
        build_parser().print_help(sys.stderr)
        return EXIT_USAGE
    logsetup.setup(args.verbose, args.log_json)
    handler = COMMANDS[args.command]
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
