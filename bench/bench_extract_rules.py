"""Extraction rules on real-page failures: what each rule family removes and restores.

Every page is extracted with every rule, and again without one rule family at a time
(``crawler.extract.extract(..., without={family})``, families in
``crawler.extract.boilerplate.RULE_FAMILIES``). Lines (whitespace-normalised, counted with
multiplicity) found only without the family are the lines it removed; lines found only with it
are the lines it restored (a family that rewrites a line, as dateline-join does, counts the new
line as restored and the old ones as removed). Pages: the extraction test fixtures
(tests/fixtures/extract: six of them model issue 21's pages), the example sites' article pages
(every page of a split article) and the AEB pages (``KABAR_AEB_DIR``, default
``../shared/corpora/aeb``).
AEB F1 by the extraction benchmark's scorer (bench/bench_extraction.py): with every rule,
without each family, and at commit ``BEFORE`` (the last one before issue 21's rules, read with
``git archive`` and run in a child process; skipped outside a git checkout).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.bench_extraction import _read, aeb_dir, evaluate, load_corpus

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "extract"
#: The last commit before issue 21's rule families.
BEFORE = "9d6d4fd"
#: The families issue 21 added (the others were there before; "read-also" and "follow-ups" grew).
NEW_FAMILIES = (
    "nav-menu",
    "top-labels",
    "editor-initials",
    "embeds",
    "description",
    "lead-before-body",
    "hidden-continuation",
    "listicle-headings",
    "dateline-join",
    "bylines",
)


def _lines(text: str) -> Counter:
    return Counter(" ".join(line.split()) for line in text.split("\n") if line.strip())


#: The key of the run without every family of NEW_FAMILIES.
WITHOUT_NEW = "*new"


def _page(task: tuple[bytes, str, tuple[str, ...]]) -> tuple[dict[str, tuple[str, str]], float, float]:
    """({"": (text, author) with every rule, family: (text, author) without it}, CPU seconds with
    every rule, CPU seconds without NEW_FAMILIES) for one page."""
    from crawler.extract import extract

    html, url, families = task
    out, cpu = {}, {}
    extract(html, url)  # warm the caches (class strings, patterns) before the timed runs
    for family in ("", WITHOUT_NEW, *families):
        without = frozenset(NEW_FAMILIES if family == WITHOUT_NEW else {family} if family else ())
        started = time.process_time()
        article = extract(html, url, without=without)
        cpu[family] = time.process_time() - started
        out[family] = (article.text, article.author)
    return out, cpu[""], cpu[WITHOUT_NEW]


def _fixture_pages() -> list[tuple[bytes, str]]:
    return [
        (path.read_bytes(), json.loads(path.with_suffix(".json").read_text("utf-8"))["url"])
        for path in sorted(FIXTURES.glob("*.html"))
    ]


def _example_pages() -> list[tuple[bytes, str]]:
    from jobs.examplesites.server import ExampleSites
    from tests.support.gold import gold_copies

    pages = []
    with ExampleSites() as sites:
        for gold in gold_copies(sites):
            for n in range(1, gold["pages"] + 1):
                url = gold["url"] if n == 1 else f"{gold['url']}?page={n}"
                with urllib.request.urlopen(url, timeout=30) as response:
                    pages.append((response.read(), url))
    return pages


def _before_texts(paths: dict[str, Path], urls: dict[str, str]) -> dict[str, str] | None:
    """AEB texts from ``extract`` at commit BEFORE, or None outside a git checkout."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE], capture_output=True)
        if archive.returncode != 0:
            return None
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        jobs = json.dumps({key: [str(path), urls[key]] for key, path in paths.items()})
        code = (
            "import gzip, json, sys\n"
            "from crawler.extract import extract\n"
            "jobs = json.load(sys.stdin)\n"
            "out = {}\n"
            "for key, (path, url) in jobs.items():\n"
            "    data = open(path, 'rb').read()\n"
            "    data = gzip.decompress(data) if data[:2] == b'\\x1f\\x8b' else data\n"
            "    out[key] = extract(data, url).text\n"
            "json.dump(out, sys.stdout)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], input=jobs, capture_output=True, text=True, cwd=tmp, check=True
        )
        return json.loads(result.stdout)


def _compare(results: list[dict[str, tuple[str, str]]], family: str) -> tuple[int, int, int, int]:
    """(lines removed, lines restored, pages changed, authors changed) by ``family``."""
    removed = restored = pages = authors = 0
    for page in results:
        (with_text, with_author), (without_text, without_author) = page[""], page[family]
        with_lines, without_lines = _lines(with_text), _lines(without_text)
        gone, back = sum((without_lines - with_lines).values()), sum((with_lines - without_lines).values())
        removed, restored = removed + gone, restored + back
        pages += bool(gone or back)
        authors += with_author != without_author
    return removed, restored, pages, authors


def run() -> str:
    from crawler.extract import EXTRACTOR_VERSION
    from crawler.extract import boilerplate as B

    families = tuple(B.RULE_FAMILIES)
    started = time.perf_counter()
    fixtures = _fixture_pages()
    examples = _example_pages()
    root = aeb_dir()
    have_aeb = (root / "ground-truth.json").exists()
    paths, urls, truth = load_corpus(root) if have_aeb else ({}, {}, {})
    keys = list(paths)
    tasks = [(html, url, families) for html, url in fixtures + examples]
    tasks += [(_read(paths[key]), urls[key], families) for key in keys]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        measured = list(pool.map(_page, tasks, chunksize=4))
    results = [texts for texts, _, _ in measured]
    n_fix, n_site = len(fixtures), len(fixtures) + len(examples)
    fixture_results, site_results, aeb_results = results[:n_fix], results[n_fix:n_site], results[n_site:]
    elapsed = time.perf_counter() - started

    def f1(family: str) -> float:
        return evaluate({key: page[family][0] for key, page in zip(keys, aeb_results, strict=True)}, truth)[0]

    lines = [
        "## Extraction rules on real-page failures",
        "",
        f"What each rule family of `crawler.extract` ({EXTRACTOR_VERSION}) does, measured by leaving it out: "
        f"{len(fixtures)} test fixture pages (`tests/fixtures/extract`, six of them modelled on issue 21's pages), "
        f"{len(examples)} example-site article pages and {len(keys)} AEB pages, each extracted with every rule and "
        f"once without each of the {len(families)} families ({elapsed:.0f} s on {os.cpu_count()} cores). "
        "Removed: lines that only appear without the family (what it takes out); restored: lines that only appear "
        "with it (what it keeps or puts back; a rewritten line counts on both sides). Families marked * came with "
        "issue 21. The families and their rules are listed in `crawler/extract/boilerplate.py`, section 6.",
        "",
        "| family | fixtures: removed / restored (pages) | example sites: removed / restored (pages) "
        "| AEB: removed / restored (pages) | authors changed (fixtures / sites / AEB) | AEB F1 without it |",
        "|---|---|---|---|---|---|",
    ]
    base = f1("") if have_aeb else 0.0
    for family in families:
        f_rem, f_res, f_pages, f_auth = _compare(fixture_results, family)
        s_rem, s_res, s_pages, s_auth = _compare(site_results, family)
        a_rem, a_res, a_pages, a_auth = _compare(aeb_results, family) if have_aeb else (0, 0, 0, 0)
        score = f"{f1(family):.4f} ({f1(family) - base:+.4f})" if have_aeb else "-"
        name = f"{family}{' *' if family in NEW_FAMILIES else ''}"
        lines.append(
            f"| {name} | {f_rem} / {f_res} ({f_pages}) | {s_rem} / {s_res} ({s_pages}) | {a_rem} / {a_res} ({a_pages}) "
            f"| {f_auth} / {s_auth} / {a_auth} | {score} |"
        )
    if have_aeb:
        before = _before_texts(paths, urls)
        lines += ["", "| AEB | F1 | precision | recall |", "|---|---|---|---|"]
        if before is not None:
            b = evaluate(before, truth)
            lines.append(f"| before issue 21 (commit `{BEFORE}`) | {b[0]:.4f} | {b[1]:.4f} | {b[2]:.4f} |")
        now = evaluate({key: page[""][0] for key, page in zip(keys, aeb_results, strict=True)}, truth)
        lines.append(f"| every rule now | {now[0]:.4f} | {now[1]:.4f} | {now[2]:.4f} |")
        without_new = evaluate({key: page[WITHOUT_NEW][0] for key, page in zip(keys, aeb_results, strict=True)}, truth)
        lines.append(
            f"| now, without issue 21's families | {without_new[0]:.4f} | {without_new[1]:.4f} | {without_new[2]:.4f} |"
        )
        aeb_cpu = measured[n_site:]
        every, bare = (sum(m[i] for m in aeb_cpu) / len(aeb_cpu) * 1000 for i in (1, 2))
        lines += [
            "",
            f"CPU per AEB page in the pool's workers: {every:.1f} ms with every rule, {bare:.1f} ms without issue "
            f"21's families ({every - bare:+.1f} ms; other load on the machine scales both).",
        ]
    else:
        lines += ["", f"AEB skipped: the corpus was not found at `{root}` (set `KABAR_AEB_DIR`)."]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
