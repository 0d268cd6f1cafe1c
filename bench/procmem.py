"""Memory of a process and everything it started (extraction workers, fork servers), sampled
from /proc while it runs: resident (RSS) and proportional (PSS: shared pages divided among
the processes that share them, so a forked worker's copy-on-write pages count once)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")


def descendants(pid: int) -> list[int]:
    """``pid`` and every live process below it."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def _kb(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


@dataclass
class Peak:
    """Peaks in MB over the samples taken."""

    rss_tree: float = 0.0  # sum of RSS over the process tree
    pss_tree: float = 0.0  # sum of PSS over the process tree
    rss_main: float = 0.0  # the main process alone
    processes: int = 0  # most processes in the tree at once
    samples: int = 0
    cpu: dict[int, float] = field(default_factory=dict)  # CPU seconds last seen, per process

    @property
    def cpu_tree(self) -> float:
        """CPU seconds of every process seen in the tree (up to its last sample)."""
        return sum(self.cpu.values())


class PeakMemory:
    """``with PeakMemory(popen) as peak: popen.wait()``: samples every ``interval`` seconds."""

    def __init__(self, process: subprocess.Popen, interval: float = 0.25) -> None:
        self.pid = process.pid
        self.interval = interval
        self.peak = Peak()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self.peak

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        pids = descendants(self.pid)
        rss = [_kb(PROC / str(p) / "status", "VmRSS:") for p in pids]
        pss = sum(_kb(PROC / str(p) / "smaps_rollup", "Pss:") for p in pids)
        peak = self.peak
        peak.samples += 1
        peak.rss_tree = max(peak.rss_tree, sum(rss) / 1024)
        peak.pss_tree = max(peak.pss_tree, pss / 1024)
        peak.rss_main = max(peak.rss_main, rss[0] / 1024 if rss else 0)
        peak.processes = max(peak.processes, sum(1 for r in rss if r))
        for pid in pids:
            cpu = _cpu_seconds(pid)
            if cpu is not None:
                peak.cpu[pid] = cpu


@dataclass
class Measured:
    wall: float
    cpu: float  # user + system seconds of the process and the children it waited for
    peak: Peak
    returncode: int
    stderr: str


def kabar_env(workdir: Path, config: Path, tag: str, root: Path) -> dict[str, str]:
    """The environment of a ``kabar`` child process: this checkout on the path, the config,
    and an archive and data directory of its own under ``workdir`` named by ``tag``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    env.update(
        PYTHONPATH=str(root),
        KABAR_CONFIG=str(config),
        KABAR_DATABASE_URL=f"sqlite:///{workdir / f'{tag}.db'}",
        KABAR_DATA_DIR=str(workdir / f"data-{tag}"),
    )
    return env


def run_measured(
    argv: list[str], *, env: dict[str, str], cwd: Path, stdout=subprocess.DEVNULL, interval: float = 0.25
) -> Measured:
    """Run ``argv`` to the end; wall and CPU seconds and peak memory, sampled every ``interval``."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, text=True)
    with PeakMemory(process, interval) as peak:
        stderr_chunks: list[str] = []
        reader = threading.Thread(target=lambda: stderr_chunks.append(process.stderr.read()), daemon=True)
        reader.start()
        _, status, usage = os.wait4(process.pid, 0)
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    # (not ru_maxrss: it counts the parent's pages the child held between fork and exec)
    return Measured(wall, usage.ru_utime + usage.ru_stime, peak, process.returncode, "".join(stderr_chunks))
