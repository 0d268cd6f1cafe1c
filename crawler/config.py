"""Read and validate ``sources.toml``: the registry of sources and the archive settings.

Lives in ``crawler`` because both the spider (``scrapy crawl news``) and the CLI read it.
The dataclasses are the schema: each key is a field with its default and its reader. Every
mistake a user can make becomes a :class:`ConfigError` whose message names the file and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from storage.location import MIB, WARC_MAX_BYTES, default_database_url

DEFAULT_CONFIG = Path("sources.toml")
DEFAULT_DATA_DIR = Path("data")
NAME_RE = re.compile(r"^[a-z0-9_-]+$")
EVERY_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
EVERY_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class ConfigError(Exception):
    """A configuration the user wrote cannot be used; the message says why."""


# The schema is stated once, by the dataclasses below: a field made with `toml_key` is a key of
# sources.toml with its default and the reader that checks and converts its value; a field made
# with `toml_table` is a TOML table of its own. The allowed keys, the required keys and the order
# of the checks all follow from `dataclasses.fields`.

Reader = Callable[[Any, str, Path], Any]
"""Checks and converts one value: ``(value, where, base)``, where ``where`` names the file, table
and key for messages and ``base`` is the config file's directory (relative paths start there)."""


def toml_key(default: Any = MISSING, *, read: Reader, table: str | None = None, default_factory: Any = MISSING) -> Any:
    """A dataclass field that is a key of sources.toml. ``table`` names the TOML table of a key the
    dataclass holds flat (``[archive] database`` is ``Config.database``). No default: required."""
    metadata = {"read": read, "table": table}
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def toml_table(cls: type) -> Any:
    """A dataclass field that is a whole TOML table, read into ``cls`` (``[crawl]`` is ``Config.crawl``)."""
    return field(default_factory=cls, metadata={"section": cls})


def key_fields(cls: type) -> list[Field[Any]]:
    """The fields of dataclass ``cls`` that are keys of its TOML table, in order."""
    return [f for f in fields(cls) if "read" in f.metadata]


def toml_keys(cls: type) -> set[str]:
    """The keys a TOML table read into ``cls`` may hold."""
    return {f.name for f in key_fields(cls)}


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


def _text(value: Any, where: str, base: Path) -> str:
    return _str(value, where)


def _http_url(value: Any, where: str, base: Path) -> str:
    return _url(value, where)


def _urls(value: Any, where: str, base: Path) -> tuple[str, ...]:
    return tuple(_url(u, where) for u in _list(value, where))


def _database(value: Any, where: str, base: Path) -> str:
    """A relative SQLite path in the file is relative to the file's own directory."""
    url = _str(value, where)
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
        return prefix + str(base / url[len(prefix) :])
    return url


def _directory(value: Any, where: str, base: Path) -> Path:
    return base / _str(value, where)


def _existing_file(value: Any, where: str, base: Path) -> Path:
    path = base / _str(value, where)
    if not path.is_file():
        raise ConfigError(f"{where}: no such file: {path}")
    return path


def _true_or_false(value: Any, where: str, base: Path) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false")
    return value


def _whole_number(what: str) -> Reader:
    """A whole number >= 1; ``what`` says what it counts in the message."""

    def read(value: Any, where: str, base: Path) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{where}: expected {what} >= 1")
        return value

    return read


def _number(accept: Callable[[float], bool], expected: str) -> Reader:
    """A number (read as a float) that ``accept`` takes; ``expected`` says which in the message."""

    def read(value: Any, where: str, base: Path) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not accept(value):
            raise ConfigError(f"{where}: expected {expected}")
        return float(value)

    return read


def _amount(kind: type) -> Reader:
    """A value of ``kind`` (bool, int or float; an int is taken for a float), never negative."""

    def read(value: Any, where: str, base: Path) -> Any:
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{where}: expected {kind.__name__}")
        if kind in (int, float) and isinstance(value, (int, float)) and value < 0:
            raise ConfigError(f"{where}: must not be negative")
        return value

    return read


def _interval(value: Any, where: str, base: Path) -> timedelta:
    try:
        return parse_every(_str(value, where))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _timezone(value: Any, where: str, base: Path) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _str(value, where)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown time zone {name!r}") from None
    return name


def _cron(value: Any, where: str, base: Path) -> str:
    cron = _str(value, where)
    if len(cron.split()) != 5:
        raise ConfigError(f"{where}: expected five fields like '*/30 * * * *'")
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(cron)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return cron


def _regex(value: Any, where: str, base: Path) -> str:
    pattern = _str(value, where)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{where}: invalid regular expression: {exc}") from None
    return pattern


def _base_url(value: Any, where: str, base: Path) -> str:
    return parse_base_url(value, where)


def _schedule(value: Any, where: str, base: Path) -> Schedule:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: expected {{ every = "30m" }} or {{ cron = "*/30 * * * *" }}')
    _check_keys(value, toml_keys(Schedule), where)
    if len(value) != 1:
        raise ConfigError(f"{where}: give exactly one of 'every' or 'cron'")
    return Schedule(**_read_keys(key_fields(Schedule), value, where, base))


@dataclass(frozen=True)
class Schedule:
    """When a source is crawled by the daemon: a fixed interval or a cron expression."""

    every: timedelta | None = toml_key(None, read=_interval)
    cron: str | None = toml_key(None, read=_cron)


@dataclass(frozen=True)
class SourceConfig:
    """One ``[[sources]]`` entry."""

    name: str = toml_key(read=_text)  # checked against NAME_RE too, see _read_source
    url: str = toml_key(read=_http_url)
    feeds: tuple[str, ...] = toml_key((), read=_urls)
    sitemaps: tuple[str, ...] = toml_key((), read=_urls)
    listings: tuple[str, ...] = toml_key((), read=_urls)
    article_pattern: str | None = toml_key(None, read=_regex)  # on the URL path
    region: str | None = toml_key(None, read=_text)
    schedule: Schedule | None = toml_key(None, read=_schedule)

    @property
    def article_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.article_pattern) if self.article_pattern else None


#: Extraction processes per crawl when ``[crawl] extract_workers`` is not set: one per core, at most this.
MAX_DEFAULT_EXTRACT_WORKERS = 4


def default_extract_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_EXTRACT_WORKERS))


def default_daemon_workers() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class CrawlConfig:
    """Politeness and depth; the defaults are polite, the example config lifts them."""

    download_delay: float = toml_key(1.0, read=_amount(float))
    concurrent_requests_per_domain: int = toml_key(2, read=_amount(int))
    autothrottle: bool = toml_key(True, read=_amount(bool))
    listing_depth: int = toml_key(3, read=_amount(int))
    backfill_depth: int = toml_key(200, read=_amount(int))
    # articles younger than revisit_days are revisited for corrections, at most every revisit_hours
    revisit_days: float = toml_key(2.0, read=_amount(float))
    revisit_hours: float = toml_key(24.0, read=_amount(float))  # with conditional GET
    retry_failed: int = toml_key(100, read=_amount(int))  # article URLs whose last fetch failed, retried per run
    # 0: extract in the crawl process
    extract_workers: int = toml_key(read=_amount(int), default_factory=default_extract_workers)


@dataclass(frozen=True)
class DaemonConfig:
    """How ``kabar daemon`` runs crawls: limits, shutdown grace, adaptive polling bounds."""

    crawl_timeout: timedelta = toml_key(timedelta(minutes=30), read=_interval)  # a crawl process is killed after this
    grace: timedelta = toml_key(timedelta(seconds=20), read=_interval)  # on SIGTERM, running crawls get this long
    poll_start: timedelta = toml_key(timedelta(hours=1), read=_interval)  # sources without a schedule start here...
    poll_floor: timedelta = toml_key(timedelta(minutes=10), read=_interval)  # ...and adapt between these bounds
    poll_ceiling: timedelta = toml_key(timedelta(hours=6), read=_interval)
    max_parallel: int = toml_key(8, read=_whole_number("a whole number"))  # Scrapyd jobs at once (cluster)
    # long-lived crawl worker processes (jobs.crawlworkers) and the crawls each runs at once
    workers: int = toml_key(read=_whole_number("a whole number"), default_factory=default_daemon_workers)
    crawls_per_worker: int = toml_key(32, read=_whole_number("a whole number"))
    # a worker is replaced after this many runs, or once its resident memory passes this
    worker_runs: int = toml_key(1000, read=_whole_number("a whole number"))
    worker_memory_mb: int = toml_key(600, read=_whole_number("a whole number of megabytes"))
    timezone: str = toml_key("Asia/Jakarta", read=_timezone)  # cron schedules are read in this zone

    def check(self, where: str) -> None:
        if self.poll_floor > self.poll_ceiling:
            raise ConfigError(f"{where}: poll_floor is longer than poll_ceiling")


@dataclass(frozen=True)
class ClusterConfig:
    """Scrapyd nodes the daemon hands crawls to (empty: crawls run as local processes)."""

    scrapyd: tuple[str, ...] = toml_key((), read=_urls)
    project: str = toml_key("kabar", read=_text)


@dataclass(frozen=True)
class WebConfig:
    """``kabar serve``: the public address its absolute URLs (feeds, API) start with; None
    takes the scheme and Host of each request."""

    base_url: str | None = toml_key(None, read=_base_url)


@dataclass(frozen=True)
class Config:
    """The whole file, with paths resolved; the tables in the order they are checked."""

    path: Path | None
    database: str | None = toml_key(None, read=_database, table="archive")
    data_dir: Path | None = toml_key(None, read=_directory, table="archive")
    warc: bool = toml_key(True, read=_true_or_false, table="archive")  # keep every response in <data_dir>/warc/
    warc_max_mb: int = toml_key(  # a new WARC file is started past this size
        WARC_MAX_BYTES // MIB, read=_whole_number("a whole number of megabytes"), table="archive"
    )
    min_score: float = toml_key(1.0, read=_number(lambda x: x >= 0, "a number >= 0"), table="relevance")
    vocabulary: Path | None = toml_key(None, read=_existing_file, table="relevance")
    crawl: CrawlConfig = toml_table(CrawlConfig)
    daemon: DaemonConfig = toml_table(DaemonConfig)
    cluster: ClusterConfig = toml_table(ClusterConfig)
    web: WebConfig = toml_table(WebConfig)
    story_threshold: float = toml_key(  # MinHash similarity from which two articles are one story
        0.5, read=_number(lambda x: 0 < x <= 1, "a number in (0, 1]"), table="dedup"
    )
    sources: tuple[SourceConfig, ...] = ()  # [[sources]], an array of tables

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"{self._where}: no source named {name!r} (known: {known})")

    @property
    def _where(self) -> str:
        return str(self.path) if self.path else "configuration"


def _config_tables() -> dict[str, list[Field[Any]]]:
    """The TOML tables of a config file, in order, each with the Config fields it fills."""
    tables: dict[str, list[Field[Any]]] = {}
    for f in fields(Config):
        name = f.name if "section" in f.metadata else f.metadata.get("table")
        if name:
            tables.setdefault(name, []).append(f)
    return tables


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
    tables = _config_tables()
    _check_keys(data, set(tables) | {"sources"}, where)
    values: dict[str, Any] = {}
    for name, members in tables.items():
        here = f"{where} [{name}]"
        found = _table(data, name, where)
        if "section" in members[0].metadata:
            values[members[0].name] = _read_section(members[0].metadata["section"], found, here, base)
        else:
            _check_keys(found, {f.name for f in members}, here)
            values.update(_read_keys(members, found, here, base))
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{where}: 'sources' must be an array of tables ([[sources]])")
    sources = tuple(_read_source(entry, f"{where} [[sources]] #{i + 1}", base) for i, entry in enumerate(raw_sources))
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise ConfigError(f"{where}: source name {source.name!r} is used twice")
        seen.add(source.name)
    return Config(path=path, sources=sources, **values)


def _read_keys(members: list[Field[Any]], found: dict[str, Any], where: str, base: Path) -> dict[str, Any]:
    """The values ``found`` (a TOML table) gives for the fields ``members``, each checked and
    converted by its reader, in field order."""
    return {f.name: f.metadata["read"](found[f.name], f"{where} {f.name}", base) for f in members if f.name in found}


def _read_section(cls: type, found: dict[str, Any], where: str, base: Path) -> Any:
    _check_keys(found, toml_keys(cls), where)
    section = cls(**_read_keys(key_fields(cls), found, where, base))
    if hasattr(section, "check"):
        section.check(where)
    return section


def _read_source(entry: Any, where: str, base: Path) -> SourceConfig:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a table")
    _check_keys(entry, toml_keys(SourceConfig), where)
    for f in key_fields(SourceConfig):
        if f.default is MISSING and f.default_factory is MISSING and f.name not in entry:
            raise ConfigError(f"{where}: missing required key {f.name!r}")
    name = _str(entry["name"], f"{where} name")
    where = f"{where} ({name})"
    if not NAME_RE.match(name):
        raise ConfigError(f"{where} name: use only a-z, 0-9, '_' and '-'")
    return SourceConfig(**_read_keys(key_fields(SourceConfig), entry, where, base))


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


def _check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


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
        "KABAR_WARC_MAX_BYTES": config.warc_max_mb * MIB,
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
        raise ConfigError(f"no config file: give --config FILE, set KABAR_CONFIG, or create {DEFAULT_CONFIG}")
    else:
        cfg = Config(path=None)
    chosen_dir = data_dir or env.get("KABAR_DATA_DIR") or cfg.data_dir or DEFAULT_DATA_DIR
    chosen_dir = Path(chosen_dir).resolve()
    database_url = db or env.get("KABAR_DATABASE_URL") or cfg.database or default_database_url(chosen_dir)
    return Paths(config=cfg, database_url=database_url, data_dir=chosen_dir)
