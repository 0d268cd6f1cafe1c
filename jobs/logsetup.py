"""Logging on stderr for every ``kabar`` command: brief text lines, or with ``--log-json`` one
JSON object per line, so a log collector reads everything a command and its child processes
write. Lines meant for the person running kabar (a crawl's summary, an error) go through
:func:`say`: ``kabar: …`` as plain text, a JSON record in JSON mode.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: What :func:`say` logs as.
SAY_LOGGER = "kabar"


class BriefFormatter(logging.Formatter):
    """Log lines without tracebacks (the exception's last line instead); -vv shows them whole."""

    def format(self, record: logging.LogRecord) -> str:
        if not record.exc_info:
            return super().format(record)
        exc = record.exc_info[1]
        brief = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        brief.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc})"
        brief.args = None
        return super().format(brief)


class JsonFormatter(logging.Formatter):
    """One JSON object per log line: time (local, ISO 8601 with offset), level, logger,
    message, the fields a record carries (``extra={"fields": {...}}``) and its error."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update({k: v for k, v in fields.items() if k not in data})
        if record.exc_info and record.exc_info[0] is not None:
            data["error"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
        return json.dumps(data, ensure_ascii=False, default=str)


class _Threshold(logging.Filter):
    """The handler's level, except for loggers whose INFO lines are always shown and for
    records marked ``always`` (those of :func:`say`)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level
        self.info_loggers: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= self.level or getattr(record, "always", False):
            return True
        return record.levelno >= logging.INFO and any(
            record.name == name or record.name.startswith(name + ".") for name in self.info_loggers
        )


@dataclass(frozen=True)
class LogOptions:
    """How this process logs: ``-v`` count and ``--log-json``."""

    verbose: int = 0
    as_json: bool = False

    def child_args(self) -> list[str]:
        """Options that make a child ``kabar`` process log the same way (not more verbosely)."""
        return ["--log-json"] if self.as_json else []


_options = LogOptions()
_threshold: _Threshold | None = None
_handler: logging.Handler | None = None


def setup(verbose: int = 0, as_json: bool = False) -> None:
    """One stderr handler whose level holds even for Scrapy's loggers (which log at DEBUG);
    Python warnings go through it too."""
    global _options, _threshold, _handler
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    _threshold = _Threshold(level)
    handler.addFilter(_threshold)
    if as_json:
        handler.setFormatter(JsonFormatter())
    else:
        formatter = logging.Formatter if verbose >= 2 else BriefFormatter
        handler.setFormatter(formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if _handler is not None:  # set up again (after the command line is read): one handler
        logging.root.removeHandler(_handler)
    logging.root.addHandler(handler)
    _handler = handler
    logging.root.setLevel(level)
    logging.captureWarnings(True)
    _options = LogOptions(verbose=verbose, as_json=as_json)


def options() -> LogOptions:
    """How :func:`setup` configured this process (the defaults before it was called)."""
    return _options


def json_mode() -> bool:
    return _options.as_json


def show_info(name: str) -> None:
    """Show the INFO lines of logger ``name`` (and its children) even without ``-v``."""
    logger = logging.getLogger(name)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    if _threshold is not None:
        _threshold.info_loggers.add(name)


def say(
    message: str, level: int = logging.INFO, fields: dict[str, Any] | None = None, *, prefix: str = "kabar: "
) -> None:
    """A line for the person running kabar, whatever the log level: ``kabar: message`` on
    stderr (``prefix`` replaces ``kabar: ``), or in JSON mode a record of the ``kabar``
    logger with ``fields``."""
    if not _options.as_json:
        print(f"{prefix}{message}", file=sys.stderr, flush=True)
        return
    logger = logging.getLogger(SAY_LOGGER)
    record = logger.makeRecord(
        SAY_LOGGER, level, "(kabar)", 0, message, None, None, extra={"fields": fields or {}, "always": True}
    )
    logger.handle(record)
