"""The command line as users type it: global options before or after the command, help for
every command and option, and the same filter rules as the web."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jobs.cli import EXAMPLES, build_parser, parse_args
from jobs.web import create_app
from storage.db import open_archive
from tests.support import ROOT

# The arguments each command needs besides the global options; every command must be here.
MINIMAL_ARGS = {
    "crawl": [],
    "daemon": [],
    "cluster": [],
    "cluster deploy": [],
    "cluster nodes": [],
    "status": [],
    "sources": [],
    "sources add": ["http://127.0.0.1:9/"],
    "sources check": [],
    "demo": [],
    "search": ["kota"],
    "count": [],
    "show": ["1"],
    "export": [],
    "import": ["archive.jsonl"],
    "runs": [],
    "stats": [],
    "extract": ["page.html"],
    "classify": [],
    "reextract": [],
    "hide": ["1", "--reason", "x"],
    "unhide": ["1"],
    "serve": [],
    "db": [],
    "db upgrade": [],
    "db reindex": [],
    "db copy": ["--from", "sqlite:///a.db", "--to", "sqlite:///b.db"],
}
GLOBALS = ["--db", "sqlite:///other.db", "--config", "other.toml", "--data-dir", "otherdata", "--log-json", "-v"]


def command_parsers(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every (sub)command's parser by its name as typed, e.g. ``"db copy"``."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                key = f"{prefix} {name}".strip()
                found[key] = sub
                found.update(command_parsers(sub, key))
    return found


def test_the_table_names_every_command():
    assert set(command_parsers(build_parser())) == set(MINIMAL_ARGS)


@pytest.mark.parametrize("command", sorted(MINIMAL_ARGS))
def test_global_options_work_before_and_after_every_command(command):
    words = [*command.split(), *MINIMAL_ARGS[command]]
    for argv in ([*GLOBALS, *words], [*words, *GLOBALS]):
        args = parse_args(argv)
        assert (args.db, args.config, args.data_dir, args.log_json, args.verbose) == (
            "sqlite:///other.db",
            "other.toml",
            "otherdata",
            True,
            1,
        ), argv
    plain = parse_args(words)
    assert (plain.db, plain.config, plain.data_dir, plain.log_json, plain.verbose) == (None, None, None, False, 0)


def test_verbose_counts_in_both_places_and_the_later_value_wins():
    args = parse_args(["-v", "--db", "sqlite:///first.db", "stats", "-v", "--db", "sqlite:///second.db"])
    assert args.verbose == 2 and args.db == "sqlite:///second.db"


@pytest.mark.parametrize("command", sorted(MINIMAL_ARGS))
def test_every_command_and_option_says_what_it_does_with_an_example(command):
    parser = command_parsers(build_parser())[command]
    assert parser.description, command
    assert parser.epilog and parser.epilog.startswith("examples:") and f"kabar {command}" in parser.epilog
    undocumented = [
        action.option_strings or action.dest
        for action in parser._actions
        if not action.help and not isinstance(action, argparse._SubParsersAction)
    ]
    assert not undocumented, (command, undocumented)
    assert set(EXAMPLES) == set(MINIMAL_ARGS)


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "jobs.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def copy_sqlite(source_url: str, target: Path) -> None:
    source = sqlite3.connect(source_url.removeprefix("sqlite:///"))
    with sqlite3.connect(target) as copy:
        source.backup(copy)
    source.close()


def hidden_ids(path: Path) -> set[int]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM articles WHERE hidden_at IS NOT NULL")}


def test_db_before_the_command_is_the_archive_that_is_read_and_written(crawled, tmp_path: Path):
    runner, _ = crawled
    copy_sqlite(runner.database_url, tmp_path / "other.db")
    open_archive(f"sqlite:///{tmp_path / 'data' / 'kabar.db'}").dispose()  # the default, empty
    other = "sqlite:///other.db"
    with sqlite3.connect(tmp_path / "other.db") as conn:
        first, total = conn.execute("SELECT min(id), count(*) FROM articles").fetchone()

    hidden = run(tmp_path, "--db", other, "hide", str(first), "--reason", "permintaan narasumber")
    assert hidden.returncode == 0, hidden.stderr
    assert hidden_ids(tmp_path / "other.db") == {first}
    assert hidden_ids(tmp_path / "data" / "kabar.db") == set()

    stats = run(tmp_path, "--db", other, "stats", "--format", "json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == total > 0
    default = json.loads(run(tmp_path, "stats", "--format", "json").stdout)
    assert default["articles"] == 0


def test_config_before_the_command_names_the_sources(crawled, tmp_path: Path):
    runner, _ = crawled
    config = Path(runner.workdir) / "sources.toml"
    (tmp_path / "sources.toml").write_text('[[sources]]\nname = "lain"\nurl = "http://127.0.0.1:9/"\n')
    status = run(tmp_path, "--config", str(config), "--db", runner.database_url, "status", "--format", "json")
    assert status.returncode == 0, status.stderr
    names = {row["source"] for row in json.loads(status.stdout)}
    assert "lain" not in names and "infodaerah" in names


@pytest.fixture(scope="module")
def web(crawled):
    runner, _ = crawled
    engine = open_archive(runner.database_url)
    with TestClient(create_app(engine)) as client:
        yield runner, client
    engine.dispose()


@pytest.mark.parametrize(
    "query, region",
    [("smart city", "Muba"), ("smart city", "Musi Banyuasin"), ("smart city", "16.06"), ("kota", "Kota Palembang")],
)
def test_web_and_cli_read_regions_through_the_gazetteer_alike(web, query, region):
    runner, client = web
    cli = runner("search", query, "--region", region, "--all-copies", "--limit", "100", "--format", "json")
    assert cli.returncode == 0, cli.stderr
    api = client.get("/api/search", params={"q": query, "region": region, "per_page": 100, "all_copies": 1})
    assert api.status_code == 200, api.text
    cli_ids = {hit["id"] for hit in json.loads(cli.stdout)}
    assert cli_ids, "the example sites have articles about this region"
    assert cli_ids >= {hit["id"] for hit in api.json()["results"]}
    assert api.json()["total"] > 0


@pytest.mark.parametrize(
    "name, value, cli_flag, message",
    [
        ("region", "Atlantis", "--region", "unknown kabupaten/kota 'Atlantis'"),
        ("province", "Narnia", "--province", "unknown province 'Narnia'"),
        ("min_score", "nan", "--min-score", "'nan' is not a finite number"),
        ("min_score", "inf", "--min-score", "'inf' is not a finite number"),
        ("since", "0001-01-01", "--since", "out of range (years 1900-2999)"),
        ("until", "9999-12-31", "--until", "out of range (years 1900-2999)"),
        ("dimension", "ekonomi", "--dimension", "ekonomi"),
    ],
)
def test_web_and_cli_refuse_the_same_filters(web, name, value, cli_flag, message):
    runner, client = web
    api = client.get("/api/search", params={"q": "kota", name: value})
    assert api.status_code == 400 and message in api.text, api.text
    cli = runner("search", "kota", cli_flag, value)
    assert cli.returncode == 2 and message in cli.stderr and "Traceback" not in cli.stderr, cli.stderr
