"""Crawls on Scrapyd nodes: deploying the project, choosing the least-busy node, scheduling a
source's crawl and following its job through Scrapyd's JSON API.

The egg deployed to a node holds only the project's metadata (its Scrapy settings module is
``crawler.settings``); the code comes from kabar installed on the node with pip, at the same
version as the scheduler's. That keeps package data (migrations, vocabularies) on disk, where
Alembic and the extractors read it, instead of inside a zipped egg.
"""

from __future__ import annotations

import io
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler import __version__

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds for one call of Scrapyd's API


class NodeError(Exception):
    """A Scrapyd node did not answer, or answered with an error; the message says which."""


def build_egg(project: str = "kabar", version: str = __version__) -> bytes:
    """A minimal egg whose ``scrapy`` entry point names kabar's settings module."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as egg:
        egg.writestr("EGG-INFO/PKG-INFO", f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n")
        egg.writestr("EGG-INFO/entry_points.txt", "[scrapy]\nsettings = crawler.settings\n")
        egg.writestr("EGG-INFO/top_level.txt", "")
        egg.writestr("EGG-INFO/zip-safe", "")
    return buffer.getvalue()


@dataclass(frozen=True)
class ScrapydNode:
    """One Scrapyd server, by its base URL."""

    url: str

    @property
    def name(self) -> str:
        """A short, path-safe name of the node (host_port)."""
        parts = urllib.parse.urlsplit(self.url)
        return f"{parts.hostname}_{parts.port or 80}"

    def call(
        self,
        endpoint: str,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        *,
        post: bool = False,
        files: bytes | None = None,
    ) -> dict[str, Any]:
        url = self.url.rstrip("/") + "/" + endpoint
        data = None
        headers = {}
        if files is not None:
            boundary = "kabar-egg-boundary"
            fields = b"".join(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                for k, v in (params or {}).items()
            )
            data = (
                fields
                + f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; filename="project.egg"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n".encode()
                + files
                + f"\r\n--{boundary}--\r\n".encode()
            )
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif post:
            data = urllib.parse.urlencode(params or {}).encode()
        elif params:
            url += "?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(url, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise NodeError(f"Scrapyd node {self.url} did not answer {endpoint}: {exc}") from None
        if answer.get("status") != "ok":
            raise NodeError(f"Scrapyd node {self.url} refused {endpoint}: {answer.get('message', answer)}")
        return answer

    def load(self) -> int:
        """Jobs running or waiting on the node."""
        status = self.call("daemonstatus.json")
        return int(status.get("running", 0)) + int(status.get("pending", 0))

    def deploy(self, project: str, version: str = __version__) -> None:
        self.call("addversion.json", {"project": project, "version": version}, files=build_egg(project, version))

    def schedule(self, project: str, source: str, settings: dict[str, str]) -> str:
        params = [("project", project), ("spider", "news"), ("source", source)]
        params += [("setting", f"{key}={value}") for key, value in settings.items()]
        return str(self.call("schedule.json", params, post=True)["jobid"])

    def state(self, project: str, job: str) -> str | None:
        """pending, running or finished; None when the node does not know the job."""
        jobs = self.call("listjobs.json", {"project": project})
        for state in ("pending", "running", "finished"):
            if any(entry.get("id") == job for entry in jobs.get(state, [])):
                return state
        return None

    def cancel(self, project: str, job: str) -> None:
        self.call("cancel.json", {"project": project, "job": job}, post=True)


def least_busy(nodes: list[ScrapydNode]) -> ScrapydNode:
    """The reachable node with the fewest running and pending jobs."""
    loads = []
    for node in nodes:
        try:
            loads.append((node.load(), nodes.index(node), node))
        except NodeError as exc:
            logger.warning("%s", exc)
    if not loads:
        raise NodeError("no Scrapyd node answers: " + ", ".join(n.url for n in nodes))
    return min(loads)[2]


class LocalScrapyd:
    """A Scrapyd server on 127.0.0.1 in its own directory and process group (tests, benchmarks
    and trying the cluster on one machine); its crawls use this Python and its installed kabar."""

    def __init__(self, directory: Path, port: int | None = None, max_proc: int = 4) -> None:
        import os
        import socket
        import subprocess
        import sys
        import time

        if port is None:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
        self.directory, self.port = directory, port
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "scrapyd.conf").write_text(
            "[scrapyd]\nbind_address = 127.0.0.1\n"
            f"http_port = {port}\neggs_dir = {directory / 'eggs'}\nlogs_dir = {directory / 'logs'}\n"
            f"dbs_dir = {directory / 'dbs'}\npoll_interval = 0.5\nmax_proc = {max_proc}\n"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd"],
            cwd=directory,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.node = ScrapydNode(f"http://127.0.0.1:{port}")
        self.url = self.node.url
        deadline = time.monotonic() + 30
        while True:
            try:
                self.node.call("daemonstatus.json")
                return
            except NodeError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.kill()
                    raise NodeError(f"scrapyd did not start on port {port}") from None
                time.sleep(0.3)

    def jobs(self, project: str = "kabar") -> dict[str, list[dict[str, Any]]]:
        """The node's pending, running and finished jobs of ``project``, as listjobs.json gives them."""
        return self.node.call("listjobs.json", {"project": project})

    def finished_jobs(self, project: str = "kabar") -> int:
        return len(self.jobs(project).get("finished", []))

    def kill(self) -> None:
        """The whole node at once: Scrapyd and the crawls it runs."""
        import os
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
