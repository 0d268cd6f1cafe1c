"""``kabar`` run as a user runs it: a child process with its own database, data directory and config."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from jobs.examplesites.server import ExampleSites
from tests.support import ROOT, free_port

Kabar = Callable[..., subprocess.CompletedProcess]

#: Keys every run record carries (``kabar runs --format json``, ``/api/runs``).
RUN_FIELDS = frozenset(
    {"source", "trigger", "status", "started", "finished", "pages", "new", "duplicates", "errors", "error_samples"}
)


def kabar_env(workdir: Path, database_url: str, config: Path | None) -> dict[str, str]:
    """This process's environment without any ``KABAR_*``, then the archive in ``workdir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    env.update(KABAR_DATABASE_URL=database_url, KABAR_DATA_DIR=str(workdir / "data"), PYTHONPATH=str(ROOT))
    if config is not None:
        env["KABAR_CONFIG"] = str(config)
    return env


def write_config(sites: ExampleSites, directory: Path) -> Path:
    """The example sites' ``sources.toml``, written to ``directory``."""
    path = directory / "sources.toml"
    path.write_text(sites.sources_toml(), encoding="utf-8")
    return path


def make_runner(workdir: Path, database_url: str, config: Path | None) -> Kabar:
    """A function that runs ``kabar ARGS`` in a child process and returns the result."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "jobs.cli", *args],
            cwd=workdir,
            env=kabar_env(workdir, database_url, config) | (env or {}),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    run.database_url = database_url  # type: ignore[attr-defined]
    run.workdir = workdir  # type: ignore[attr-defined]
    return run


def scrapy_crawl(
    workdir: Path, config: Path, source: str, *options: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    """``scrapy crawl news -a source=SOURCE OPTIONS`` from the repository root, as Scrapy users run
    it, into ``workdir/k.db`` (data under ``workdir/data``), with ``env`` over the environment."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"source={source}", *options],
        cwd=ROOT,
        env=kabar_env(workdir, f"sqlite:///{workdir / 'k.db'}", config) | (env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_kabar(workdir: Path, config: Path | None, *args: str, stdout=subprocess.DEVNULL) -> subprocess.Popen:
    """``kabar ARGS`` in the background against ``workdir/kabar.db``, stderr appended to ``workdir/stderr.log``.

    A piped stdout is unbuffered: ``communicate(timeout=…)`` reads the raw pipe, so bytes a
    buffered ``readline()`` had read ahead would be lost."""
    log = open(workdir / "stderr.log", "ab")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "jobs.cli", *args],
            cwd=workdir,
            stdout=stdout,
            stderr=log,
            bufsize=0,
            env=kabar_env(workdir, f"sqlite:///{workdir / 'kabar.db'}", config),
        )
    finally:
        log.close()


@contextmanager
def kabar_serve(workdir: Path, *args: str) -> Iterator[int]:
    """``kabar serve ARGS`` as a child process over ``workdir/kabar.db`` on a free loopback port;
    yields the port once the server answers. Its output goes to ``workdir/serve.log``, shown
    when it does not come up."""
    port = free_port()
    log = open(workdir / "serve.log", "w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "jobs.cli", "serve", "--port", str(port), *args],
        cwd=workdir,
        env=kabar_env(workdir, f"sqlite:///{workdir / 'kabar.db'}", None),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/static/style.css", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"kabar serve did not come up: {log.read()[-2000:]}")
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
