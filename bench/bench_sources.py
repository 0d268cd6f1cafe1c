"""Hundreds of sources on one machine (issue 19): ``kabar daemon`` over N small news sites.

N sites (bench/sitefarm.py: one process, site i on 127.0.0.(i+2), one port) each publish an
article a minute with a feed answering conditional GETs; one source per site, every source on a
60 s schedule. The daemon runs as a child process (its own data directory and a fresh SQLite
archive) for ``KABAR_BENCH_SOURCES_SECONDS`` (default 300), then gets SIGTERM. The sites stop
publishing one interval + 60 s before the end, so every article counted has had that long to be
archived, and the runs of the last interval find nothing new: the CPU of those runs is the cost
of a run where nothing changed. CPU and PSS of the daemon's whole process tree are sampled
from /proc (bench/procmem.py: reaped children counted through their parent's cutime/cstime;
processes orphaned in the tree, such as a crawl's multiprocessing fork server, adopted by this
process as a subreaper and counted when reaped); the total is the daemon's rusage plus the
adopted processes'.

Measured: the daemon of this checkout at ``KABAR_BENCH_SOURCES_N`` (default "50,200,500";
"none" skips it) and, side by side, the daemon of commit ``KABAR_BENCH_SOURCES_BASELINE``
(default BASELINE; "none" skips it) at N = 50 (``KABAR_BENCH_SOURCES_BASELINE_N``), read with
``git archive`` into a temporary directory. ``KABAR_BENCH_SOURCES_KEEP=DIR`` keeps each run's
config, daemon log and archive under DIR.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.procmem import Peak, PeakMemory, kabar_env
from bench.sitefarm import Timetable, publications, source_name, sources_toml
from bench.sourcestats import archived_in_time, cpu_between, lateness, percentile, runs_per_source

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
#: the daemon before issue 19's crawl workers
BASELINE = "443638390ef10bc44dd8f3eb538f58177c68bf72"
ENV = "KABAR_BENCH_SOURCES_"  # prefix of the variables that choose what is measured
SECONDS = 300.0  # how long the daemon runs
INTERVAL = 60.0  # every source's schedule, and the sites' publication interval
WITHIN = INTERVAL + 60  # an article counts as archived in time this long after publication
STOP_WAIT = 120  # seconds the daemon gets to stop after SIGTERM before SIGKILL
WARNINGS = {  # log lines counted in the daemon's stderr (its crawl children write there too)
    "max-instances": "maximum number of running instances",
    "missed": "was missed by",  # APScheduler: a run dropped past its misfire grace
    "leaked-semaphore": "leaked semaphore",
}
# the bar of issue 19, at N = 200 and 500
BAR_LATENESS_P95 = 30.0
BAR_IN_TIME = 0.99
BAR_QUIET_CPU = 0.1
BAR_PSS_MB = 1024.0


@dataclass
class Outcome:
    """One daemon run and its figures."""

    design: str
    sites: int
    seconds: float
    runs_min: int
    runs_median: float
    never_ran: int
    late_p50: float | None
    late_p95: float | None
    in_time: tuple[int, int]
    runs: int
    statuses: Counter
    cpu: float
    quiet_runs: int
    quiet_unchanged: int
    quiet_cpu: float
    peak: Peak
    warnings: Counter
    anchored_on_log: bool
    load: float  # the machine's 1-minute load average when the run started

    @property
    def cpu_per_run(self) -> float | None:
        return self.cpu / self.runs if self.runs else None

    @property
    def quiet_cpu_per_run(self) -> float | None:
        return self.quiet_cpu / self.quiet_runs if self.quiet_runs else None


def _sizes(name: str, default: str) -> list[int]:
    value = os.environ.get(name, default).strip()
    return [] if value.lower() in ("", "none") else [int(v) for v in value.split(",")]


def _tree_at(commit: str, directory: Path) -> Path:
    """The repository at ``commit``, extracted into ``directory``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)
    return directory


def _epoch(value: str) -> float:
    """Epoch seconds of a datetime as SQLite holds it (naive: UTC)."""
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _read_archive(database: Path) -> tuple[dict[str, list[tuple[float, int, str]]], dict[str, float]]:
    """({source: [(run start, new articles, status), ...]}, {article URL or alias: created_at})."""
    with sqlite3.connect(database) as db:
        runs: dict[str, list[tuple[float, int, str]]] = defaultdict(list)
        for source, started, new, status in db.execute("SELECT source, started_at, new, status FROM crawl_runs"):
            runs[source].append((_epoch(started), new or 0, status))
        archived = {url: _epoch(created) for url, created in db.execute("SELECT url, created_at FROM articles")}
        aliases = "SELECT u.url, a.created_at FROM article_urls u JOIN articles a ON a.id = u.article_id"
        archived.update({url: _epoch(created) for url, created in db.execute(aliases)})
    return runs, archived


def _read_log(path: Path) -> tuple[float | None, Counter]:
    """(when the daemon logged its start, count per WARNINGS key) from its JSON log lines."""
    started, counts = None, Counter()
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            for key, text in WARNINGS.items():
                counts[key] += text in line
            if started is None and '"started"' in line:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if record.get("event") == "started" and "time" in record:
                    started = datetime.fromisoformat(record["time"]).timestamp()
    return started, counts


def _start_farm(sites: int, start: float, until: float) -> tuple[subprocess.Popen, int]:
    """The sites' server process and its port."""
    farm = subprocess.Popen(
        [sys.executable, "-m", "bench.sitefarm", "--sites", str(sites), "--start", str(start), "--until", str(until)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    line = farm.stdout.readline() if farm.stdout else ""
    if not line.startswith("ready "):
        farm.kill()
        raise RuntimeError(f"the site farm did not start: {line!r}")
    return farm, int(line.split()[1])


def _run_daemon(tree: Path, env: dict[str, str], log: Path, stop_at: float) -> tuple[float, float, Peak, float]:
    """Run ``tree``'s daemon until ``stop_at`` (epoch), then SIGTERM; (when it got SIGTERM, CPU
    seconds of its tree, its peaks, epoch minus monotonic time for the CPU series)."""
    with log.open("w", encoding="utf-8") as stderr:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "jobs.cli", "--log-json", "daemon"],
            cwd=tree,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        offset = time.time() - time.monotonic()
        with PeakMemory(daemon, interval=0.5, adopt=True) as peak:
            time.sleep(max(0.0, stop_at - time.time()))
            end = time.time()
            daemon.send_signal(signal.SIGTERM)
            killer = threading.Timer(STOP_WAIT, daemon.kill)
            killer.start()
            _, status, usage = os.wait4(daemon.pid, 0)
            killer.cancel()
    if os.waitstatus_to_exitcode(status) != 0:
        logger.warning("sources: the daemon of %s exited with %s", tree, os.waitstatus_to_exitcode(status))
    return end, usage.ru_utime + usage.ru_stime + peak.adopted_cpu, peak, offset


def measure(tree: Path, design: str, sites: int, seconds: float) -> Outcome:
    """Run the daemon of ``tree`` over ``sites`` sites for ``seconds`` and read its figures."""
    with tempfile.TemporaryDirectory(prefix="kabar-sources-") as tmp:
        workdir = Path(tmp)
        load = os.getloadavg()[0]
        start = time.time() + 3 + sites / 100  # the farm binds its addresses meanwhile
        until = start + seconds - min(WITHIN, seconds / 2)
        farm, port = _start_farm(sites, start, until)
        try:
            config = workdir / "sources.toml"
            config.write_text(sources_toml(sites, port, f"{INTERVAL:.0f}s"), encoding="utf-8")
            log = workdir / "daemon.log"
            time.sleep(max(0.0, start - time.time()))
            end, cpu, peak, offset = _run_daemon(tree, kabar_env(workdir, config, "kabar", tree), log, start + seconds)
        finally:
            farm.terminate()
            farm.wait(timeout=30)
        runs, archived = _read_archive(workdir / "kabar.db")
        logged_start, warnings = _read_log(log)
        keep = os.environ.get("KABAR_BENCH_SOURCES_KEEP")
        if keep:  # the daemon's log, config and archive, to look into afterwards
            shutil.copytree(workdir, Path(keep) / f"{design.split()[0]}-{sites}", dirs_exist_ok=True)
    names = [source_name(i) for i in range(sites)]
    starts = {name: [s for s, _, _ in runs.get(name, [])] for name in names}
    first = min((s for ss in starts.values() for s in ss), default=start)
    anchor = min(logged_start or start, first)
    late = [x for name in names for x in lateness(starts[name], anchor, INTERVAL, end)]
    runs_min, runs_median, never = runs_per_source(starts, names)
    timetable = Timetable(start, sites, INTERVAL, until)
    published = [(url, at) for url, at in publications(timetable, port, until) if at >= start]
    quiet_from = until + INTERVAL
    quiet = [(s, new) for name in names for s, new, _ in runs.get(name, []) if s >= quiet_from]
    series = [(t + offset, cpu) for t, cpu in peak.cpu_series]
    return Outcome(
        design=design,
        sites=sites,
        seconds=seconds,
        runs_min=runs_min,
        runs_median=runs_median,
        never_ran=never,
        late_p50=percentile(late, 0.5),
        late_p95=percentile(late, 0.95),
        in_time=archived_in_time(published, archived, WITHIN),
        runs=sum(len(v) for v in starts.values()),
        statuses=Counter(status for name in names for _, _, status in runs.get(name, [])),
        cpu=cpu,
        quiet_runs=len(quiet),
        quiet_unchanged=sum(1 for _, new in quiet if not new),
        quiet_cpu=cpu_between(series, quiet_from, end) if end > quiet_from else 0.0,
        peak=peak,
        warnings=warnings,
        anchored_on_log=logged_start is not None,
        load=load,
    )


def _num(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def _row(o: Outcome) -> str:
    kept, total = o.in_time
    share = f"{kept / total:.1%} ({kept}/{total})" if total else "—"
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(o.statuses.items()))
    quiet = f"{_num(o.quiet_cpu_per_run, '.2f')} ({o.quiet_unchanged}/{o.quiet_runs} unchanged)"
    return (
        f"| {o.design} | {o.sites} | {o.runs_min} / {o.runs_median:g} | {o.never_ran} "
        f"| {_num(o.late_p50, '.1f')} / {_num(o.late_p95, '.1f')} | {share} | {_num(o.cpu_per_run, '.2f')} "
        f"| {quiet} | {o.peak.pss_tree:.0f} | {o.peak.processes} | {o.runs} ({statuses}) "
        f"| {o.warnings['max-instances']} |"
    )


def verdict(checkout: list[Outcome]) -> str:
    """Whether this checkout's daemon meets issue 19's bar at N = 200 and 500."""
    judged = [o for o in checkout if o.sites in (200, 500)]
    if not judged:
        return "**Verdict: pending** — the bar applies at N = 200 and 500, not measured in this run."
    misses = []
    for o in judged:
        kept, total = o.in_time
        if o.never_ran or o.late_p95 is None or o.late_p95 > BAR_LATENESS_P95:
            misses.append(f"N = {o.sites}: lateness p95 {_num(o.late_p95, '.0f')} s, {o.never_ran} sources never ran")
        if not total or kept / total < BAR_IN_TIME:
            misses.append(f"N = {o.sites}: {kept}/{total} archived in time")
        if o.quiet_cpu_per_run is None or o.quiet_cpu_per_run > BAR_QUIET_CPU:
            misses.append(f"N = {o.sites}: {_num(o.quiet_cpu_per_run, '.2f')} CPU-s per unchanged run")
        if o.peak.pss_tree > BAR_PSS_MB:
            misses.append(f"N = {o.sites}: peak PSS {o.peak.pss_tree:.0f} MB")
    if len(judged) == 2 and judged[1].peak.pss_tree > 1.2 * judged[0].peak.pss_tree:
        misses.append("peak PSS grows with N (over 20 % from N = 200 to 500)")
    if misses:
        return "**Verdict: misses the bar** — " + "; ".join(misses) + "."
    return "**Verdict: meets the bar** at N = " + " and ".join(str(o.sites) for o in judged) + "."


def _note(o: Outcome) -> str:
    programs: Counter = Counter()
    for command, n in o.peak.adopted_commands.items():  # "python -c from multiprocessing.forkserver import main"
        programs[command.split(";")[0].rsplit("/", 1)[-1]] += n
    adopted = ", ".join(f"{n}× `{program}`" for program, n in programs.most_common(3))
    return (
        f"- {o.design}, N = {o.sites} (load average {o.load:.1f} on {os.cpu_count()} cores at its start): "
        f'{o.warnings["max-instances"]} APScheduler "maximum number of running '
        f'instances" and {o.warnings["missed"]} "run time … was missed" warnings, '
        f'{o.warnings["leaked-semaphore"]} "leaked semaphore" warnings; '
        f"{o.peak.adopted} processes orphaned in the tree ({o.peak.adopted_cpu:.1f} CPU-s)"
        + (f", e.g. {adopted}" if adopted else "")
        + ("" if o.anchored_on_log else "; no `started` log line: grid from the first run")
        + "."
    )


def report(outcomes: list[Outcome], checkout: list[Outcome], seconds: float) -> str:
    shortened = (
        f" **Shortened run** ({seconds:.0f} s instead of {SECONDS:.0f}): not the benchmark's figures."
        if seconds != SECONDS
        else ""
    )
    chosen = " ".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith(ENV) and k != f"{ENV}KEEP")
    if chosen:
        shortened += f" This run: `{chosen} python -m bench sources`."
    lines = [
        "## Hundreds of sources on one machine",
        "",
        "Command: `python -m bench sources` (`KABAR_BENCH_SOURCES_N=50,200,500`, "
        f"`KABAR_BENCH_SOURCES_SECONDS={SECONDS:.0f}`, `KABAR_BENCH_SOURCES_BASELINE=<commit>|none`). "
        "N small news sites (`bench/sitefarm.py`, one server process, site i on 127.0.0.(i+2), one port), each "
        "publishing an article a minute with an RSS feed answering conditional GETs (ETag / Last-Modified, 304), "
        "robots.txt and article pages of the example sites' templates and smart-city stories; one source per site "
        f"on a {INTERVAL:.0f} s schedule, politeness lifted as for the example sites. `kabar daemon` runs {seconds:.0f} s "
        "over a fresh SQLite archive, then gets SIGTERM; the sites stop publishing one interval + 60 s before that."
        + shortened,
        "",
        "- runs: runs recorded per source (min / median) and sources with none;",
        "- lateness: each run's start (`started_at` of its run record) against the slot it served on the source's "
        "60 s grid from the daemon's start (its `started` log line, or its first run if earlier): a run serves the "
        "earliest slot not yet served, the slots due while it waited are skipped with it (coalesced), a slot still "
        "unserved at the stop after half an interval counts as late by the time it waited; APScheduler's jitter "
        "(up to 10 % of the interval) counts;",
        f"- in time: articles published while the daemon ran that the archive holds (`created_at`) within "
        f"{WITHIN:.0f} s (one interval + 60 s) of publication;",
        "- CPU: user + system seconds of the daemon's whole process tree (its rusage at exit, with the processes "
        "orphaned in the tree, adopted and reaped by the benchmark) per run recorded; quiet: the tree's CPU over "
        "the last interval, after the sites stopped publishing, per run started then (how many found nothing new "
        "in brackets);",
        "- PSS: peak of the tree's summed PSS (MB, sampled every 0.5 s from /proc), with the most processes seen;",
        '- max-instances: APScheduler\'s "maximum number of running instances reached" warnings in the log.',
        "",
        "| daemon | N | runs / source min / median | never ran | lateness p50 / p95 (s) | archived in time "
        "| CPU-s per run | CPU-s per quiet run | peak PSS (MB) | processes | runs (status) | max-instances |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *(_row(o) for o in outcomes),
        "",
        *(_note(o) for o in outcomes),
        "",
        f"Bar (issue 19), at N = 200 and 500: lateness p95 ≤ {BAR_LATENESS_P95:.0f} s and every source run, "
        f"≥ {BAR_IN_TIME:.0%} archived in time, ≤ {BAR_QUIET_CPU} CPU-s per run where nothing changed, peak PSS "
        f"≤ {BAR_PSS_MB / 1024:.0f} GB and independent of N.",
        "",
        verdict(checkout),
    ]
    return "\n".join(lines)


def run() -> str:
    seconds = float(os.environ.get("KABAR_BENCH_SOURCES_SECONDS", SECONDS))
    baseline = os.environ.get("KABAR_BENCH_SOURCES_BASELINE", BASELINE).strip()
    outcomes, checkout = [], []
    if baseline.lower() not in ("", "none"):
        for sites in _sizes("KABAR_BENCH_SOURCES_BASELINE_N", "50"):
            with tempfile.TemporaryDirectory(prefix="kabar-baseline-") as tmp:
                logger.info("sources: baseline %s, N = %d, %.0f s", baseline[:12], sites, seconds)
                outcomes.append(measure(_tree_at(baseline, Path(tmp)), f"baseline `{baseline[:7]}`", sites, seconds))
    for sites in _sizes("KABAR_BENCH_SOURCES_N", "50,200,500"):
        logger.info("sources: this checkout, N = %d, %.0f s", sites, seconds)
        checkout.append(measure(ROOT, "this checkout", sites, seconds))
    return report(outcomes + checkout, checkout, seconds)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print(run())
