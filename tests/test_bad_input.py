"""Bad input from people: each mistake gets one clear line naming the problem on stderr, a
non-zero exit and no traceback (``kabar`` run as a user runs it, in a child process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.db import open_archive
from tests.support import ROOT

GOOD_SOURCE = '[[sources]]\nname = "berita"\nurl = "http://127.0.0.1:9/"\n'


def source(**extra: str) -> str:
    return GOOD_SOURCE + "".join(f"{key} = {value}\n" for key, value in extra.items())


# id -> (sources.toml text or None for a good one, arguments, text the one line must contain)
CASES = {
    "toml-syntax": ('[[sources]\nname = "a"\n', ["crawl"], "invalid TOML"),
    "unknown-source-key": (source(feed='"http://127.0.0.1:9/feed"'), ["crawl"], "unknown key 'feed'"),
    "unknown-table": ("[archiv]\n" + GOOD_SOURCE, ["crawl"], "unknown key 'archiv'"),
    "bad-url": ('[[sources]]\nname = "a"\nurl = "ftp//nowhere"\n', ["crawl"], "'ftp//nowhere' is not an http(s) URL"),
    "bad-feed-url": (source(feeds='["/feed/"]'), ["crawl"], "'/feed/' is not an http(s) URL"),
    "bad-name": ('[[sources]]\nname = "Berita Satu"\nurl = "http://127.0.0.1:9/"\n', ["crawl"], "name: use only"),
    "cron-fields": (source(schedule='{ cron = "*/30 * *" }'), ["crawl"], "cron: expected five fields"),
    "cron-values": (source(schedule='{ cron = "99 * * * *" }'), ["daemon"], "cron"),
    "bad-every": (source(schedule='{ every = "5x" }'), ["crawl"], "'5x' is not an interval"),
    "bad-regex": (source(article_pattern="'(['"), ["crawl"], "invalid regular expression"),
    "duplicate-names": (GOOD_SOURCE + GOOD_SOURCE, ["crawl"], "source name 'berita' is used twice"),
    "no-such-source": (None, ["crawl", "--source", "tidakada"], "no source named 'tidakada'"),
    "config-missing": (None, ["crawl", "--config", "nowhere.toml"], "config file not found: nowhere.toml"),
    "config-is-a-directory": (None, ["crawl", "--config", "."], "cannot read config file"),
    "db-scheme": (None, ["search", "kota", "--db", "mysql2://x/y"], "unsupported database"),
    "db-not-a-url": (None, ["search", "kota", "--db", "kabar.db"], "not a database URL"),
    "db-unreachable": (None, ["search", "kota", "--db", "postgresql://nobody@127.0.0.1:9/x"], "cannot open database"),
    "db-directory-impossible": (
        None,
        ["db", "upgrade", "--db", "sqlite:////proc/kabar/x.db"],
        "cannot create the directory",
    ),
    "db-mistyped-search": (
        None,
        ["search", "kota", "--db", "sqlite:///typo.db"],
        "no archive at typo.db; run kabar crawl",
    ),
    "db-mistyped-stats": (None, ["--db", "sqlite:///typo.db", "stats"], "no archive at typo.db"),
    "db-mistyped-serve": (
        None,
        ["serve", "--db", "sqlite:////nonexistent/dir/x.db"],
        "no archive at /nonexistent/dir/x.db",
    ),
    "db-mistyped-copy": (
        None,
        ["db", "copy", "--from", "sqlite:///typo.db", "--to", "sqlite:///new.db"],
        "no archive at typo.db",
    ),
    "data-dir-is-a-file": (None, ["crawl", "--data-dir", "afile/data"], "afile"),
    "since-not-a-date": (None, ["search", "kota", "--since", "2024-13-45"], "'2024-13-45' is not a date"),
    "since-after-until": (
        None,
        ["search", "kota", "--since", "2024-05-01", "--until", "2024-01-01"],
        "--since must be before --until",
    ),
    "since-without-backfill": (None, ["crawl", "--since", "2024-01-01"], "--since goes with --backfill"),
    "bad-dimension": (None, ["search", "kota", "--dimension", "ekonomi"], "invalid choice: 'ekonomi'"),
    "bad-limit": (None, ["search", "kota", "--limit", "0"], "must be at least 1"),
    "bad-min-score": (None, ["search", "kota", "--min-score", "tinggi"], "'tinggi' is not a number"),
    "nan-min-score": (None, ["search", "kota", "--min-score", "nan"], "'nan' is not a finite number"),
    "since-year-1": (None, ["search", "kota", "--since", "0001-01-01"], "out of range (years 1900-2999)"),
    "until-year-9999": (None, ["export", "--until", "9999-12-31"], "out of range (years 1900-2999)"),
    "backfill-since-year-1": (None, ["crawl", "--backfill", "--since", "0001-01-01"], "out of range"),
    "query-starts-with-dash": (None, ["search", "-banjir"], "kabar search -- -banjir"),
    "query-word-with-dash": (None, ["search", "kota", "-banjir"], "kabar search -- kota -banjir"),
    "export-query-with-dash": (None, ["export", "--query", "-banjir"], "--query=-banjir"),
    "unknown-region": (None, ["search", "kota", "--region", "Narnia"], "Narnia"),
    "unbalanced-quote": (None, ["search", '"kota cerdas'], "closing quote"),
    "empty-query": (None, ["search", "  "], "the search query is empty"),
    "no-such-article": (None, ["show", "424242"], "no article with id 424242"),
    "export-unwritable": (None, ["export", "--output", "afile/out.jsonl"], "cannot write afile/out.jsonl"),
}
# Cases found failing and not fixed yet (none now); see docs/reliability.md.
KNOWN_BUGS: dict[str, str] = {}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(case, tmp_path: Path, request):
    if case in KNOWN_BUGS:
        request.applymarker(pytest.mark.xfail(reason=KNOWN_BUGS[case], strict=False))
    config_text, args, expected = CASES[case]
    (tmp_path / "sources.toml").write_text(config_text or GOOD_SOURCE, encoding="utf-8")
    (tmp_path / "afile").write_text("not a directory\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    env["PYTHONPATH"] = str(ROOT)
    extra = [] if "--config" in args else ["--config", "sources.toml"]
    extra += [] if "--db" in args else ["--db", f"sqlite:///{tmp_path / 'kabar.db'}"]
    if "--db" not in args:  # reading commands refuse a database that holds no archive
        open_archive(f"sqlite:///{tmp_path / 'kabar.db'}").dispose()
    result = subprocess.run(
        [sys.executable, "-m", "jobs.cli", *args, *extra],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("kabar: error: "), result.stderr[-2000:]
    assert expected in lines[0]
    assert result.stdout == ""
    if case == "db-mistyped-serve":
        assert not Path("/nonexistent").exists()
    if case.startswith("db-mistyped"):
        assert not (tmp_path / "typo.db").exists()
