"""``kabar extract FILE_OR_DIR... [--url URL] [--format json|jsonl]`` run as a user runs it: a
separate process on example pages saved to disk, one JSON record per page."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from tests.support.gold import gold_copies
from tests.support.quality import MIN_F1, f1, junk_lines

ROOT = Path(__file__).resolve().parent.parent
#: Keys every record carries (issue 3), error records included.
FIELDS = {
    "path",
    "url",
    "title",
    "author",
    "published",
    "language",
    "text",
    "site_name",
    "description",
    "image",
    "dateline",
    "canonical_url",
    "page_urls",
    "extractor_version",
}


def kabar_extract(*args: str) -> subprocess.CompletedProcess:
    """``kabar extract ARGS`` in a child process, from an empty working directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    env["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory() as cwd:
        return subprocess.run(
            [sys.executable, "-m", "jobs.cli", "extract", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(scope="module")
def saved(sites, tmp_path_factory):
    """One saved article page per example site (and its gold), in a directory of their own."""
    directory = tmp_path_factory.mktemp("pages")
    chosen: dict[str, dict] = {}
    for g in gold_copies(sites):
        if g["pages"] == 1:
            chosen.setdefault(g["site"], g)
    assert len(chosen) == 6
    for site, g in chosen.items():
        with urllib.request.urlopen(g["url"], timeout=30) as response:
            (directory / f"{site}.html").write_bytes(response.read())
    return directory, chosen


def _one(stdout: str) -> dict:
    data = json.loads(stdout)
    return data[0] if isinstance(data, list) and len(data) == 1 else data


def _check(record: dict, gold: dict) -> None:
    assert FIELDS <= set(record), FIELDS - set(record)
    assert "error" not in record
    assert record["title"] == gold["title"]
    assert f1(record["text"], gold["text"]) >= MIN_F1
    assert not junk_lines(record["text"])
    assert record["language"] == "id"
    if gold["published_has_time"]:
        assert record["published"][:16] == gold["published"][:16]
        assert record["published"].endswith(gold["published"][-6:])
    else:
        assert record["published"][:10] == gold["published"][:10]


def test_one_page_with_its_url(saved):
    directory, gold = saved
    g = gold["sumselpos"]
    result = kabar_extract(str(directory / "sumselpos.html"), "--url", g["url"])
    assert result.returncode == 0, result.stderr
    record = _one(result.stdout)
    _check(record, g)
    assert record["path"] == str(directory / "sumselpos.html")
    assert record["url"] == g["url"]
    assert record["author"] == g["author"]


def test_one_page_is_one_json_object(saved):
    directory, gold = saved
    result = kabar_extract(str(directory / "sumselpos.html"), "--url", gold["sumselpos"]["url"])
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), dict)


def test_a_directory_gives_an_array_in_path_order(saved):
    directory, gold = saved
    result = kabar_extract(str(directory))
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert isinstance(records, list)
    assert [Path(r["path"]).stem for r in records] == sorted(gold)
    for record in records:
        g = gold[Path(record["path"]).stem]
        _check(record, g)
        # without --url the page's own canonical URL stands for it
        assert record["url"] == g["url"]


def test_jsonl_is_one_record_per_line_and_matches_json(saved):
    directory, _ = saved
    as_json = kabar_extract(str(directory))
    as_jsonl = kabar_extract(str(directory), "--format", "jsonl")
    assert as_jsonl.returncode == 0, as_jsonl.stderr
    lines = as_jsonl.stdout.splitlines()
    assert len(lines) == 6 and all(line.startswith("{") for line in lines)
    assert [json.loads(line) for line in lines] == json.loads(as_json.stdout)


def test_files_and_directories_mixed_with_gzip(saved, tmp_path):
    directory, gold = saved
    packed = tmp_path / "infodaerah.html.gz"
    packed.write_bytes(gzip.compress((directory / "infodaerah.html").read_bytes()))
    result = kabar_extract(str(packed), str(directory / "palembangkini.html"), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(packed), str(directory / "palembangkini.html")]
    _check(records[0], gold["infodaerah"])
    _check(records[1], gold["palembangkini"])


def test_missing_path_is_a_usage_error_in_one_line(saved, tmp_path):
    directory, _ = saved
    missing = tmp_path / "tidak-ada.html"
    result = kabar_extract(str(directory / "sumselpos.html"), str(missing))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(missing) in lines[0], result.stderr


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_binary_and_empty_files_give_error_records_not_tracebacks(saved, tmp_path, fmt):
    directory, gold = saved
    (tmp_path / "a-kosong.html").write_bytes(b"")
    (tmp_path / "b-spasi.html").write_bytes(b"  \n\t ")
    (tmp_path / "c-gambar.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    (tmp_path / "d-rusak.html.gz").write_bytes(b"\x1f\x8b\x08\x00 bukan gzip")
    (tmp_path / "e-berita.html").write_bytes((directory / "jurnalsilampari.html").read_bytes())
    result = kabar_extract(str(tmp_path), "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    records = json.loads(result.stdout) if fmt == "json" else [json.loads(x) for x in result.stdout.splitlines()]
    assert [Path(r["path"]).name for r in records] == [
        "a-kosong.html",
        "b-spasi.html",
        "c-gambar.html",
        "d-rusak.html.gz",
        "e-berita.html",
    ]
    for record in records[:4]:
        assert FIELDS <= set(record)
        assert record["error"] and record["text"] == "" and record["title"] == ""
    assert records[0]["error"] == records[1]["error"] == "empty file"
    assert "binary" in records[2]["error"]
    _check(records[4], gold["jurnalsilampari"])
