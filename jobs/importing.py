"""``kabar import``: JSON lines into the archive, as ``kabar export`` writes them or as other
tools do (news-please, Fundus and the like).

A line of ``kabar export`` is restored as it was: its relevance fields, tags, story (the
articles that share its ``story_id`` in one import share a story), aliases, takedown, archive
times and WARC pointer. Any other record needs ``url``, ``title``, ``text``, ``published`` and
``source`` (or the other names of :data:`FIELD_NAMES`); its relevance, dimensions and regions
come from the crawl's classifier (:func:`crawler.relevance.tagging.tag`) and its story from
the near duplicates in the archive, as a crawl would give them.

:func:`prepare` reads and prepares one line (pure; run in worker processes by
:func:`crawler.extractpool.ordered_map`); :func:`import_lines` writes the prepared articles in
batches with :meth:`storage.archive.Archive.import_articles`. A bad line is reported and
skipped; a batch the database refuses is written again article by article, so a bad article
fails alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.extractpool import ordered_map
from crawler.urls import canonicalize
from jobs import filters
from storage.fingerprint import text_keys
from storage.textlimit import TRUNCATED_FROM, bound_text

if TYPE_CHECKING:  # the worker processes import this module: SQLAlchemy only where it writes
    from crawler.config import Config
    from storage.archive import Archive, ImportedArticle

logger = logging.getLogger(__name__)

#: Articles written per transaction.
BATCH_SIZE = 500

#: The fields kabar reads and the names other tools give them, first found wins: news-please
#: (``maintext``, ``date_publish``, ``source_domain``, ``authors``, ``image_url``,
#: ``date_download``), Fundus (``plaintext``, ``body``, ``publishing_date``, ``publisher``,
#: ``authors``, ``lang``).
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "url": ("url",),
    "title": ("title",),
    "text": ("text", "maintext", "plaintext", "body"),
    "published": ("published", "date_publish", "publishing_date", "published_at", "date_published"),
    "source": ("source", "source_domain", "publisher"),
    "author": ("author", "authors"),
    "language": ("language", "lang"),
    "image": ("image", "image_url"),
    "fetched_at": ("fetched_at", "date_download"),
}
REQUIRED = ("url", "title", "text", "published", "source")

#: Plain text fields of an article, with the longest value the archive takes (None: any).
TEXT_FIELDS: dict[str, int | None] = {
    "language": 16,
    "site_name": None,
    "description": None,
    "image": None,
    "dateline": None,
    "extractor_version": 50,
}
#: Times of an export record, each read as ``published`` is.
TIME_FIELDS = ("fetched_at", "created_at", "updated_at", "removed_at")
#: The relevance fields of an export record; a record with ``score`` carries them all.
RELEVANCE_FIELDS = ("relevant", "score", "reasons", "dimensions", "regions", "provinces")
MAX_SOURCE_CHARS = 100

_MISSING = object()


class RecordError(ValueError):
    """A line that cannot be imported; the message says why."""


@dataclass(frozen=True)
class Record:
    """One line read: the article's columns (its source by name), the other URLs it is known
    under, its relevance fields when it carries them (else None: computed), and the key of
    the story it shares with the other articles of the import (None: found by similarity)."""

    fields: dict[str, Any]
    source: str
    aliases: tuple[str, ...] = ()
    tags: dict[str, Any] | None = None
    story: Hashable | None = None


def read_record(data: Any) -> Record:
    """The :class:`Record` of one decoded JSON line; RecordError says what is wrong with it."""
    if not isinstance(data, dict):
        raise RecordError(f"not a JSON object but {_json_type(data)}")
    given = {name: _first(data, names) for name, names in FIELD_NAMES.items()}
    missing = [name for name in REQUIRED if given[name] is _MISSING]
    if missing:
        raise RecordError("missing " + "; ".join(_field_names(name) for name in missing))
    text = _string("text", given["text"])
    if not text or not text.strip():
        raise RecordError("text is empty")
    fields: dict[str, Any] = {
        "url": _url("url", given["url"]),
        "title": _string("title", given["title"], optional=True),
        "text": text,
        "published_at": _time("published", given["published"]),
        "author": _author(given["author"]),
    }
    for name, limit in TEXT_FIELDS.items():
        value = given[name] if name in given else data.get(name, _MISSING)
        if value is not _MISSING:
            fields[name] = _string(name, value, optional=True, limit=limit)
    for name in TIME_FIELDS:
        value = given[name] if name in given else data.get(name, _MISSING)
        if value is not _MISSING:
            fields[name] = _time(name, value)
    fields.update(_meta(data.get("meta")), **_warc(data.get("warc")), **_hidden(data.get("hidden")))
    source = _string("source", given["source"])
    if not source or not source.strip() or len(source.strip()) > MAX_SOURCE_CHARS:
        raise RecordError(f"source: give a name of 1 to {MAX_SOURCE_CHARS} characters")
    aliases = _aliases(data.get("aliases"))
    tags = _relevance(data) if "score" in data else None
    if tags is not None:
        fields.update(relevant=tags["relevant"], score=tags["score"], reasons=tags["reasons"])
    else:  # not kabar's: stored under its canonical URL, as a crawl stores a page, the URL as given an alias
        canonical = canonicalize(fields["url"])
        if canonical != fields["url"]:
            fields["url"], aliases = canonical, (fields["url"], *aliases)
    return Record(fields, source.strip(), aliases, tags, _story(data.get("story_id")))


def _first(data: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    return next((data[name] for name in names if name in data), _MISSING)


def _field_names(name: str) -> str:
    others = FIELD_NAMES[name][1:]
    return f"{name} (or {', '.join(others)})" if others else name


def _json_type(value: Any) -> str:
    kinds = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}
    return kinds.get(type(value), "a number")


def _string(name: str, value: Any, *, optional: bool = False, limit: int | None = None) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{name}: expected a string, got {_json_type(value)}")
    if limit is not None and len(value) > limit:
        raise RecordError(f"{name}: longer than {limit} characters")
    return value


def _url(name: str, value: Any) -> str:
    url = _string(name, value) or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RecordError(f"{name}: {url[:80]!r} is not an http(s) URL")
    return url


def _time(name: str, value: Any) -> datetime | None:
    """None, or a date/time as the search filters read one (a time without an offset is in
    the display zone, WIB)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"bad date in {name}: expected a string, got {_json_type(value)}")
    try:
        return filters.parse_since(value)
    except filters.FilterError as exc:
        raise RecordError(f"bad date in {name}: {exc}") from None


def _author(value: Any) -> str | None:
    """One author, or several (news-please and Fundus give a list) joined with commas."""
    if value is _MISSING or value is None:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(v.strip() for v in value if v.strip()) or None
    return _string("author", value)


def _meta(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(f"meta: expected an object, got {_json_type(value)}")
    return {"meta": value}


def _warc(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    ok = isinstance(value, dict) and isinstance(value.get("file"), str)
    numbers = [value.get(k) for k in ("offset", "length")] if ok else []
    if not ok or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
        raise RecordError("warc: expected {file, offset, length}")
    return {"warc_file": value["file"], "warc_offset": numbers[0], "warc_length": numbers[1]}


def _hidden(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not isinstance(value.get("reason"), str) or not value["reason"].strip():
        raise RecordError("hidden: expected {at, reason}")
    at = _time("hidden.at", value.get("at"))
    if at is None:
        raise RecordError("hidden: expected {at, reason}")
    return {"hidden_at": at, "hidden_reason": value["reason"]}


def _aliases(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RecordError(f"aliases: expected a list of URLs, got {_json_type(value)}")
    return tuple(_url("aliases", url) for url in value)


def _story(value: Any) -> Hashable | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise RecordError(f"story_id: expected a number or a string, got {_json_type(value)}")
    return value


def _relevance(data: Mapping[str, Any]) -> dict[str, Any]:
    """The relevance fields an export record carries, as the archive keeps them."""
    relevant, score, reasons = data.get("relevant", True), data.get("score"), data.get("reasons")
    if not isinstance(relevant, bool):
        raise RecordError(f"relevant: expected true or false, got {_json_type(relevant)}")
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        raise RecordError(f"score: expected a number, got {_json_type(score)}")
    if reasons is not None and not isinstance(reasons, list):
        raise RecordError(f"reasons: expected a list, got {_json_type(reasons)}")
    dimensions = data.get("dimensions") or []
    if not isinstance(dimensions, list) or not all(isinstance(d, str) for d in dimensions):
        raise RecordError("dimensions: expected a list of names")
    tags: dict[str, Any] = {"relevant": relevant, "score": score, "reasons": reasons, "dimensions": dimensions}
    for name in ("regions", "provinces"):
        areas = data.get(name) or []
        if not isinstance(areas, list) or not all(
            isinstance(a, dict) and all(isinstance(a.get(k), str) for k in ("code", "name", "type")) for a in areas
        ):
            raise RecordError(f"{name}: expected a list of {{code, name, type}}")
        tags[name] = areas
    return tags


# -- one line, in a worker ----------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of input: where it is (the file, ``-`` for stdin), its number, its bytes."""

    where: str
    number: int
    raw: bytes


@dataclass(frozen=True)
class Prepared:
    """A line made ready for the archive (its record, MinHash and full-text stems), or its
    ``error``; ``size`` is the line's length in bytes (for the progress bar)."""

    where: str
    number: int
    size: int
    record: Record | None = None  # with its text cut, hashed and tagged
    signature: bytes | None = None
    stems: str | None = None
    error: str | None = None


def parse_json(raw: bytes) -> Any:
    """The JSON value of one line; RecordError when it is not UTF-8 JSON."""
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise RecordError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise RecordError(f"not JSON ({exc.msg} at column {exc.colno})") from None


def prepare(task: tuple[Line, Path | None, bool]) -> Prepared:
    """Read one line and compute what the archive needs: the text cut to the archive's limit,
    its hash, MinHash and (``stems``: SQLite) full-text stems, and the relevance tags with
    the vocabulary file ``vocabulary`` (None: the shipped one) unless the record carries
    them. Pure: runs in a worker process."""
    from jobs.classify import tags_of  # the crawl's tag(), as kabar classify calls it

    line, vocabulary, stems = task
    where, number, size = line.where, line.number, len(line.raw)
    try:
        record = read_record(parse_json(line.raw))
    except RecordError as exc:
        return Prepared(where, number, size, error=str(exc))
    fields = dict(record.fields)
    text, truncated_from = bound_text(fields["text"], (fields.get("meta") or {}).get(TRUNCATED_FROM))
    keys = text_keys(fields["title"], text, stems=stems)
    fields.update(text=text, truncated_from=truncated_from, text_hash=keys.text_hash)
    tags = record.tags
    if tags is None:
        from crawler.relevance.tagging import vocabulary_for

        tags = tags_of(fields["title"], text, fields.get("dateline"), vocabulary_for(vocabulary))
    return Prepared(
        where,
        number,
        size,
        record=replace(record, fields=fields, tags=tags),
        signature=keys.signature,
        stems=keys.stems,
    )


# -- the import ------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    """What an import did: articles stored, already there (by URL), kept as aliases of an
    article with the same text, lines that failed, and the sources it created."""

    imported: int = 0
    known: int = 0
    duplicates: int = 0
    failed: int = 0
    sources_added: list[str] = field(default_factory=list)


#: ``report(where, line number, message)``: a line that failed.
Report = Callable[[str, int, str], None]
#: ``progress(bytes read, summary)``: after each line and each batch.
Progress = Callable[[int, ImportSummary], None]


def read_lines(paths: Iterable[str], stdin: IO[bytes]) -> Iterator[Line]:
    """The non-blank lines of each file (``-``: ``stdin``), numbered from 1."""
    for path in paths:
        handle = stdin if path == "-" else open(path, "rb")
        try:
            for number, raw in enumerate(handle, 1):
                if raw.strip():
                    yield Line(path, number, raw)
        finally:
            if handle is not stdin:
                handle.close()


def import_lines(
    archive: Archive,
    lines: Iterable[Line],
    *,
    config: Config,
    workers: int,
    report: Report,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import ``lines`` into ``archive`` (whose writer lock the caller holds): prepared in
    ``workers`` processes (0 or 1: in this one), written ``batch_size`` to a transaction."""
    writer = _Writer(archive, config, report)
    tasks = ((line, config.vocabulary, archive.keeps_stems) for line in lines)
    batch: list[Prepared] = []
    for prepared in ordered_map(prepare, tasks, workers, chunk=32, window=16):
        if prepared.record is None:
            writer.fail(prepared, prepared.error or "")
        else:
            batch.append(prepared)
            if len(batch) >= batch_size:
                writer.write(batch)
                batch = []
        if progress is not None:
            progress(prepared.size, writer.summary)
    if batch:
        writer.write(batch)
        if progress is not None:
            progress(0, writer.summary)
    return writer.summary


class _Writer:
    """Writes batches of prepared lines, creating their sources, counting what happened."""

    def __init__(self, archive: Archive, config: Config, report: Report) -> None:
        self.archive, self.config, self.report = archive, config, report
        self.summary = ImportSummary()
        self.sources = archive.source_ids()
        self.stories: dict[Hashable, int] = {}  # story keys of the import -> stories

    def fail(self, line: Prepared, message: str) -> None:
        self.summary.failed += 1
        self.report(line.where, line.number, message)

    def write(self, batch: list[Prepared]) -> None:
        from sqlalchemy.exc import DataError, IntegrityError

        from storage.archive import IMPORT_DUPLICATE, IMPORT_KNOWN

        articles = [self._article(p) for p in batch]
        try:
            outcomes = self.archive.import_articles(
                articles, stories_by_key=self.stories, threshold=self.config.story_threshold
            )
        except (ValueError, IntegrityError, DataError) as exc:
            if len(batch) == 1:
                self.fail(batch[0], _database_message(exc))
                return
            logger.info("a batch of %d articles failed (%s): writing them one by one", len(batch), exc)
            for one in batch:
                self.write([one])
            return
        for _, what in outcomes:
            if what == IMPORT_KNOWN:
                self.summary.known += 1
            elif what == IMPORT_DUPLICATE:
                self.summary.duplicates += 1
            else:
                self.summary.imported += 1

    def _article(self, prepared: Prepared) -> ImportedArticle:
        """The line's article, its source created when the archive has none of that name."""
        from storage.archive import ImportedArticle
        from storage.tags import score_fields

        record = prepared.record
        assert record is not None and record.tags is not None  # only lines that were read
        name = record.source
        if name not in self.sources:
            self.sources[name] = self.archive.ensure_source(name, self._source_url(name, record.fields["url"]))
            self.summary.sources_added.append(name)
        # verdict columns from the tags, unless the record carries them (an export's)
        fields = {**score_fields(record.tags), **record.fields, "source_id": self.sources[name]}
        return ImportedArticle(
            fields,
            tags=record.tags,
            signature=prepared.signature,
            stems=prepared.stems,
            aliases=record.aliases,
            story=record.story,
        )

    def _source_url(self, name: str, article_url: str) -> str:
        """A new source's URL: its ``sources.toml`` entry's, else the site of its first article."""
        known = next((s.url for s in self.config.sources if s.name == name), None)
        if known:
            return known
        parts = urlsplit(article_url)
        return f"{parts.scheme}://{parts.netloc}/"


def _database_message(exc: Exception) -> str:
    """The first line of what the database (or the write API) said."""
    orig = getattr(exc, "orig", None) or exc
    return f"not stored: {str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__}"
