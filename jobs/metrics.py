"""Prometheus metrics of the daemon, served on a loopback port (``kabar daemon --metrics-port``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram, start_http_server

RUNS = Counter("kabar_runs_total", "Crawl runs by source and final status", ["source", "status"])
NEW_ARTICLES = Counter("kabar_articles_new_total", "New articles stored", ["source"])
RUNNING = Gauge("kabar_crawls_running", "Crawl processes running now")
DURATION = Histogram(
    "kabar_run_seconds", "Wall time of crawl runs", ["source"], buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600)
)
LAST_RUN = Gauge("kabar_last_run_timestamp_seconds", "When the last run of a source ended", ["source"])


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Expose /metrics on ``host:port`` (loopback by default) from a background thread."""
    start_http_server(port, addr=host)


def crawl_started() -> None:
    RUNNING.inc()


def crawl_finished(source: str, status: str, started: datetime, run: dict[str, Any] | None) -> None:
    now = datetime.now(UTC)
    RUNNING.dec()
    RUNS.labels(source, status).inc()
    DURATION.labels(source).observe((now - started).total_seconds())
    LAST_RUN.labels(source).set(now.timestamp())
    if run and run.get("new"):
        NEW_ARTICLES.labels(source).inc(run["new"])
