"""Search parameters of the web (``/``, ``/api/search``, ``/feed.atom``), checked once.

Names are the CLI flags (DESIGN.md "Contracts"): q, region, province, dimension, source,
since, until, min_score, sort, all_copies, page, per_page. Anything a user can get wrong becomes a :class:`BadQuery`
with one clear sentence (a 400 in the API, a message on the page).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from jobs import filters
from storage.errors import QueryError
from storage.querylang import MAX_QUERY_CHARS, parse_query
from storage.request import SORTS, SearchRequest

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_VALUES = 20  # repeated filters (region=...&region=...)
MAX_VALUE_CHARS = 200
FILTERS = ("region", "province", "dimension", "source", "since", "until", "min_score")
# what pydantic (the API's bool parameters) reads as true or false
_TRUE = ("1", "true", "t", "yes", "y", "on")
_FALSE = ("", "0", "false", "f", "no", "n", "off")


class BadQuery(ValueError):
    """A search the user has to change; the message says how."""


@dataclass
class SearchParams:
    q: str = ""
    region: list[str] = field(default_factory=list)
    province: list[str] = field(default_factory=list)
    dimension: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    since: str = ""
    until: str = ""
    min_score: str = ""
    sort: str = ""  # one of SORTS; empty: relevance for a text query, else newest
    all_copies: bool = False
    page: int = 1
    per_page: int = PER_PAGE

    def filters(self) -> list[tuple[str, str]]:
        """The filters given (everything that narrows the search but the query) as (name, value)."""
        pairs: list[tuple[str, str]] = []
        for name in FILTERS:
            value = getattr(self, name)
            if isinstance(value, list):
                pairs += [(name, v) for v in value]
            elif value:
                pairs.append((name, value))
        return pairs

    def items(self, page: int | None = None, *, paging: bool = True) -> list[tuple[str, str]]:
        """The parameters that differ from the defaults as (name, value) pairs: q, the filters,
        sort, all_copies, then with ``paging`` per_page and page (``page`` instead of this one)."""
        pairs = [("q", self.q)] if self.q else []
        pairs += self.filters()
        if self.sort:
            pairs.append(("sort", self.sort))
        if self.all_copies:
            pairs.append(("all_copies", "true"))
        if paging:
            if self.per_page != PER_PAGE:
                pairs.append(("per_page", str(self.per_page)))
            page = self.page if page is None else page
            if page != 1:
                pairs.append(("page", str(page)))
        return pairs

    def query_string(self, page: int | None = None, *, paging: bool = True) -> str:
        return urlencode(self.items(page, paging=paging))

    def toggled(self, name: str, value: str) -> str:
        """The query string of the first page of this search with ``value`` added to the
        filter ``name``, or taken out when it is there already."""
        values: list[str] = getattr(self, name)
        changed = [v for v in values if v != value] if value in values else [*values, value]
        return replace(self, **{name: changed}).query_string(1)

    @property
    def filtered(self) -> bool:
        return bool(self.filters())


def _one(values: list[str], name: str) -> str:
    if len(values) > 1:
        raise BadQuery(f"{name} given {len(values)} times; give it once")
    return values[0].strip() if values else ""


def from_query(multi: dict[str, list[str]], *, per_page: int | None = None) -> SearchParams:
    """SearchParams from raw query parameters (name -> every value); raises BadQuery."""
    params = SearchParams()
    params.q = _one(multi.get("q", []), "q")
    if len(params.q) > MAX_QUERY_CHARS:
        raise BadQuery(f"the query is too long ({len(params.q)} characters; at most {MAX_QUERY_CHARS})")
    for name in ("region", "province", "dimension", "source"):
        values = [v.strip() for v in multi.get(name, []) if v.strip()]
        if len(values) > MAX_VALUES:
            raise BadQuery(f"too many {name} filters (at most {MAX_VALUES})")
        if any(len(v) > MAX_VALUE_CHARS for v in values):
            raise BadQuery(f"a {name} value is too long (at most {MAX_VALUE_CHARS} characters)")
        setattr(params, name, list(dict.fromkeys(values)))
    try:
        params.dimension = filters.dimensions(params.dimension)
    except filters.FilterError as exc:
        raise BadQuery(str(exc)) from None
    for name in ("since", "until", "min_score"):
        setattr(params, name, _one(multi.get(name, []), name)[:MAX_VALUE_CHARS])
    params.sort = _one(multi.get("sort", []), "sort")
    if params.sort and params.sort not in SORTS:
        raise BadQuery(f"sort must be one of {', '.join(SORTS)}, not {params.sort[:50]!r}")
    params.all_copies = _bool(_one(multi.get("all_copies", []), "all_copies"), "all_copies")
    params.page = _int(_one(multi.get("page", []), "page") or "1", "page", 1, MAX_PAGE)
    params.per_page = per_page or _int(
        _one(multi.get("per_page", []), "per_page") or str(PER_PAGE), "per_page", 1, MAX_PER_PAGE
    )
    return params


def _int(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number, not {text[:50]!r}") from None
    if not low <= value <= high:
        raise BadQuery(f"{name} must be between {low} and {high}")
    return value


def _bool(text: str, name: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise BadQuery(f"{name} must be true or false, not {text[:50]!r}")


def _read(name: str, read, text: str):
    """A jobs.filters reader applied to one parameter; its error names the parameter."""
    try:
        return read(text)
    except filters.FilterError as exc:
        raise BadQuery(f"{name}: {exc}") from None


def to_request(params: SearchParams) -> SearchRequest:
    """The storage request; raises BadQuery for dates, scores and query syntax."""
    since = _read("since", filters.parse_since, params.since) if params.since else None
    until = _read("until", filters.parse_until, params.until) if params.until else None
    if since and until and since >= until:
        raise BadQuery("since must be before until")
    min_score = _read("min_score", filters.parse_min_score, params.min_score) if params.min_score else None
    regions = _read("region", lambda v: filters.area_codes(v, provinces=False), params.region)
    provinces = _read("province", lambda v: filters.area_codes(v, provinces=True), params.province)
    if params.q:
        try:
            parse_query(params.q)
        except QueryError as exc:
            raise BadQuery(f"cannot search for this: {exc}") from None
    return SearchRequest(
        query=params.q,
        sources=params.source,
        since=since,
        until=until,
        limit=params.per_page,
        offset=(params.page - 1) * params.per_page,
        regions=regions,
        provinces=provinces,
        dimensions=params.dimension,
        min_score=min_score,
        group_stories=not params.all_copies,
        sort=params.sort or None,
    )
