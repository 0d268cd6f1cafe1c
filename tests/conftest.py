"""Shared fixtures: the example sites served for real on 127.0.0.1, ``kabar`` run as a user would
(a separate process, its own database; helpers in tests/support/runner.py), and the storage
fixtures of tests/conftest_storage.py."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from jobs.examplesites.server import ExampleSites
from tests.support.runner import Kabar, make_runner, write_config

pytest_plugins = ["tests.conftest_storage"]


@pytest.fixture(scope="session")
def sites() -> ExampleSites:
    """The bundled example sites on free loopback ports, for the whole session."""
    with ExampleSites(base_port=None) as served:
        yield served


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
