"""Extraction quality and throughput: kabar's extractor against plain trafilatura defaults.

Quality on the Article Extraction Benchmark pages (``KABAR_AEB_DIR``, default
``../shared/corpora/aeb`` from the repository root), scored by the benchmark's published
method: lower-cased ``\\w+`` tokens, 4-token shingles with multiplicity, per-page tp/fp/fn
normalised by their sum, mean precision and recall over pages, F1 of the means.
Throughput: pages per second of ``extract_paths`` (process pool over every core) against
single-process ``trafilatura.extract(html, url=url)`` on the same files.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_TOKEN = re.compile(r"\w+")


def aeb_dir() -> Path:
    return Path(os.environ.get("KABAR_AEB_DIR") or (ROOT / ".." / "shared" / "corpora" / "aeb")).resolve()


def shingles(text: str, size: int = 4) -> Counter:
    tokens = _TOKEN.findall((text or "").lower())
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def page_scores(pred: str, truth: str) -> tuple[float, float]:
    """(precision, recall) of one page; 0 where undefined."""
    p, t = shingles(pred), shingles(truth)
    tp = sum((p & t).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    if not total:
        return 0.0, 0.0
    tp, fp, fn = tp / total, fp / total, fn / total
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall


def evaluate(preds: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    """(F1, precision, recall) over the pages of ``truth``; a missing prediction is empty."""
    scores = [page_scores(preds.get(key, ""), gold) for key, gold in truth.items()]
    precision = sum(s[0] for s in scores) / len(scores)
    recall = sum(s[1] for s in scores) / len(scores)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


def load_corpus(root: Path) -> tuple[dict[str, Path], dict[str, str], dict[str, str]]:
    """(id -> html path, id -> url, id -> gold text)."""
    gold = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    paths, urls, truth = {}, {}, {}
    for key, item in gold.items():
        path = root / "html" / f"{key}.html.gz"
        if not path.exists():
            path = root / "html" / f"{key}.html"
        if path.exists():
            paths[key], urls[key], truth[key] = path, item.get("url", ""), item.get("articleBody", "")
    return paths, urls, truth


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


#: CPU seconds of this process in the last run_plain / run_ours call (for one-process runs this is
#: the work itself, whatever else the machine is doing; a pool's work is in its workers).
LAST_CPU: dict[str, float] = {}


def run_plain(paths: dict[str, Path], urls: dict[str, str]) -> tuple[dict[str, str], float]:
    import trafilatura

    started, cpu = time.perf_counter(), time.process_time()
    preds = {key: trafilatura.extract(_read(path), url=urls[key]) or "" for key, path in paths.items()}
    LAST_CPU["plain"] = time.process_time() - cpu
    return preds, time.perf_counter() - started


def run_ours(paths: dict[str, Path], urls: dict[str, str], workers: int | None = None) -> tuple[dict[str, str], float]:
    from crawler.extract.batch import extract_paths

    by_path = {str(path): key for key, path in paths.items()}
    started, cpu = time.perf_counter(), time.process_time()
    preds = {}
    for record in extract_paths(list(paths.values()), url={str(p): urls[k] for k, p in paths.items()}, workers=workers):
        preds[by_path[record["path"]]] = record.get("text") or ""
    LAST_CPU["ours"] = time.process_time() - cpu
    return preds, time.perf_counter() - started


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def parallel_capacity(workers: int, n: int = 4_000_000) -> float:
    """Speed-up of a pure-CPU loop on a pool of ``workers`` over one process, right now: how
    many cores this machine really gives us (other processes may be using some)."""
    from concurrent.futures import ProcessPoolExecutor

    started = time.perf_counter()
    for _ in range(workers):
        _spin(n)
    serial = time.perf_counter() - started
    with ProcessPoolExecutor(max_workers=workers) as pool:
        started = time.perf_counter()
        list(pool.map(_spin, [n] * workers))
        pooled = time.perf_counter() - started
    return serial / pooled if pooled else 0.0


def run() -> str:
    root = aeb_dir()
    lines = ["## Extraction", ""]
    if not (root / "ground-truth.json").exists():
        lines.append(f"Skipped: the AEB corpus was not found at `{root}` (set `KABAR_AEB_DIR`).")
        return "\n".join(lines)
    from crawler.extract import EXTRACTOR_VERSION

    paths, urls, truth = load_corpus(root)
    n = len(paths)
    cores = os.cpu_count() or 1
    run_plain(dict(list(paths.items())[:5]), urls)  # warm imports and caches for both
    # one-process runs in the order plain, ours, ours, plain: load from other work that comes
    # and goes during the run falls on both sides alike
    plain, plain_s = run_plain(paths, urls)
    plain_cpu = LAST_CPU["plain"]
    ours_1, ours_1s = run_ours(paths, urls, workers=1)
    ours_cpu = LAST_CPU["ours"]
    _, again = run_ours(paths, urls, workers=1)
    ours_1s, ours_cpu = (ours_1s + again) / 2, (ours_cpu + LAST_CPU["ours"]) / 2
    _, again = run_plain(paths, urls)
    plain_s, plain_cpu = (plain_s + again) / 2, (plain_cpu + LAST_CPU["plain"]) / 2
    ours, ours_s = run_ours(paths, urls)
    capacity = parallel_capacity(cores)
    f_plain = evaluate(plain, truth)
    f_ours = evaluate(ours, truth)
    same = sum(ours[k] == ours_1[k] for k in paths)
    lines += [
        f"Article Extraction Benchmark, {n} pages (`{root.name}`), scored with 4-token shingles "
        "(per-page normalised tp/fp/fn, mean P and R). Baseline: `trafilatura.extract(html, url=url)` "
        f"with its defaults, same run. Ours: `crawler.extract` ({EXTRACTOR_VERSION}).",
        "",
        "| extractor | F1 | precision | recall |",
        "|---|---|---|---|",
        f"| plain trafilatura | {f_plain[0]:.3f} | {f_plain[1]:.3f} | {f_plain[2]:.3f} |",
        f"| kabar | {f_ours[0]:.3f} | {f_ours[1]:.3f} | {f_ours[2]:.3f} |",
        f"| kabar / plain | {f_ours[0] / f_plain[0]:.3f}× | {f_ours[1] / f_plain[1]:.3f}× | {f_ours[2] / f_plain[2]:.3f}× |",
        "",
        "| throughput | pages/s | ratio |",
        "|---|---|---|",
        f"| plain trafilatura, 1 process | {n / plain_s:.1f} | 1.00× |",
        f"| kabar `extract_paths`, 1 process | {n / ours_1s:.1f} | {plain_s / ours_1s:.2f}× |",
        f"| kabar `extract_paths`, pool of {cores} | {n / ours_s:.1f} | {plain_s / ours_s:.2f}× |",
        "",
        f"CPU time per page in one process (less sensitive to other load on the machine than the wall "
        f"clock): plain {plain_cpu / n * 1000:.1f} ms, kabar {ours_cpu / n * 1000:.1f} ms, "
        f"ratio plain/kabar {plain_cpu / ours_cpu:.2f}×.",
        "",
        f"Pool and single-process texts identical on {same}/{n} pages. Parallel capacity at the time "
        f"(pure-CPU loop on a pool of {cores} over one process): {capacity:.2f}×; the pool's ratio "
        "can only exceed the single-process ratio by about that factor.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
