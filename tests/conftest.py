"""Shared fixtures: the example sites served for real on 127.0.0.1, and a way to run the
``kabar`` command as a user would (a separate process, its own database)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from jobs.examplesites.server import ExampleSites

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["tests.conftest_storage"]


@pytest.fixture(scope="session")
def sites() -> ExampleSites:
    """The bundled example sites on free loopback ports, for the whole session."""
    with ExampleSites(base_port=None) as served:
        yield served


def write_config(sites: ExampleSites, directory: Path) -> Path:
    path = directory / "sources.toml"
    path.write_text(sites.sources_toml(), encoding="utf-8")
    return path


Kabar = Callable[..., subprocess.CompletedProcess]


def make_runner(workdir: Path, database_url: str, config: Path | None) -> Kabar:
    """A function that runs ``kabar ARGS`` in a child process and returns the result."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
        full_env["KABAR_DATABASE_URL"] = database_url
        full_env["KABAR_DATA_DIR"] = str(workdir / "data")
        if config is not None:
            full_env["KABAR_CONFIG"] = str(config)
        full_env["PYTHONPATH"] = str(ROOT)
        full_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "jobs.cli", *args],
            cwd=workdir,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    run.database_url = database_url  # type: ignore[attr-defined]
    run.workdir = workdir  # type: ignore[attr-defined]
    return run


@pytest.fixture
def kabar(tmp_path: Path, sites: ExampleSites) -> Kabar:
    """``kabar`` against a fresh SQLite archive and the example sites' config."""
    return make_runner(tmp_path, f"sqlite:///{tmp_path / 'kabar.db'}", write_config(sites, tmp_path))


@pytest.fixture(scope="session")
def crawled(tmp_path_factory: pytest.TempPathFactory, sites: ExampleSites):
    """One full crawl of every example site into a session archive, shared by read-only tests.

    Returns (runner, first crawl result).
    """
    workdir = tmp_path_factory.mktemp("crawled")
    runner = make_runner(workdir, f"sqlite:///{workdir / 'kabar.db'}", write_config(sites, workdir))
    result = runner("crawl")
    assert result.returncode == 0, result.stderr
    return runner, result


@pytest.fixture
def silent_server():
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    sock.close()
