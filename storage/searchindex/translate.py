"""A search request as a tantivy query: the query language's tree (storage.querylang) over the
stemmed text, and every filter of SearchRequest, with the meaning storage.query gives them.

Filters score nothing (a constant 0 is added), so a hit's score is its text rank alone, the
same whatever the filters: BM25 over title and body, plus a title match weighted TITLE_BOOST.
"""

from __future__ import annotations

import tantivy

from storage.query import AREA_PREFIX
from storage.querylang import Node, Or, Term
from storage.request import SearchRequest
from storage.searchindex.schema import (
    AREA,
    DIMENSION,
    HIDDEN,
    PUBLISHED,
    RELEVANT,
    SCORE,
    SOURCE,
    TEXT,
    TITLE,
    area_key,
    micros,
)
from storage.textnorm import stem_word

#: How much more a match in the title weighs than one in the body.
TITLE_BOOST = 2.0

Occur = tantivy.Occur


def request_query(schema: tantivy.Schema, node: Node | None, req: SearchRequest) -> tantivy.Query:
    """What matches ``req``: its text query (every article without one) and its filters."""
    clauses = [(Occur.Must, text_query(schema, node) if node is not None else tantivy.Query.all_query())]
    filters = filter_queries(schema, req)
    if filters:
        clauses.append((Occur.Must, unscored(tantivy.Query.boolean_query([(Occur.Must, f) for f in filters]))))
    return tantivy.Query.boolean_query(clauses)


def unscored(query: tantivy.Query) -> tantivy.Query:
    """``query`` as a condition that adds nothing to the score."""
    return tantivy.Query.const_score_query(query, 0.0)


def narrowed(query: tantivy.Query, *conditions: tantivy.Query) -> tantivy.Query:
    """``query`` restricted by ``conditions``, its scores unchanged."""
    return tantivy.Query.boolean_query([(Occur.Must, query), *((Occur.Must, unscored(c)) for c in conditions)])


def text_query(schema: tantivy.Schema, node: Node, *, scored: bool = True) -> tantivy.Query:
    """The query of a query-language tree; a term matches title and body together (a phrase
    may run from the title into the body, as in SQL) and, scored, ranks higher in the title."""
    if isinstance(node, Term):
        stems = [stem_word(word) or word for word in node.words]
        match = _match(schema, TEXT, stems)
        if not scored:
            return match
        title = tantivy.Query.boost_query(_match(schema, TITLE, stems), TITLE_BOOST)
        return tantivy.Query.boolean_query([(Occur.Must, match), (Occur.Should, title)])
    if isinstance(node, Or):
        items = [(Occur.Should, text_query(schema, item, scored=scored)) for item in node.items]
        return tantivy.Query.boolean_query(items)
    clauses = [(Occur.Must, text_query(schema, item, scored=scored)) for item in node.include]
    clauses += [(Occur.MustNot, text_query(schema, item, scored=False)) for item in node.exclude]
    return tantivy.Query.boolean_query(clauses)


def _match(schema: tantivy.Schema, field: str, stems: list[str]) -> tantivy.Query:
    if len(stems) == 1:
        return tantivy.Query.term_query(schema, field, stems[0])
    words: list[str | tuple[int, str]] = list(stems)
    return tantivy.Query.phrase_query(schema, field, words)


def filter_queries(schema: tantivy.Schema, req: SearchRequest) -> list[tantivy.Query]:
    """One condition per filter of ``req`` (storage.query._filtered): sources by name, the
    publication window (undated articles drop out), relevance, minimum score, regions and
    provinces by code or name, dimensions, and hidden articles left out."""
    found = []
    if req.sources:
        found.append(tantivy.Query.term_set_query(schema, SOURCE, list(req.sources)))
    if req.since is not None or req.until is not None:
        found.append(
            tantivy.Query.range_query(
                schema,
                PUBLISHED,
                tantivy.FieldType.Integer,
                micros(req.since) if req.since is not None else None,
                micros(req.until) if req.until is not None else None,
                include_upper=req.until is None,  # tantivy: an unbounded side is inclusive
            )
        )
    if req.relevant_only:
        found.append(tantivy.Query.term_query(schema, RELEVANT, 1))
    if req.min_score is not None:
        found.append(tantivy.Query.range_query(schema, SCORE, tantivy.FieldType.Float, float(req.min_score), None))
    for values, province in ((req.regions, False), (req.provinces, True)):
        if values:
            found.append(tantivy.Query.term_set_query(schema, AREA, area_keys(values, province=province)))
    if req.dimensions:
        wanted = [d.strip().lower().removeprefix("smart ") for d in req.dimensions]
        found.append(tantivy.Query.term_set_query(schema, DIMENSION, wanted))
    if not req.include_hidden:
        found.append(tantivy.Query.term_query(schema, HIDDEN, 0))
    return found


def area_keys(values: list[str], *, province: bool) -> list[str]:
    """The AREA terms of region (or province) filter values, read as storage.query.area_filter
    reads them: a BPS code, or a name in any case with or without its Kabupaten/Kota prefix."""
    keys = []
    for value in values:
        value = value.strip()
        if value.replace(".", "").isdigit():
            keys.append(area_key(value, province=province, code=True))
        else:
            keys.append(area_key(AREA_PREFIX.sub("", value).lower(), province=province, code=False))
    return keys
