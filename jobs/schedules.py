"""When each source is crawled: APScheduler triggers from ``schedule`` (kept as written, jitter
at most 10% of the interval), a misfire grace of half the interval, and the adaptive interval
of sources without a schedule. Pure functions, no scheduler running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config import DaemonConfig, SourceConfig

JITTER_SHARE = 0.1  # of the interval, at most
GRACE_SHARE = 0.5  # a run missed by less than half an interval still runs (once: coalesced)
ADAPT_FASTER = 0.5  # new articles found: poll twice as often...
ADAPT_SLOWER = 1.5  # ...none: back off by half again


def trigger_for(source: SourceConfig, daemon: DaemonConfig, adaptive_seconds: int | None = None) -> BaseTrigger:
    """The trigger of a source's job; a source without a schedule uses its adaptive interval."""
    schedule = source.schedule
    if schedule is not None and schedule.cron:
        cron = CronTrigger.from_crontab(schedule.cron, timezone=ZoneInfo(daemon.timezone))
        cron.jitter = int(interval_of(cron).total_seconds() * JITTER_SHARE) or None
        return cron
    if schedule is not None and schedule.every:
        every = schedule.every
    else:
        every = timedelta(seconds=adaptive_seconds or int(daemon.poll_start.total_seconds()))
    jitter = int(every.total_seconds() * JITTER_SHARE) or None
    return IntervalTrigger(seconds=int(every.total_seconds()), jitter=jitter, timezone=UTC)


def interval_of(trigger: BaseTrigger, now: datetime | None = None) -> timedelta:
    """The time between two fires of a trigger from ``now`` (jitter left out)."""
    if isinstance(trigger, IntervalTrigger):
        return trigger.interval
    now = now or datetime.now(UTC)
    jitter, trigger.jitter = getattr(trigger, "jitter", None), None
    try:
        first = trigger.get_next_fire_time(None, now)
        second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    finally:
        trigger.jitter = jitter
    return second - first if first and second else timedelta(hours=1)


def misfire_grace(trigger: BaseTrigger) -> int:
    """Seconds a missed run may be late and still run: half the interval (at least 1)."""
    return max(1, int(interval_of(trigger).total_seconds() * GRACE_SHARE))


def next_poll_seconds(current: int, found_new: bool, daemon: DaemonConfig) -> int:
    """The adaptive interval: shorter after a run that found new articles, longer after one
    that found none, within the configured floor and ceiling."""
    factor = ADAPT_FASTER if found_new else ADAPT_SLOWER
    floor, ceiling = daemon.poll_floor.total_seconds(), daemon.poll_ceiling.total_seconds()
    return int(min(ceiling, max(floor, current * factor)))


def describe(trigger: BaseTrigger) -> str:
    """A stable description of a trigger, to tell whether a stored job still matches."""
    return str(trigger)
