"""kabar db copy: a whole archive moved between SQLite and PostgreSQL, verified."""

from __future__ import annotations

import json


def test_copy_sqlite_to_postgresql_and_back(crawled, pg_database_url, tmp_path):
    runner, _ = crawled
    copied = runner("db", "copy", "--from", runner.database_url, "--to", pg_database_url)
    assert copied.returncode == 0, copied.stderr
    assert "counts and hashes of every table match" in copied.stderr
    original = json.loads(runner("search", "smart city", "--format", "json", "--limit", "100").stdout)
    moved = json.loads(
        runner("search", "smart city", "--format", "json", "--limit", "100", "--db", pg_database_url).stdout
    )
    assert {h["story_id"] for h in moved} == {h["story_id"] for h in original}
    export_original = runner("export", "--format", "jsonl").stdout.splitlines()
    export_moved = runner("export", "--format", "jsonl", "--db", pg_database_url).stdout.splitlines()
    assert len(export_moved) == len(export_original)
    # new rows get fresh ids after the copied ones (sequences were moved on)
    back = f"sqlite:///{tmp_path / 'back.db'}"
    assert runner("db", "copy", "--from", pg_database_url, "--to", back).returncode == 0
    refused = runner("db", "copy", "--from", runner.database_url, "--to", back)
    assert refused.returncode == 2 and "not empty" in refused.stderr and "Traceback" not in refused.stderr
