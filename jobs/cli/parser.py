"""The pieces every command's parser is made of: one-line usage errors (exit 2), the global
options (before or after the command), help epilogs of examples, and argument types.

Each command group (jobs/cli/<group>.py) adds its commands through :class:`Commands`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from crawler.config import Paths, resolve
from jobs import filters, logsetup
from jobs.errors import EXIT_USAGE

GLOBAL_DESTS = ("db", "config", "data_dir", "log_json")

#: Usage errors caused by a query that starts with "-" (read as an option), and what to write.
QUERY_HINTS = {
    "required: QUERY": "a query that starts with '-' is read as an option: write {prog} -- -banjir, or 'NOT banjir'",
    "argument --query: expected one argument": "a query that starts with '-' is written --query=-banjir",
    "unrecognized arguments: -": "a query word that starts with '-' is read as an option: "
    "put the query after --, e.g. {prog} -- kota -banjir",
}


class KabarArgumentParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 like every other user error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        takes_query = any(action.dest == "query" for action in self._actions)
        for symptom, hint in QUERY_HINTS.items():
            if takes_query and symptom in message:
                message += f" ({hint.format(prog=self.prog)})"
        logsetup.say(f"error: {message} (see {self.prog} --help)", logging.ERROR)
        sys.exit(EXIT_USAGE)


def global_options(*, after_command: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after the command's name.

    After the name they default to "not given", so a value given before the name is not
    overwritten by the subcommand's defaults; ``-v`` given in both places adds up."""
    default = argparse.SUPPRESS if after_command else None
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("global options (before or after the command)")
    group.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help="database URL, e.g. sqlite:///data/kabar.db or postgresql://user@host/db (env KABAR_DATABASE_URL)",
    )
    group.add_argument(
        "--config", metavar="FILE", default=default, help="sources file (env KABAR_CONFIG; default ./sources.toml)"
    )
    group.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default,
        help="data directory for WARC files and locks (env KABAR_DATA_DIR; default ./data)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        dest="verbose_after" if after_command else "verbose",
        default=argparse.SUPPRESS if after_command else 0,
        help="more log output on stderr (-vv: debug, with tracebacks)",
    )
    group.add_argument("--log-json", action="store_true", default=default, help="log lines as JSON objects on stderr")
    return options


def top_parser() -> tuple[KabarArgumentParser, Commands]:
    """The ``kabar`` parser, and the :class:`Commands` that add its commands (no examples yet)."""
    parser = KabarArgumentParser(
        prog="kabar",
        description="Archive regional Indonesian smart-city news and search it.",
        parents=[global_options(after_command=False)],
        epilog="Run kabar COMMAND --help for a command's options and examples.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=KabarArgumentParser)
    return parser, Commands(sub, global_options(after_command=True), {})


def epilog(examples: Sequence[str]) -> str:
    """A command's help epilog: its examples, one a line."""
    return "examples:\n" + "\n".join(f"  {line}" for line in examples)


class Commands:
    """Adds commands to one level of subparsers: each takes the global options, its help as
    description and its examples (``examples[name]``, ``"db copy"`` for an action) as epilog."""

    def __init__(
        self, subparsers: Any, common: argparse.ArgumentParser, examples: Mapping[str, Sequence[str]], prefix: str = ""
    ) -> None:
        self.subparsers, self.common, self.examples, self.prefix = subparsers, common, examples, prefix

    def with_examples(self, examples: Mapping[str, Sequence[str]]) -> Commands:
        """The same level of commands, with one group's examples."""
        return Commands(self.subparsers, self.common, examples, self.prefix)

    def add(self, name: str, *, help: str) -> argparse.ArgumentParser:
        return self.subparsers.add_parser(
            name,
            parents=[self.common],
            epilog=epilog(self.examples[self.prefix + name]),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            description=help,
            help=help,
        )

    def add_with_actions(self, name: str, *, help: str, dest: str) -> Commands:
        """A command that does its work through actions (``kabar db upgrade``): the Commands that
        add them; the chosen action's name is stored in ``dest``."""
        command = self.add(name, help=help)
        made = command.add_subparsers(dest=dest, metavar="ACTION", parser_class=KabarArgumentParser)
        return Commands(made, self.common, self.examples, prefix=f"{self.prefix}{name} ")


def parse_command_line(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse with ``parser``; global options count wherever they were given."""
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


def paths_of(args: argparse.Namespace, require_config: bool = False) -> Paths:
    """The archive, config and data directory that the global options (or the environment) name."""
    return resolve(db=args.db, config=args.config, data_dir=args.data_dir, require_config=require_config)


# --- argument types -----------------------------------------------------------------------


def _argument_type(read: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a reader of jobs.filters (its FilterError becomes the usage error)."""

    def convert(text: str) -> Any:
        try:
            return read(text)
        except filters.FilterError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = read.__name__
    return convert


date_arg = _argument_type(filters.parse_since)
until_arg = _argument_type(filters.parse_until)
min_score_arg = _argument_type(filters.parse_min_score)


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}")
    return value


def positive_int(text: str) -> int:
    """A whole number, at least 1 (ids, limits)."""
    return _whole_number(text, 1)


def workers_arg(text: str) -> int:
    """A whole number of worker processes, at least 0."""
    return _whole_number(text, 0)
