"""Runs left 'running' by a crawl process that died without recording its end (``kill -9``, the
OOM killer, a power cut): each run records its process (pid and host), and whoever next takes
the archive's writer lock (a crawl, the daemon, the demo) closes as ``killed`` the runs of this
host whose process is gone. Runs of other hosts (Scrapyd nodes) and of live processes (a
daemon's children, another crawl) are never touched.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from storage.db import create_engine_for, current_revision, upgrade
from storage.runs import close_runs, owned_unfinished_runs, process_identity

logger = logging.getLogger(__name__)

#: A process that started this long after a run it seems to own is another process that got
#: the same pid (Linux gives start times to the clock tick, boot time to the second).
PID_REUSE_SLACK_SECONDS = 5.0


def process_alive(pid: int, since: datetime | None = None) -> bool:
    """Whether process ``pid`` runs (a zombie does not); with ``since``, a process that started
    well after it is taken for a reused pid, not the one asked about."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    state, started = _proc_stat(pid)
    if state == "Z":
        return False
    if since is not None and started is not None:
        return started <= since.timestamp() + PID_REUSE_SLACK_SECONDS
    return True


def close_orphaned_runs(engine: Engine) -> int:
    """Close as ``killed`` this host's 'running' runs whose process is gone; returns how many."""
    _, host = process_identity()
    dead = [
        (run_id, owner)
        for run_id, owner, started in owned_unfinished_runs(engine, host)
        if not process_alive(owner, started)
    ]
    closed = 0
    for run_id, owner in dead:
        closed += close_runs(
            engine,
            [run_id],
            status="killed",
            reason=f"crawl process {owner} on {host} ended without recording its run (killed or crashed)",
        )
    if closed:
        logger.warning(
            "closed %d crawl runs left running by processes that are gone: %s",
            closed,
            ", ".join(str(run_id) for run_id, _ in dead),
        )
    return closed


def close_orphaned_runs_in(database_url: str) -> int:
    """:func:`close_orphaned_runs` on the archive at ``database_url`` (its schema upgraded);
    nothing, and nothing created, where no archive is yet."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return 0  # opening the archive says what is wrong with the URL
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and (
        not database or database == ":memory:" or not Path(database).expanduser().is_file()
    ):
        return 0
    engine = create_engine_for(database_url)
    try:
        if current_revision(engine) is None:
            return 0
        upgrade(engine)
        return close_orphaned_runs(engine)
    finally:
        engine.dispose()


def _proc_stat(pid: int) -> tuple[str | None, float | None]:
    """(state letter, start time as a Unix timestamp) from /proc, or Nones where there is none."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open("/proc/stat", encoding="ascii") as handle:
            boot = next(float(line.split()[1]) for line in handle if line.startswith("btime "))
    except (OSError, IndexError, StopIteration, ValueError):
        return None, None
    # fields[0] is field 3 of proc(5) (state); field 22 (starttime, in clock ticks) is fields[19]
    return fields[0], boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
