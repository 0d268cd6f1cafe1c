"""sources.toml parsing: valid files load, every mistake names its file and key."""

from datetime import timedelta
from pathlib import Path

import pytest

from crawler.config import ConfigError, load_config, parse_every, resolve

VALID = """
[archive]
database = "sqlite:///data/kabar.db"
data_dir = "data"

[relevance]
min_score = 1.5

[crawl]
download_delay = 0
concurrent_requests_per_domain = 8
autothrottle = false

[[sources]]
name = "sumateranews"
url = "https://sumateranews.co.id/"
feeds = ["https://sumateranews.co.id/feed/"]
sitemaps = ["https://sumateranews.co.id/sitemap_index.xml"]
listings = ["https://sumateranews.co.id/category/banyuasin/"]
article_pattern = '/\\d{4}/\\d{2}/[^/]+/?$'
region = "Banyuasin"
schedule = { every = "30m" }

[[sources]]
name = "infopublik-sumsel"
url = "https://infopublik.id/"
schedule = { cron = "*/30 * * * *" }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_config_loads_with_paths_relative_to_the_file(tmp_path):
    config = load_config(write(tmp_path, VALID))
    assert config.database == f"sqlite:///{tmp_path.resolve()}/data/kabar.db"
    assert config.data_dir == tmp_path.resolve() / "data"
    assert config.min_score == 1.5
    assert config.crawl.download_delay == 0.0 and not config.crawl.autothrottle
    first, second = config.sources
    assert first.feeds == ("https://sumateranews.co.id/feed/",)
    assert first.schedule.every == timedelta(minutes=30)
    assert first.article_regex.search("/2019/06/diskominfo-gelar-rapat/")
    assert second.schedule.cron == "*/30 * * * *"
    assert config.source("infopublik-sumsel") is second


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[sources]]\nname='a'\nurl='https://a.id/'\ncolour='red'\n", "unknown key 'colour'"),
        ("[archive]\ndatabse='x'\n", "unknown key 'databse'"),
        ("[[sources]]\nname='a'\n", "missing required key 'url'"),
        ("[[sources]]\nname='Bad Name'\nurl='https://a.id/'\n", "name: use only"),
        ("[[sources]]\nname='a'\nurl='ftp://a.id/'\n", "is not an http(s) URL"),
        ("[[sources]]\nname='a'\nurl='https://a.id/'\narticle_pattern='(['\n", "invalid regular expression"),
        ("[[sources]]\nname='a'\nurl='https://a.id/'\nschedule={every='often'}\n", "every"),
        ("[[sources]]\nname='a'\nurl='https://a.id/'\nschedule={cron='* *'}\n", "five fields"),
        ("[[sources]]\nname='a'\nurl='https://a.id/'\n[[sources]]\nname='a'\nurl='https://b.id/'\n", "used twice"),
        ("[relevance]\nmin_score=-1\n", "min_score"),
        ("[crawl]\nlisting_depth='deep'\n", "listing_depth"),
        ("sources = 'x'\n", "array of tables"),
        ("this is not toml", "invalid TOML"),
        ("[web]\nbase_ulr='https://kabar.example.id/'\n", "[web]: unknown key 'base_ulr'"),
        ("[web]\nbase_url='kabar.example.id'\n", "[web] base_url: 'kabar.example.id' is not an http(s) URL"),
        ("[web]\nbase_url='javascript:alert(1)'\n", "is not an http(s) URL"),
        ("[web]\nbase_url='https://kabar.example.id/?a=1'\n", "no user, query, fragment"),
        ("[web]\nbase_url='https://kabar.example.id:99999/'\n", "[web] base_url"),
        ("[web]\nbase_url=''\n", "[web] base_url"),
    ],
)
def test_mistakes_are_named(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_web_base_url_is_an_http_url_ending_in_a_slash(tmp_path):
    assert load_config(write(tmp_path, VALID)).web.base_url is None
    config = load_config(write(tmp_path, "[web]\nbase_url = 'https://kabar.example.id'\n"))
    assert config.web.base_url == "https://kabar.example.id/"
    behind = load_config(write(tmp_path, "[web]\nbase_url = 'http://arsip.example.id:8443/kabar'\n"))
    assert behind.web.base_url == "http://arsip.example.id:8443/kabar/"


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_unknown_source_lists_known_ones(tmp_path):
    config = load_config(write(tmp_path, VALID))
    with pytest.raises(ConfigError, match="known: sumateranews, infopublik-sumsel"):
        config.source("tribun")


def test_parse_every():
    assert parse_every("45s") == timedelta(seconds=45)
    assert parse_every("2h") == timedelta(hours=2)
    assert parse_every("1d") == timedelta(days=1)
    for bad in ("0m", "5y", "m", ""):
        with pytest.raises(ValueError):
            parse_every(bad)


def test_precedence_flag_beats_environment_beats_file_beats_default(tmp_path, monkeypatch):
    path = write(tmp_path, VALID)
    monkeypatch.chdir(tmp_path)
    from_file = resolve(config=path, env={})
    assert from_file.database_url == f"sqlite:///{tmp_path.resolve()}/data/kabar.db"
    from_env = resolve(env={"KABAR_CONFIG": str(path), "KABAR_DATABASE_URL": "sqlite:////tmp/env.db"})
    assert from_env.database_url == "sqlite:////tmp/env.db"
    from_flag = resolve(db="sqlite:////tmp/flag.db", config=path, env={"KABAR_DATABASE_URL": "sqlite:////tmp/env.db"})
    assert from_flag.database_url == "sqlite:////tmp/flag.db"
    (tmp_path / "sources.toml").unlink()
    default = resolve(env={}, require_config=False)
    assert default.database_url == f"sqlite:///{tmp_path.resolve()}/data/kabar.db"
    assert default.data_dir == tmp_path.resolve() / "data"
    with pytest.raises(ConfigError, match="no config file"):
        resolve(env={})


def _toml_block(doc: str, after: str) -> dict:
    """The first ```toml block of ``doc`` (a path under the repository) after the text ``after``."""
    import tomllib

    text = (Path(__file__).resolve().parent.parent / doc).read_text(encoding="utf-8")
    block = text[text.index(after) :].split("```toml\n", 1)[1].split("```", 1)[0]
    return tomllib.loads(block)


def test_the_documented_keys_and_defaults_are_the_schema(tmp_path):
    from dataclasses import fields

    from crawler.config import Config, CrawlConfig, DaemonConfig, parse_config, toml_keys

    readme = _toml_block("README.md", "## sources.toml")
    readme["relevance"].pop("vocabulary")  # names a file of the reader's
    config = parse_config(readme, path=tmp_path / "sources.toml")  # every documented key is accepted
    documented = {name: set(value) for name, value in readme.items() if name != "sources"}
    assert set(documented["crawl"]) == toml_keys(CrawlConfig)
    assert {f.name for f in fields(Config) if f.metadata.get("table") == "archive"} == documented["archive"]
    # "these are the defaults"
    defaults = Config(path=None)
    assert (config.warc_max_mb, config.story_threshold) == (defaults.warc_max_mb, defaults.story_threshold)
    assert all(
        getattr(config.crawl, name) == getattr(CrawlConfig(), name)
        for name in documented["crawl"] - {"extract_workers"}
    )
    daemon = _toml_block("docs/operations.md", "## The daemon")  # "all optional; these are the defaults"
    assert set(daemon["daemon"]) == toml_keys(DaemonConfig)
    assert parse_config(daemon).daemon == DaemonConfig()
