"""Read and validate ``sources.toml``: the registry of sources and the archive settings.

Lives in ``crawler`` because both the spider (``scrapy crawl news``) and the CLI read it.
Every mistake a user can make becomes a :class:`ConfigError` whose message names the file
and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from storage.location import default_database_url

DEFAULT_CONFIG = Path("sources.toml")
DEFAULT_DATA_DIR = Path("data")
NAME_RE = re.compile(r"^[a-z0-9_-]+$")
EVERY_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
EVERY_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

ARCHIVE_KEYS = {"database", "data_dir", "warc", "warc_max_mb"}
RELEVANCE_KEYS = {"min_score", "vocabulary"}
CRAWL_KEYS = {
    "download_delay",
    "concurrent_requests_per_domain",
    "autothrottle",
    "listing_depth",
    "backfill_depth",
    "revisit_days",
    "revisit_hours",
    "retry_failed",
    "extract_workers",
}
SOURCE_KEYS = {
    "name",
    "url",
    "feeds",
    "sitemaps",
    "listings",
    "article_pattern",
    "region",
    "schedule",
}
DEDUP_KEYS = {"story_threshold"}
DAEMON_DURATIONS = {"crawl_timeout", "grace", "poll_start", "poll_floor", "poll_ceiling"}
DAEMON_KEYS = DAEMON_DURATIONS | {"max_parallel", "timezone"}
CLUSTER_KEYS = {"scrapyd", "project"}
WEB_KEYS = {"base_url"}
TOP_KEYS = {"archive", "relevance", "crawl", "dedup", "daemon", "cluster", "web", "sources"}


class ConfigError(Exception):
    """A configuration the user wrote cannot be used; the message says why."""


@dataclass(frozen=True)
class Schedule:
    """When a source is crawled by the daemon: a fixed interval or a cron expression."""

    every: timedelta | None = None
    cron: str | None = None


@dataclass(frozen=True)
class SourceConfig:
    """One ``[[sources]]`` entry."""

    name: str
    url: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    article_pattern: str | None = None
    region: str | None = None
    schedule: Schedule | None = None

    @property
    def article_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.article_pattern) if self.article_pattern else None


#: Extraction processes per crawl when ``[crawl] extract_workers`` is not set: one per core, at most this.
MAX_DEFAULT_EXTRACT_WORKERS = 4


def default_extract_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_EXTRACT_WORKERS))


@dataclass(frozen=True)
class CrawlConfig:
    """Politeness and depth; the defaults are polite, the example config lifts them."""

    download_delay: float = 1.0
    concurrent_requests_per_domain: int = 2
    autothrottle: bool = True
    listing_depth: int = 3
    backfill_depth: int = 200
    revisit_days: float = 2.0  # articles younger than this are revisited for corrections...
    revisit_hours: float = 24.0  # ...at most this often, with conditional GET
    retry_failed: int = 100  # article URLs whose last fetch failed, retried per run
    extract_workers: int = field(default_factory=default_extract_workers)  # 0: extract in the crawl process


@dataclass(frozen=True)
class DaemonConfig:
    """How ``kabar daemon`` runs crawls: limits, shutdown grace, adaptive polling bounds."""

    crawl_timeout: timedelta = timedelta(minutes=30)  # a crawl process is killed after this
    grace: timedelta = timedelta(seconds=20)  # on SIGTERM, running crawls get this long
    poll_start: timedelta = timedelta(hours=1)  # sources without a schedule start here...
    poll_floor: timedelta = timedelta(minutes=10)  # ...and adapt between these bounds
    poll_ceiling: timedelta = timedelta(hours=6)
    max_parallel: int = 8  # crawls running at once
    timezone: str = "Asia/Jakarta"  # cron schedules are read in this zone


@dataclass(frozen=True)
class ClusterConfig:
    """Scrapyd nodes the daemon hands crawls to (empty: crawls run as local processes)."""

    scrapyd: tuple[str, ...] = ()
    project: str = "kabar"


@dataclass(frozen=True)
class WebConfig:
    """``kabar serve``: the public address its absolute URLs (feeds, API) start with; None
    takes the scheme and Host of each request."""

    base_url: str | None = None


@dataclass(frozen=True)
class Config:
    """The whole file, with paths resolved."""

    path: Path | None
    database: str | None = None
    data_dir: Path | None = None
    warc: bool = True  # keep every response in WARC files under <data_dir>/warc/
    warc_max_mb: int = 1024  # a new WARC file is started past this size
    min_score: float = 1.0
    vocabulary: Path | None = None
    story_threshold: float = 0.5  # MinHash similarity from which two articles are one story
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    daemon: DaemonConfig = field(default_factory=DaemonConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    web: WebConfig = field(default_factory=WebConfig)
    sources: tuple[SourceConfig, ...] = ()

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"{self._where}: no source named {name!r} (known: {known})")

    @property
    def _where(self) -> str:
        return str(self.path) if self.path else "configuration"


def load_config(path: Path | str) -> Config:
    """Parse and validate a ``sources.toml``; raise :class:`ConfigError` on any mistake."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_config(data, path=path.absolute())


def parse_config(data: dict[str, Any], path: Path | None = None) -> Config:
    """Validate an already parsed TOML document."""
    where = str(path) if path else "configuration"
    base = path.parent.resolve() if path else Path.cwd()
    _check_keys(data, TOP_KEYS, where)

    archive = _table(data, "archive", where)
    _check_keys(archive, ARCHIVE_KEYS, f"{where} [archive]")
    database = archive.get("database")
    if database is not None:
        database = _resolve_sqlite(_str(database, f"{where} [archive] database"), base)
    data_dir = archive.get("data_dir")
    if data_dir is not None:
        data_dir = base / _str(data_dir, f"{where} [archive] data_dir")
    warc = archive.get("warc", True)
    if not isinstance(warc, bool):
        raise ConfigError(f"{where} [archive] warc: expected true or false")
    warc_max_mb = archive.get("warc_max_mb", 1024)
    if isinstance(warc_max_mb, bool) or not isinstance(warc_max_mb, int) or warc_max_mb < 1:
        raise ConfigError(f"{where} [archive] warc_max_mb: expected a whole number of megabytes >= 1")

    relevance = _table(data, "relevance", where)
    _check_keys(relevance, RELEVANCE_KEYS, f"{where} [relevance]")
    min_score = relevance.get("min_score", 1.0)
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float)) or min_score < 0:
        raise ConfigError(f"{where} [relevance] min_score: expected a number >= 0")
    vocabulary = relevance.get("vocabulary")
    if vocabulary is not None:
        vocabulary = base / _str(vocabulary, f"{where} [relevance] vocabulary")
        if not vocabulary.is_file():
            raise ConfigError(f"{where} [relevance] vocabulary: no such file: {vocabulary}")

    crawl = _parse_crawl(_table(data, "crawl", where), f"{where} [crawl]")
    daemon = _parse_daemon(_table(data, "daemon", where), f"{where} [daemon]")
    cluster_table = _table(data, "cluster", where)
    _check_keys(cluster_table, CLUSTER_KEYS, f"{where} [cluster]")
    cluster = ClusterConfig(
        scrapyd=tuple(_url(u, f"{where} [cluster] scrapyd") for u in _list(cluster_table.get("scrapyd", []), f"{where} [cluster] scrapyd")),
        project=_str(cluster_table.get("project", "kabar"), f"{where} [cluster] project"),
    )
    web_table = _table(data, "web", where)
    _check_keys(web_table, WEB_KEYS, f"{where} [web]")
    base_url = web_table.get("base_url")
    web = WebConfig(base_url=None if base_url is None else parse_base_url(base_url, f"{where} [web] base_url"))
    dedup = _table(data, "dedup", where)
    _check_keys(dedup, DEDUP_KEYS, f"{where} [dedup]")
    threshold = dedup.get("story_threshold", 0.5)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ConfigError(f"{where} [dedup] story_threshold: expected a number in (0, 1]")

    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{where}: 'sources' must be an array of tables ([[sources]])")
    sources = tuple(
        _parse_source(entry, f"{where} [[sources]] #{i + 1}") for i, entry in enumerate(raw_sources)
    )
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise ConfigError(f"{where}: source name {source.name!r} is used twice")
        seen.add(source.name)
    return Config(
        path=path,
        database=database,
        data_dir=data_dir,
        warc=warc,
        warc_max_mb=warc_max_mb,
        min_score=float(min_score),
        vocabulary=vocabulary,
        story_threshold=float(threshold),
        crawl=crawl,
        daemon=daemon,
        cluster=cluster,
        web=web,
        sources=sources,
    )


def parse_every(text: str) -> timedelta:
    """``"30m"`` -> 30 minutes; units s, m, h, d."""
    match = EVERY_RE.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not an interval like '30m', '2h' or '1d'")
    return timedelta(**{EVERY_UNITS[match.group(2)]: int(match.group(1))})


def parse_base_url(value: Any, where: str) -> str:
    """An absolute http(s) URL without credentials, query or fragment, returned ending in "/"
    (a path, if any, is where a reverse proxy serves kabar under)."""
    url = _str(value, where)
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:
        raise ConfigError(f"{where}: {url!r} is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not port_ok:
        raise ConfigError(f"{where}: {url!r} is not an http(s) URL like 'https://kabar.example.id/'")
    if "@" in parts.netloc or parts.query or parts.fragment or re.search(r"[\s?#]", url):
        raise ConfigError(f"{where}: {url!r}: a base URL has no user, query, fragment or spaces")
    return url if url.endswith("/") else url + "/"


def _parse_crawl(table: dict[str, Any], where: str) -> CrawlConfig:
    _check_keys(table, CRAWL_KEYS, where)
    defaults = CrawlConfig()
    values: dict[str, Any] = {}
    for key in CRAWL_KEYS & table.keys():
        value = table[key]
        expected = type(getattr(defaults, key))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{where} {key}: expected {expected.__name__}")
        if expected in (int, float) and value < 0:
            raise ConfigError(f"{where} {key}: must not be negative")
        values[key] = value
    return CrawlConfig(**values)


def _parse_daemon(table: dict[str, Any], where: str) -> DaemonConfig:
    _check_keys(table, DAEMON_KEYS, where)
    values: dict[str, Any] = {}
    for key in DAEMON_DURATIONS & table.keys():
        try:
            values[key] = parse_every(_str(table[key], f"{where} {key}"))
        except ValueError as exc:
            raise ConfigError(f"{where} {key}: {exc}") from None
    if "max_parallel" in table:
        value = table["max_parallel"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{where} max_parallel: expected a whole number >= 1")
        values["max_parallel"] = value
    if "timezone" in table:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        name = _str(table["timezone"], f"{where} timezone")
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{where} timezone: unknown time zone {name!r}") from None
        values["timezone"] = name
    daemon = DaemonConfig(**values)
    if daemon.poll_floor > daemon.poll_ceiling:
        raise ConfigError(f"{where}: poll_floor is longer than poll_ceiling")
    return daemon


def _parse_source(entry: Any, where: str) -> SourceConfig:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a table")
    _check_keys(entry, SOURCE_KEYS, where)
    for key in ("name", "url"):
        if key not in entry:
            raise ConfigError(f"{where}: missing required key {key!r}")
    name = _str(entry["name"], f"{where} name")
    where = f"{where} ({name})"
    if not NAME_RE.match(name):
        raise ConfigError(f"{where} name: use only a-z, 0-9, '_' and '-'")
    url = _url(entry["url"], f"{where} url")
    lists = {
        key: tuple(_url(u, f"{where} {key}") for u in _list(entry.get(key, []), f"{where} {key}"))
        for key in ("feeds", "sitemaps", "listings")
    }
    pattern = entry.get("article_pattern")
    if pattern is not None:
        pattern = _str(pattern, f"{where} article_pattern")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where} article_pattern: invalid regular expression: {exc}") from None
    region = entry.get("region")
    if region is not None:
        region = _str(region, f"{where} region")
    schedule = _parse_schedule(entry["schedule"], f"{where} schedule") if "schedule" in entry else None
    return SourceConfig(
        name=name,
        url=url,
        article_pattern=pattern,
        region=region,
        schedule=schedule,
        **lists,
    )


def _parse_schedule(value: Any, where: str) -> Schedule:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected {{ every = \"30m\" }} or {{ cron = \"*/30 * * * *\" }}")
    _check_keys(value, {"every", "cron"}, where)
    if len(value) != 1:
        raise ConfigError(f"{where}: give exactly one of 'every' or 'cron'")
    if "every" in value:
        try:
            return Schedule(every=parse_every(_str(value["every"], f"{where} every")))
        except ValueError as exc:
            raise ConfigError(f"{where} every: {exc}") from None
    cron = _str(value["cron"], f"{where} cron")
    if len(cron.split()) != 5:
        raise ConfigError(f"{where} cron: expected five fields like '*/30 * * * *'")
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(cron)
    except ValueError as exc:
        raise ConfigError(f"{where} cron: {exc}") from None
    return Schedule(cron=cron)


def _resolve_sqlite(url: str, base: Path) -> str:
    """Make a relative SQLite path in the file relative to the file's own directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
        return prefix + str(base / url[len(prefix):])
    return url


def _check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: expected a non-empty string")
    return value.strip()


def _list(value: Any, where: str) -> list[Any]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of URLs")
    return value


def _url(value: Any, where: str) -> str:
    url = _str(value, where)
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(f"{where}: {url!r} is not an http(s) URL")
    return url


def scrapy_settings(config: Config) -> dict[str, Any]:
    """The Scrapy settings the config decides (politeness, WARC), whoever starts the spider:
    ``kabar crawl``, ``scrapy crawl news`` or a Scrapyd node."""
    crawl = config.crawl
    return {
        "DOWNLOAD_DELAY": crawl.download_delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_requests_per_domain,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "KABAR_EXTRACT_WORKERS": crawl.extract_workers,
        "KABAR_WARC_ENABLED": config.warc,
        "KABAR_WARC_MAX_BYTES": config.warc_max_mb * 1024 * 1024,
    }


@dataclass(frozen=True)
class Paths:
    """Where the archive lives, after flags, environment, file and defaults are weighed."""

    config: Config
    database_url: str
    data_dir: Path


def resolve(
    *,
    db: str | None = None,
    config: str | Path | None = None,
    data_dir: str | Path | None = None,
    env: dict[str, str] | None = None,
    require_config: bool = True,
) -> Paths:
    """Apply the precedence flag > environment > file > default for database, config, data dir."""
    env = dict(os.environ) if env is None else env
    config_path = config or env.get("KABAR_CONFIG") or None
    if config_path is None and DEFAULT_CONFIG.exists():
        config_path = DEFAULT_CONFIG
    if config_path is not None:
        cfg = load_config(config_path)
    elif require_config:
        raise ConfigError(
            f"no config file: give --config FILE, set KABAR_CONFIG, or create {DEFAULT_CONFIG}"
        )
    else:
        cfg = Config(path=None)
    chosen_dir = data_dir or env.get("KABAR_DATA_DIR") or cfg.data_dir or DEFAULT_DATA_DIR
    chosen_dir = Path(chosen_dir).resolve()
    database_url = db or env.get("KABAR_DATABASE_URL") or cfg.database or default_database_url(chosen_dir)
    return Paths(config=cfg, database_url=database_url, data_dir=chosen_dir)
