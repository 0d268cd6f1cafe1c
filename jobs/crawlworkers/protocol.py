"""What the daemon and its crawl workers say to each other: one JSON object a line, over two
pipes of their own (so nothing a library prints on stdout can get in the way).

To a worker: ``crawl`` (a source, with its run token and time limit), ``cancel`` (a run),
``stop`` (end every run as stopped, then exit). From a worker: ``ready``, ``done`` (a run
ended: its run id, status, reason and the worker's resident memory).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import IO, Any


@dataclass(frozen=True)
class Crawl:
    """Crawl ``source`` as run ``token``, closing it after ``timeout`` seconds."""

    token: int
    source: str
    timeout: float
    op: str = "crawl"


@dataclass(frozen=True)
class Cancel:
    """Stop run ``token`` now (it ends as killed)."""

    token: int
    op: str = "cancel"


@dataclass(frozen=True)
class Stop:
    """End every run as stopped and exit."""

    op: str = "stop"


@dataclass(frozen=True)
class Ready:
    """The worker is up and takes crawls."""

    pid: int
    op: str = "ready"


@dataclass(frozen=True)
class Done:
    """Run ``token`` ended: the archive's run id (None: the crawl never started a run), the
    status recorded, why (for a run that could not start), and the worker's resident MB."""

    token: int
    source: str
    run_id: int | None
    status: str
    reason: str
    rss_mb: float
    op: str = "done"


Message = Crawl | Cancel | Stop | Ready | Done
_KINDS: dict[str, type] = {"crawl": Crawl, "cancel": Cancel, "stop": Stop, "ready": Ready, "done": Done}


def send(out: IO[str], message: Message) -> None:
    """Write one message and flush it."""
    out.write(json.dumps(asdict(message)) + "\n")
    out.flush()


def parse(line: str) -> Message:
    """The message of one line; ValueError when it is not one."""
    data: Any = json.loads(line)
    kind = _KINDS.get(data.get("op")) if isinstance(data, dict) else None
    if kind is None:
        raise ValueError(f"not a crawl worker message: {line[:200]!r}")
    return kind(**data)
