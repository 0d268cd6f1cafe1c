"""Memory of a process and everything it started (extraction workers, fork servers), sampled
from /proc while it runs: resident (RSS) and proportional (PSS: shared pages divided among
the processes that share them, so a forked worker's copy-on-write pages count once)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import threading
import time
from collections import Counter
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
ORPHAN_WAIT = 10.0  # seconds adopted orphans get to end after the run


def _cpu_seconds(pid: int, reaped: bool = False) -> float | None:
    """User + system seconds of ``pid``; with ``reaped``, plus those of the children it waited for."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


@dataclass
class Peak:
    """Peaks in MB over the samples taken."""

    rss_tree: float = 0.0  # sum of RSS over the process tree
    pss_tree: float = 0.0  # sum of PSS over the process tree
    rss_main: float = 0.0  # the main process alone
    processes: int = 0  # most processes in the tree at once
    samples: int = 0
    cpu: dict[int, float] = field(default_factory=dict)  # CPU seconds last seen, per process
    # (monotonic time, CPU seconds of the live tree, of every child its members waited for and of
    # the adopted orphans reaped): children that exit between two samples are counted
    cpu_series: list[tuple[float, float]] = field(default_factory=list)
    adopted: int = 0  # orphans of the tree adopted (PeakMemory(adopt=True)) and reaped
    adopted_cpu: float = 0.0  # their CPU seconds, with the children they waited for
    adopted_commands: Counter = field(default_factory=Counter)  # their command lines, when seen alive

    @property
    def cpu_tree(self) -> float:
        """CPU seconds of every process seen in the tree (up to its last sample)."""
        return sum(self.cpu.values())


PR_SET_CHILD_SUBREAPER = 36  # prctl(2)


def _subreaper(on: bool) -> None:
    """Make this process adopt the orphans of its descendants (instead of init), or stop."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _children(pid: int) -> set[int]:
    """The children of process ``pid`` (of any of its threads)."""
    out: set[int] = set()
    for task in (PROC / str(pid) / "task").iterdir():
        try:
            out.update(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    return out


def _command(pid: int, width: int = 100) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:width].strip()
    except OSError:
        return ""


class PeakMemory:
    """``with PeakMemory(popen) as peak: popen.wait()``: samples every ``interval`` seconds.

    ``adopt``: this process becomes a subreaper for the run, so a process of the tree whose
    parent exits without waiting for it (a multiprocessing fork server, a resource tracker) is
    adopted here rather than by init; adopted processes are sampled with the tree and reaped
    with their CPU counted (``Peak.adopted_cpu``), which the tree's own rusage would miss.
    """

    def __init__(self, process: subprocess.Popen, interval: float = 0.25, *, adopt: bool = False) -> None:
        self.pid = process.pid
        self.interval = interval
        self.adopt = adopt
        self.peak = Peak()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._own: set[int] = set()  # children of this process that are not orphans of the tree
        self._named: set[int] = set()  # orphans whose command line is counted

    def __enter__(self) -> Peak:
        if self.adopt:
            self._own = _children(os.getpid())
            _subreaper(True)
        self._thread.start()
        return self.peak

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.adopt:
            deadline = time.monotonic() + ORPHAN_WAIT
            while self._orphans() and time.monotonic() < deadline:
                self._reap()
                time.sleep(0.1)
            _subreaper(False)

    def _orphans(self) -> set[int]:
        return _children(os.getpid()) - self._own - {self.pid} if self.adopt else set()

    def _reap(self) -> None:
        for pid in self._orphans():
            try:
                reaped, _, usage = os.wait4(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if reaped:
                self.peak.adopted += 1
                self.peak.adopted_cpu += usage.ru_utime + usage.ru_stime

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        self._reap()
        orphans = self._orphans()
        for pid in orphans - self._named:
            self._named.add(pid)
            self.peak.adopted_commands[_command(pid)] += 1
        pids = [p for root in (self.pid, *orphans) for p in descendants(root)]
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
        live = sum(_cpu_seconds(p, reaped=True) or 0.0 for p in pids)
        peak.cpu_series.append((time.monotonic(), live + peak.adopted_cpu))


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
