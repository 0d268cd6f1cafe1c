"""``kabar daemon`` in a child process for the tests, and what to read from it."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import weakref
from pathlib import Path

from jobs.examplesites.server import ExampleSites
from tests.support.runner import Kabar, kabar_env


def config_for(sites: ExampleSites, directory: Path, names: list[str], every: str, extra: str = "") -> Path:
    """The example sites' config reduced to ``names``, every source on ``every``."""
    text = sites.sources_toml()
    blocks = text.split("\n[[sources]]")
    kept = [b for b in blocks[1:] if re.search(r'^name = "({})"'.format("|".join(names)), b, re.M)]
    body = blocks[0] + "".join("\n[[sources]]" + b for b in kept)
    body = re.sub(r'schedule = \{ every = "[^"]+" \}', f'schedule = {{ every = "{every}" }}', body)
    path = directory / "daemon.toml"
    path.write_text(body + "\n" + extra, encoding="utf-8")
    return path


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


class DaemonProcess:
    """``kabar daemon`` in a child process, with helpers to read what it recorded."""

    def __init__(self, kabar: Kabar, config: Path) -> None:
        self.kabar = kabar
        self.config = config
        self.process: subprocess.Popen | None = None

    def start(self) -> DaemonProcess:
        env = kabar_env(self.kabar.workdir, self.kabar.database_url, self.config)  # type: ignore[attr-defined]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jobs.cli", "daemon", "-v"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        # a test that fails before stop() leaves no daemon behind (its workers follow it)
        weakref.finalize(self, _kill, self.process)
        return self

    def stop(self, timeout: float = 40) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        try:
            _, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
            raise AssertionError("the daemon did not stop on SIGTERM") from None
        return self.process.returncode, err

    def runs(self, source: str | None = None) -> list[dict]:
        args = ["runs", "--format", "json", "--limit", "1000"] + (["--source", source] if source else [])
        result = self.kabar(*args)
        if result.returncode == 2 and "no archive at" in result.stderr:
            return []  # the daemon has not created the archive yet
        return json.loads(result.stdout)

    def wait_for(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            assert self.process.poll() is None, f"the daemon died: {self.process.stderr.read()[-2000:]}"
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what}")


def command_line(pid: int) -> str:
    """The process's command line ("" once it has ended)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def finished(runs: list[dict]) -> list[dict]:
    """The runs that are no longer running."""
    return [r for r in runs if r["status"] != "running"]
