"""Response shapes of the JSON API, for the OpenAPI schema (datetimes are ISO 8601 with the
+07:00 offset of WIB; field names are the CLI's, DESIGN.md "Contracts")."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Area(BaseModel):
    code: str
    name: str
    type: str


class Hit(BaseModel):
    id: int
    url: str
    title: str | None
    published: str | None
    source: str
    snippet: str  # matched words as [word]
    story_id: int | None
    also_in: list[str]
    dimensions: list[str]
    regions: list[Area]
    provinces: list[Area]


class SearchOut(BaseModel):
    query: dict[str, Any]
    total: int  # stories
    page: int
    per_page: int
    pages: int
    results: list[Hit]


class StoryArticle(BaseModel):
    id: int
    url: str
    title: str | None
    source: str
    published: str | None
    aliases: list[str]


class StoryOut(BaseModel):
    id: int
    articles: list[StoryArticle]


class Warc(BaseModel):
    file: str
    offset: int
    length: int


class ArticleOut(BaseModel):
    id: int
    url: str
    title: str | None
    author: str | None
    published: str | None
    source: str
    language: str | None
    text: str | None
    story_id: int | None
    aliases: list[str]
    warc: Warc | None
    relevant: bool
    score: float | None
    reasons: list[dict[str, Any]] | None
    dimensions: list[str]
    regions: list[Area]
    provinces: list[Area]
    story: StoryOut | None
    original: str | None  # the sandboxed archived original on this server


class CountsOut(BaseModel):
    """The matches of a search by one key, as ``kabar count --format json`` gives them."""

    query: str
    by: str
    total: int  # stories, or articles with all_copies
    counts: dict[str, int]  # periods in time order, facet values largest first
    undated: int | None = None  # periods only: matches without a publication date
    all: dict[str, int] | None = None  # share only: every match without the query, per period
    share: dict[str, float] | None = None  # share only: counts / all, per period
