"""Live progress on a terminal: the table of a crawl, and the bar of a batch command
(``kabar reextract``, ``kabar import``); silent when stderr is not one, and with
``--log-json`` (every stderr line is then a JSON record)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, ProgressColumn, TextColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from jobs import logsetup


def _shown(console: Console) -> bool:
    return console.is_terminal and not logsetup.json_mode()


@contextmanager
def bar(
    description: str, total: float | None, *columns: ProgressColumn, stream: TextIO | None = None, **fields: Any
) -> Iterator[Callable[..., None]]:
    """A progress bar (``description``, the bar, ``columns``) on ``stream`` (stderr) while the
    block runs; yields ``update(advance=0, **fields)``. ``fields`` are the task's fields that
    ``columns`` show (``{task.fields[name]}``), with their first values."""
    console = Console(file=stream or sys.stderr)
    with RichProgress(
        TextColumn(description), BarColumn(), *columns, console=console, transient=True, disable=not _shown(console)
    ) as progress:
        task = progress.add_task(description, total=total, **fields)

        def update(advance: float = 0, **changed: Any) -> None:
            progress.update(task, advance=advance, **changed)

        yield update


class Progress:
    """Context manager: ``update(summaries)`` redraws one line per source."""

    def __init__(self, stream: TextIO) -> None:
        self.console = Console(file=stream)
        self.live: Live | None = None

    def __enter__(self) -> Progress:
        if _shown(self.console):
            self.live = Live(console=self.console, auto_refresh=False, transient=True)
            self.live.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.stop()

    def update(self, summaries: list[dict[str, Any]]) -> None:
        if self.live is None:
            return
        table = Table(title="Crawling", box=None)
        for heading in ("Source", "Pages", "New", "Duplicates", "Errors"):
            table.add_column(heading, justify="left" if heading == "Source" else "right")
        for s in summaries:
            table.add_row(s["source"], str(s["pages"]), str(s["new"]), str(s["duplicates"]), str(s["errors"]))
        self.live.update(table, refresh=True)
