"""Crawl runs seen from outside the crawl: closing runs whose process died or was killed, and
each source's health (last run, last error, recent articles)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, func, select, update
from sqlalchemy.orm import Session

from storage.models import MAX_ERROR_SAMPLES, Article, CrawlRun, Source, utcnow


def process_identity() -> tuple[int, str]:
    """This process's pid and host name, as a run records its owner."""
    return os.getpid(), socket.gethostname()


def close_unfinished_runs(engine: Engine, source: str, *, since: datetime, status: str, reason: str) -> int:
    """Mark the source's runs started since ``since`` that are still 'running' as ``status``
    (a crawl process that timed out, crashed or was killed never wrote its end)."""
    with Session(engine) as session:
        ids = session.scalars(
            select(CrawlRun.id).where(
                CrawlRun.source == source, CrawlRun.status == "running", CrawlRun.started_at >= since
            )
        ).all()
    return close_runs(engine, ids, status=status, reason=reason)


def owned_unfinished_runs(engine: Engine, host: str) -> list[tuple[int, int, datetime]]:
    """``(id, pid, started)`` of the runs still 'running' whose process is on ``host`` (runs
    recorded before processes were, without a pid, are left out: nothing tells if they live)."""
    with Session(engine) as session:
        rows = session.execute(
            select(CrawlRun.id, CrawlRun.pid, CrawlRun.started_at).where(
                CrawlRun.status == "running", CrawlRun.host == host, CrawlRun.pid.is_not(None)
            )
        ).all()
    return [(row.id, row.pid, row.started_at) for row in rows]


def close_runs(engine: Engine, ids: Iterable[int], *, status: str, reason: str) -> int:
    """Close the runs among ``ids`` that are still 'running' as ``status``, counting one error
    with ``reason``; a run that ended meanwhile is left as it ended. Returns how many closed."""
    closed = 0
    with Session(engine) as session, session.begin():
        for run in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(list(ids)))).all():
            result = cast(
                CursorResult,
                session.execute(
                    update(CrawlRun)
                    .where(CrawlRun.id == run.id, CrawlRun.status == "running")
                    .values(
                        status=status,
                        finished_at=utcnow(),
                        errors=(run.errors or 0) + 1,
                        error_samples=[*(run.error_samples or []), reason][:MAX_ERROR_SAMPLES],
                    )
                    .execution_options(synchronize_session=False)
                ),
            )
            closed += result.rowcount
    return closed


def latest_run(engine: Engine, source: str, *, since: datetime | None = None) -> dict[str, Any] | None:
    """The source's most recent run (started since ``since``), as a dict, or None."""
    stmt = select(CrawlRun).where(CrawlRun.source == source)
    if since is not None:
        stmt = stmt.where(CrawlRun.started_at >= since)
    with Session(engine) as session:
        run = session.execute(stmt.order_by(CrawlRun.id.desc()).limit(1)).scalar()
        if run is None:
            return None
        return {
            "id": run.id,
            "status": run.status,
            "new": run.new,
            "pages": run.pages,
            "errors": run.errors,
            "started": run.started_at,
            "finished": run.finished_at,
        }


def source_health(engine: Engine, names: list[str], *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per source: last run (started, status), last error, articles stored in the last 24 h."""
    now = now or utcnow()
    health = []
    with Session(engine) as session:
        for name in names:
            last = session.execute(
                select(CrawlRun).where(CrawlRun.source == name).order_by(CrawlRun.id.desc()).limit(1)
            ).scalar()
            failed = session.execute(
                select(CrawlRun)
                .where(CrawlRun.source == name, CrawlRun.errors > 0)
                .order_by(CrawlRun.id.desc())
                .limit(1)
            ).scalar()
            recent = session.scalar(
                select(func.count())
                .select_from(Article)
                .join(Source, Source.id == Article.source_id)
                .where(Source.name == name, Article.created_at >= now - timedelta(hours=24))
            )
            health.append(
                {
                    "source": name,
                    "last_run": last.started_at if last else None,
                    "last_status": last.status if last else None,
                    "last_error": failed.error_samples[0] if failed and failed.error_samples else None,
                    "last_error_at": failed.started_at if failed else None,
                    "articles_24h": int(recent or 0),
                }
            )
    return health


def record_poll_interval(engine: Engine, source: str, seconds: int, *, found_new: bool) -> None:
    """Adaptive polling state of a source without a schedule."""
    values: dict[str, Any] = {"poll_seconds": seconds}
    if found_new:
        values["last_new_at"] = utcnow()
    with Session(engine) as session, session.begin():
        session.execute(update(Source).where(Source.name == source).values(**values))


def poll_interval(engine: Engine, source: str) -> int | None:
    """The stored adaptive interval of a source, in seconds (None before its first run)."""
    with Session(engine) as session:
        return session.scalar(select(Source.poll_seconds).where(Source.name == source))
