"""A live progress display of a crawl on a terminal; silent when stderr is not one, and with
``--log-json`` (every stderr line is then a JSON record)."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from jobs import logsetup


class Progress:
    """Context manager: ``update(summaries)`` redraws one line per source."""

    def __init__(self, stream: TextIO) -> None:
        self.console = Console(file=stream)
        self.live: Live | None = None

    def __enter__(self) -> Progress:
        if self.console.is_terminal and not logsetup.json_mode():
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
