"""The environment variables a crawl honours (crawler/environment.py), whoever starts it."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from scrapy.addons import AddonManager
from scrapy.settings import Settings

from tests.support.runner import make_runner, scrapy_crawl


def _settings(**cmdline: object) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(cmdline, priority="cmdline")
    AddonManager.load_pre_crawler_settings(settings)  # what every CrawlerProcess does first
    return settings


def test_variables_override_the_settings_module_and_a_command_line_setting_beats_them(monkeypatch):
    monkeypatch.setenv("KABAR_DOWNLOAD_TIMEOUT", "2.5")
    monkeypatch.setenv("KABAR_RETRY_BACKOFF", "")  # empty: the default stays
    monkeypatch.setenv("KABAR_RETRY_MAX_DELAY", "5")
    settings = _settings(KABAR_RETRY_MAX_DELAY=7)
    assert settings.getfloat("DOWNLOAD_TIMEOUT") == 2.5
    assert settings.getfloat("KABAR_RETRY_BACKOFF") == 1.0
    assert settings.getfloat("KABAR_RETRY_MAX_DELAY") == 7


def test_scrapy_crawl_from_the_repo_root_honours_the_download_timeout(tmp_path: Path, silent_server: str):
    config = tmp_path / "sources.toml"
    config.write_text(f'[[sources]]\nname = "diam"\nurl = "{silent_server}"\n')
    # With the default timeout (30 s a request, robots.txt and the page each tried three times)
    # this crawl would take minutes.
    result = scrapy_crawl(tmp_path, config, "diam", env={"KABAR_DOWNLOAD_TIMEOUT": "1", "KABAR_RETRY_BACKOFF": "0.1"})
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(tmp_path / "k.db") as con:
        started, finished, errors = con.execute("select started_at, finished_at, errors from crawl_runs").fetchone()
    assert errors >= 1
    assert (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds() < 20


def test_a_variable_that_is_not_a_number_is_one_clear_line(tmp_path: Path, silent_server: str):
    config = tmp_path / "sources.toml"
    config.write_text(f'[[sources]]\nname = "diam"\nurl = "{silent_server}"\n')
    kabar = make_runner(tmp_path, f"sqlite:///{tmp_path / 'k.db'}", config)
    result = kabar("crawl", env={"KABAR_RETRY_BACKOFF": "soon"}, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "kabar: error: KABAR_RETRY_BACKOFF: expected a number of seconds, not 'soon'"
    )
    assert "Traceback" not in result.stderr
