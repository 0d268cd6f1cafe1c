"""Print records for people (tables, text) and for programs (JSON, JSON lines, CSV).

Machine formats go to stdout and nothing else does; datetimes are ISO 8601 with the offset of
the display zone (Asia/Jakarta unless KABAR_TIMEZONE says otherwise).
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console
from rich.table import Table
from rich.text import Text

DEFAULT_TIMEZONE = "Asia/Jakarta"


@lru_cache(maxsize=1)
def display_zone() -> ZoneInfo:
    name = os.environ.get("KABAR_TIMEZONE", DEFAULT_TIMEZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(display_zone()) if value is not None else None


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset in the display zone."""
    local = to_local(value)
    return local.isoformat() if local else None


def human(value: datetime | None) -> str:
    """'2022-12-27 13:32 WIB' style."""
    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M %Z") if local else "-"


def jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return {key: _jsonable(value) for key, value in record.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return jsonable(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def write_json(records: Sequence[dict[str, Any]] | dict[str, Any], out: TextIO = sys.stdout) -> None:
    data = jsonable(records) if isinstance(records, dict) else [jsonable(r) for r in records]
    json.dump(data, out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO = sys.stdout) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(jsonable(record), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def write_csv(records: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO = sys.stdout) -> int:
    """CSV for spreadsheets: lists and objects as JSON, snippets without match markers, and a
    text cell that a spreadsheet would run as a formula prefixed with ``'``."""
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    count = 0
    for record in records:
        row = jsonable(record)
        writer.writerow({k: _csv_cell(row.get(k), marked=k in MARKED_KEYS) for k in columns})
        count += 1
    return count


# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any, *, marked: bool = False) -> Any:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        text = plain(value) if marked else value
        return "'" + text if text.startswith(FORMULA_START) else text
    return value


def write_table(
    records: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    title: str | None = None,
    out: TextIO = sys.stdout,
) -> None:
    """A table for people; ``columns`` are (key, heading) pairs. Cells are taken literally
    (never as rich markup); matches in MARKED_KEYS columns are shown in bold."""
    console = Console(file=out, soft_wrap=False, width=None if out.isatty() else PIPE_WIDTH)
    table = Table(title=title, show_lines=False)
    for _, heading in columns:
        table.add_column(heading, overflow="fold")
    for record in records:
        table.add_row(*(_table_cell(record.get(key), marked=key in MARKED_KEYS) for key, _ in columns))
    console.print(table)


PIPE_WIDTH = 160  # columns of a table written to a file or pipe (a terminal uses its own width)
TABLE_CELL_CHARS = 160  # longer cells (snippets, errors) are cut in tables; JSON has them whole

# Fields whose matched words the query module marks as ``[word]`` (storage.snippet, ts_headline)
MARKED_KEYS = frozenset({"snippet"})
MARK = re.compile(r"\[([^\W_]+)\]")


def plain(snippet: str | None) -> str:
    """A marked snippet without its markers: ``[word]`` -> ``word``."""
    return MARK.sub(r"\1", snippet or "")


def _table_cell(value: Any, *, marked: bool) -> Text:
    text = _shorten(_cell(value))
    return _marked(text) if marked else Text(text)


def _marked(text: str) -> Text:
    """Cell text taken literally, matches marked ``[word]`` in bold."""
    cell, last = Text(), 0
    for match in MARK.finditer(text):
        cell.append(text[last : match.start()])
        cell.append(match.group(1), style="bold")
        last = match.end()
    cell.append(text[last:])
    return cell


def _shorten(text: str) -> str:
    return text if len(text) <= TABLE_CELL_CHARS else text[: TABLE_CELL_CHARS - 1].rstrip() + "…"


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return human(value)
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
