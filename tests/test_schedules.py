"""Schedules of the daemon: kept as written, jitter at most 10%, grace half the interval,
adaptive polling within its bounds."""

from datetime import timedelta

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config import DaemonConfig, Schedule, SourceConfig
from jobs.schedules import interval_of, misfire_grace, next_poll_seconds, trigger_for

DAEMON = DaemonConfig()


def source(schedule: Schedule | None) -> SourceConfig:
    return SourceConfig(name="s", url="https://s.id/", schedule=schedule)


def test_every_is_kept_with_at_most_ten_percent_jitter():
    trigger = trigger_for(source(Schedule(every=timedelta(minutes=30))), DAEMON)
    assert isinstance(trigger, IntervalTrigger)
    assert trigger.interval == timedelta(minutes=30)
    assert trigger.jitter == 180
    assert misfire_grace(trigger) == 900


def test_cron_is_read_in_the_configured_zone_with_jitter_and_grace():
    trigger = trigger_for(source(Schedule(cron="*/20 * * * *")), DAEMON)
    assert isinstance(trigger, CronTrigger)
    assert str(trigger.timezone) == "Asia/Jakarta"
    assert interval_of(trigger) == timedelta(minutes=20)
    assert trigger.jitter == 120
    assert misfire_grace(trigger) == 600


def test_second_level_schedules_have_a_grace_of_at_least_a_second():
    trigger = trigger_for(source(Schedule(every=timedelta(seconds=1))), DAEMON)
    assert trigger.jitter is None and misfire_grace(trigger) == 1


def test_sources_without_a_schedule_poll_adaptively_within_bounds():
    assert trigger_for(source(None), DAEMON).interval == DAEMON.poll_start
    assert trigger_for(source(None), DAEMON, adaptive_seconds=900).interval == timedelta(seconds=900)
    start = int(DAEMON.poll_start.total_seconds())
    assert next_poll_seconds(start, True, DAEMON) == start // 2
    assert next_poll_seconds(start, False, DAEMON) == int(start * 1.5)
    floor, ceiling = int(DAEMON.poll_floor.total_seconds()), int(DAEMON.poll_ceiling.total_seconds())
    assert next_poll_seconds(floor, True, DAEMON) == floor
    assert next_poll_seconds(ceiling, False, DAEMON) == ceiling
