"""Source health as the archive sees it: recorded checks (``kabar sources check``, the daemon's
daily check) and each source's recent yield against its own usual rate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.models import Article, CrawlRun, Source, SourceCheck, utcnow
from storage.runs import source_health

CHECK_STATUSES = ("ok", "warning", "failing")
SUCCESSFUL_RUNS = ("ok", "partial")
RECENT_DAYS = (7, 30)
# The usual rate is measured over this window, which ends where the recent week starts.
BASELINE_DAYS = 90
# A source younger than this (first run) has no usual rate yet.
MIN_HISTORY_DAYS = 14


def record_check(
    engine: Engine,
    source: str,
    *,
    status: str,
    reason: str,
    details: dict[str, Any] | None = None,
    checked_at: datetime | None = None,
) -> int:
    """Store one check of ``source``; ``details`` must be JSON-ready. Returns its id."""
    if status not in CHECK_STATUSES:
        raise ValueError(f"unknown check status {status!r} (expected one of {', '.join(CHECK_STATUSES)})")
    with Session(engine) as session, session.begin():
        row = SourceCheck(
            source=source, status=status, reason=reason, details=details or {}, checked_at=checked_at or utcnow()
        )
        session.add(row)
        session.flush()
        return row.id


def latest_checks(engine: Engine, names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """The newest recorded check per source (of ``names`` if given): ``source, checked_at,
    status, reason, details``."""
    newest = select(func.max(SourceCheck.id)).group_by(SourceCheck.source)
    stmt = select(SourceCheck).where(SourceCheck.id.in_(newest))
    if names is not None:
        stmt = stmt.where(SourceCheck.source.in_(list(names)))
    with Session(engine) as session:
        return {
            row.source: {
                "source": row.source,
                "checked_at": row.checked_at,
                "status": row.status,
                "reason": row.reason,
                "details": row.details or {},
            }
            for row in session.scalars(stmt)
        }


def last_check_time(engine: Engine) -> datetime | None:
    """When any source was last checked (the daemon schedules its daily check from this)."""
    with Session(engine) as session:
        return session.scalar(select(func.max(SourceCheck.checked_at)))


def source_activity(engine: Engine, names: list[str], *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per source, what :func:`storage.runs.source_health` says plus its yield: articles dated
    (published, else archived) in the last 7 and 30 days, its usual weekly rate over the 90
    days before the last 7 (None while the source is younger than 14 days), its first run and
    its last successful run."""
    now = now or utcnow()
    dated = func.coalesce(Article.published_at, Article.created_at)
    recent_start = now - timedelta(days=RECENT_DAYS[0])
    baseline_start = recent_start - timedelta(days=BASELINE_DAYS)
    activity = []
    with Session(engine) as session:
        for health in source_health(engine, names, now=now):
            name = health["source"]

            def count(since: datetime, until: datetime | None = None, name: str = name) -> int:
                stmt = (
                    select(func.count())
                    .select_from(Article)
                    .join(Source, Source.id == Article.source_id)
                    .where(Source.name == name, dated >= since)
                )
                if until is not None:
                    stmt = stmt.where(dated < until)
                return int(session.scalar(stmt) or 0)

            first_run = session.scalar(select(func.min(CrawlRun.started_at)).where(CrawlRun.source == name))
            last_success = session.scalar(
                select(func.max(CrawlRun.started_at)).where(
                    CrawlRun.source == name, CrawlRun.status.in_(SUCCESSFUL_RUNS)
                )
            )
            usual = None
            if first_run is not None and first_run <= now - timedelta(days=MIN_HISTORY_DAYS):
                usual = round(count(baseline_start, recent_start) / (BASELINE_DAYS / 7), 2)
            activity.append(
                {
                    **health,
                    "articles_7d": count(recent_start),
                    "articles_30d": count(now - timedelta(days=RECENT_DAYS[1])),
                    "usual_per_week": usual,
                    "first_run": first_run,
                    "last_success": last_success,
                }
            )
    return activity
