"""The fields of the search index and the document of one article (pure: no I/O).

Text is indexed as Indonesian stems (storage.textnorm, what SQLite's FTS column holds), split
on spaces, with positions for phrases: ``text`` is the title and the body together (what a
query matches, as in SQL), ``title`` the title alone (a match there adds to the rank).
Publication times are UTC microseconds, absent for undated articles (``dated`` 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import tantivy

#: Bumped when the fields change: an index of another version is built again.
VERSION = 1

ID = "id"
TITLE = "title"
TEXT = "text"
STORY = "story"  # the story id, or -id for an article without a story (storage.query.group_key)
MULTI = "multi"  # 1 when the story has more than one article (hidden ones too)
PUBLISHED = "published"
DATED = "dated"
SOURCE = "source"  # the source's name
REGION = "region"  # names of kabupaten/kota
PROVINCE = "province"  # names of provinces
AREA = "area"  # codes and lower-case names, for the filters: AreaKey
DIMENSION = "dimension"
RELEVANT = "relevant"
SCORE = "score"
HIDDEN = "hidden"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field(ID, indexed=True, fast=True)
    for name in (TITLE, TEXT):
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    for name in (STORY, MULTI, PUBLISHED, DATED, RELEVANT, HIDDEN):
        builder.add_integer_field(name, indexed=True, fast=True)
    builder.add_float_field(SCORE, indexed=True, fast=True)
    for name in (SOURCE, REGION, PROVINCE, DIMENSION):
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(AREA, tokenizer_name="raw", index_option="basic")
    return builder.build()


def micros(when: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact, no float)."""
    delta = when - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def area_key(value: str, *, province: bool, code: bool) -> str:
    """The AREA term of a region or province code or (lower-case) name."""
    return f"{'p' if province else 'r'}:{'c' if code else 'n'}:{value}"


@dataclass
class Row:
    """What the index holds of one article, as read from the archive."""

    id: int
    title_stems: str
    stems: str  # title and text
    story: int
    multi: bool
    published: datetime | None
    source: str
    relevant: bool
    score: float | None
    hidden: bool
    regions: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, type)
    dimensions: list[str] = field(default_factory=list)


def document(row: Row) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_integer(ID, row.id)
    doc.add_text(TITLE, row.title_stems)
    doc.add_text(TEXT, row.stems)
    doc.add_integer(STORY, row.story)
    doc.add_integer(MULTI, int(row.multi))
    doc.add_integer(DATED, int(row.published is not None))
    if row.published is not None:
        doc.add_integer(PUBLISHED, micros(row.published))
    doc.add_text(SOURCE, row.source)
    doc.add_integer(RELEVANT, int(row.relevant))
    if row.score is not None:
        doc.add_float(SCORE, float(row.score))
    doc.add_integer(HIDDEN, int(row.hidden))
    for name in _unique(name for _, name, kind in row.regions if kind != "provinsi"):
        doc.add_text(REGION, name)
    for name in _unique(name for _, name, kind in row.regions if kind == "provinsi"):
        doc.add_text(PROVINCE, name)
    for code, name, kind in row.regions:
        province = kind == "provinsi"
        doc.add_text(AREA, area_key(code, province=province, code=True))
        doc.add_text(AREA, area_key(name.lower(), province=province, code=False))
    for dimension in _unique(row.dimensions):
        doc.add_text(DIMENSION, dimension)
    return doc


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
