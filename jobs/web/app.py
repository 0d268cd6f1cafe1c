"""The FastAPI application: pages (Jinja2, autoescaped, no scripts), the JSON API under
/api/, Atom feeds and the sandboxed archived originals. Read-only; every article it shows
comes from storage (query, browse), and hidden articles are treated as absent."""

from __future__ import annotations

import logging
import re
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from jobs import output
from jobs.filters import DIMENSION_CHOICES
from jobs.web import data, feed, original, timeline
from jobs.web.head import HeadAsGet
from jobs.web.models import ArticleOut, CountsOut, SearchOut, StoryOut
from jobs.web.params import BadQuery, SearchParams, from_query, to_request
from jobs.web.security import BasicAuth, SecurityHeaders
from storage.browse import visible_article, visible_story
from storage.checks import latest_checks
from storage.counts import counts
from storage.errors import QueryError, StorageError
from storage.query import list_runs, stats
from storage.request import BY, PERIODS, SORTS
from storage.warc import read_response

logger = logging.getLogger(__name__)

# ids are 32-bit integers on PostgreSQL; anything else is a 400, not a database error
ArticleId = Annotated[int, Path(ge=1, le=2**31 - 1, description="article id")]
StoryId = Annotated[int, Path(ge=1, le=2**31 - 1, description="story id")]
FEED_ENTRIES = 50
RUNS_SHOWN = 100
_BAD_REQUEST = {
    400: {
        "description": "Malformed query or parameters",
        "content": {"application/json": {"schema": {"type": "object", "properties": {"detail": {"type": "string"}}}}},
    }
}
_NOT_FOUND = {
    404: {
        "description": "No such (visible) item",
        "content": {"application/json": {"schema": {"type": "object", "properties": {"detail": {"type": "string"}}}}},
    }
}


# -- template helpers -------------------------------------------------------------------


def marked(snippet: str | None) -> Markup:
    """A snippet with matches as ``[word]`` → escaped text with ``<mark>word</mark>``."""
    return Markup(output.MARK.sub(r"<mark>\1</mark>", str(escape(snippet or ""))))


def safe_href(url: str | None) -> str | None:
    """The URL if it is http(s), else None (no javascript:, data: or relative links)."""
    url = (url or "").strip()
    return url if re.match(r"https?://", url, re.I) else None


def thousands(n: int) -> str:
    """1234 → '1,234'."""
    return f"{n:,}"


_ONE = {"stories": "story", "articles": "article"}


def counted(n: int, what: str = "stories") -> str:
    """A number of stories or articles: '1 story', '1,234 articles'."""
    return f"{n:,} {_ONE[what] if n == 1 else what}"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("jobs.web", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2", "svg", "xml"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        human=output.human, iso=output.iso, marked=marked, safe_href=safe_href, thousands=thousands, counted=counted
    )
    env.globals.update(dimensions=DIMENSION_CHOICES)
    return env


def _search_parameters(
    q: str = Query("", description='search query: words, "a phrase", OR, -exclude (Indonesian stemming)'),
    region: list[str] = Query([], description='kabupaten/kota by name or BPS code, e.g. "Musi Banyuasin" or 16.06'),
    province: list[str] = Query([], description='province by name or BPS code, e.g. "Sumatera Selatan" or 16'),
    dimension: list[str] = Query([], description="smart-city dimension: " + ", ".join(DIMENSION_CHOICES)),
    source: list[str] = Query([], description="source name"),
    since: str = Query("", description="YYYY-MM-DD (midnight WIB) or ISO 8601 datetime, inclusive"),
    until: str = Query("", description="YYYY-MM-DD (that whole day, WIB) or ISO 8601 datetime"),
    min_score: str = Query("", description="minimum smart-city score"),
    all_copies: bool = Query(False, description="every matching article, not one per story"),
) -> None:
    """The search parameters of /api/search, /api/counts and /feed.atom, declared once for the
    schema and FastAPI's checks; params.from_query reads them."""


def _sort_parameter(
    sort: Literal[SORTS] | None = Query(None, description="order of the hits; default relevance, newest without words"),
) -> None:
    """The sort parameter of /api/search and /feed.atom (for the schema; from_query reads it)."""


def _params(request: Request, **kwargs: Any) -> SearchParams:
    multi: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        multi.setdefault(key, []).append(value)
    return from_query(multi, **kwargs)


# -- the application --------------------------------------------------------------------


def create_app(
    engine: Engine, *, password: str | None = None, user: str = "kabar", base_url: str | None = None
) -> FastAPI:
    """The web application over ``engine``; with ``password`` every request needs HTTP basic
    auth as ``user``. Absolute URLs (feed ids and links, the API's ``original``) start with
    ``base_url`` when it is given (ending in "/"), else with the request's own scheme and Host."""
    app = FastAPI(
        title="kabar",
        summary="Regional Indonesian smart-city news archive: search, stories, feeds",
        version=_version(),
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN; the schema is at /openapi.json
        redoc_url=None,
    )
    env = _environment()
    facets = data.Facets(engine)
    css = resources.files("jobs.web").joinpath("templates/style.css").read_bytes()

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        body = env.get_template(name).render(request=request, path=request.url.path, **context)
        return HTMLResponse(body, status_code=status)

    def public(request: Request) -> str:
        return base_url or str(request.base_url)

    def api_error(status: int, detail: str) -> JSONResponse:
        return JSONResponse({"detail": detail}, status_code=status)

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/") or request.url.path in ("/feed.atom", "/openapi.json")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ())[1:]) or "request"
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        detail = "; ".join(problems) or "invalid request"
        if is_api(request):
            return api_error(400, detail)
        return page(request, "message.html", 400, title="Bad request", message=detail)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if is_api(request) or exc.status_code not in (404, 405):
            return api_error(exc.status_code, str(exc.detail))
        return page(
            request,
            "message.html",
            exc.status_code,
            title="Not found" if exc.status_code == 404 else "Not allowed",
            message=str(exc.detail),
        )

    @app.exception_handler(BadQuery)
    async def bad_query(request: Request, exc: BadQuery):
        return api_error(400, str(exc))

    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError):
        return api_error(400, str(exc))

    # -- pages ----------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request):
        facet = facets.get()
        try:
            params = _params(request)
        except BadQuery as exc:
            return page(request, "search.html", 400, params=SearchParams(), error=str(exc), result=None, facets=facet)
        try:
            result = data.search_page(engine, params)
            narrowed = (params.q or params.filtered) and result["total"]
            counted = data.match_counts(engine, params) if narrowed else None
        except (BadQuery, QueryError) as exc:
            return page(request, "search.html", 400, params=params, error=str(exc), result=None, facets=facet)
        return page(request, "search.html", params=params, error=None, result=result, facets=facet, counted=counted)

    @app.get("/article/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: ArticleId):
        article = visible_article(engine, article_id)
        if article is None:
            raise HTTPException(404, f"There is no article {article_id} in the archive.")
        return page(request, "article.html", article=article, paragraphs=_paragraphs(article.get("text")))

    @app.get("/story/{story_id}", include_in_schema=False)
    def story_page(story_id: StoryId):
        found = visible_story(engine, story_id)
        if not found:
            raise HTTPException(404, f"There is no story {story_id} in the archive.")
        return RedirectResponse(f"/article/{found['articles'][0]['id']}#story", status_code=303)

    @app.get("/article/{article_id}/original", include_in_schema=False)
    def original_page(article_id: ArticleId):
        article = visible_article(engine, article_id)
        if article is None:
            raise HTTPException(404, f"There is no article {article_id} in the archive.")
        if not article.get("warc"):
            raise HTTPException(404, f"Article {article_id} has no archived original.")
        try:
            archived = read_response(article["warc"])
        except StorageError as exc:
            logger.warning("archived original of article %d: %s", article_id, exc)
            raise HTTPException(404, f"The archived original of article {article_id} cannot be read.") from None
        return HTMLResponse(
            original.render(archived),
            headers={
                "content-security-policy": original.ORIGINAL_CSP,
                "x-frame-options": "SAMEORIGIN",
                "cache-control": "private, max-age=3600",
            },
        )

    @app.get("/overview", response_class=HTMLResponse, include_in_schema=False)
    def overview_page(request: Request):
        facet = facets.get()
        chart = timeline.build(facet["stories_per_month"], "month")
        unhealthy = [c for c in latest_checks(engine).values() if c["status"] != "ok"]
        return page(
            request,
            "overview.html",
            facets=facet,
            chart=chart,
            unhealthy=sorted(unhealthy, key=lambda c: (c["status"] != "failing", c["source"])),
        )

    @app.get("/runs", response_class=HTMLResponse, include_in_schema=False)
    def runs_page(request: Request):
        sources = stats(engine)["sources"]
        return page(request, "runs.html", sources=sources, runs=list_runs(engine, limit=RUNS_SHOWN), failed=_failed)

    @app.get("/static/style.css", include_in_schema=False)
    def stylesheet():
        return Response(css, media_type="text/css", headers={"cache-control": "public, max-age=3600"})

    @app.get(
        "/feed.atom",
        tags=["feeds"],
        responses={
            **_BAD_REQUEST,
            200: {"content": {"application/atom+xml": {}}, "description": "Atom 1.0 feed of the search"},
        },
        dependencies=[Depends(_search_parameters), Depends(_sort_parameter)],
    )
    def atom_feed(request: Request):
        """The first 50 hits of a search (the parameters of /api/search but page and per_page),
        shown newest first, as Atom, with the exact total in opensearch:totalResults."""
        params = _params(request, per_page=FEED_ENTRIES)
        params.page = 1
        result = data.search_page(engine, params)
        base = public(request)
        query = params.query_string(paging=False)
        label = " · ".join(([params.q] if params.q else []) + [v for _, v in params.filters()]) or "newest stories"
        body = feed.atom(
            feed_id=f"{base}feed.atom" + (f"?{query}" if query else ""),
            title=f"kabar: {label}",
            self_url=f"{base}feed.atom" + (f"?{query}" if query else ""),
            html_url=f"{base}" + (f"?{query}" if query else ""),
            base_url=base,
            results=result["results"],
            total=result["total"],
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    # -- JSON API -------------------------------------------------------------------------

    @app.get(
        "/api/search",
        tags=["api"],
        response_model=SearchOut,
        responses=_BAD_REQUEST,
        dependencies=[Depends(_search_parameters), Depends(_sort_parameter)],
    )
    def api_search(
        request: Request,
        page: str = Query("1", description="page number, from 1"),
        per_page: str = Query("20", description="hits per page, 1-100"),
    ):
        """Stories matching the search, one hit per story with the other outlets in also_in
        (every matching article with all_copies); total is exact."""
        params = _params(request)
        result = data.search_page(engine, params)
        return JSONResponse(output.jsonable({"query": dict(params.items(page=params.page)), **result}))

    @app.get(
        "/api/counts",
        tags=["api"],
        response_model=CountsOut,
        responses=_BAD_REQUEST,
        dependencies=[Depends(_search_parameters)],
    )
    def api_counts(
        request: Request,
        by: Literal[BY] = Query("month", description="a period (in WIB; ISO weeks) or a facet"),
        share: bool = Query(False, description="periods only: also every story per period (all) and counts/all"),
    ):
        """Exact counts of the stories matching the search (articles with all_copies) by
        period or facet, as `kabar count --format json`: periods in time order with the
        undated apart, facet values largest first."""
        if share and by not in PERIODS:
            raise BadQuery("share is for counts over time: by day, week, month or year")
        params = _params(request)
        found = counts(engine, to_request(params), by, tz=output.display_zone(), share=share)
        return JSONResponse(found.record(params.q))

    @app.get("/api/article/{article_id}", tags=["api"], response_model=ArticleOut, responses=_NOT_FOUND)
    def api_article(request: Request, article_id: ArticleId):
        """Every stored field of one article, its story (every outlet and URL) and its tags."""
        article = visible_article(engine, article_id)
        if article is None:
            raise HTTPException(404, f"no article {article_id}")
        article.pop("hidden", None)
        article["original"] = f"{public(request)}article/{article_id}/original" if article.get("warc") else None
        return JSONResponse(output.jsonable(article))

    @app.get("/api/story/{story_id}", tags=["api"], response_model=StoryOut, responses=_NOT_FOUND)
    def api_story(story_id: StoryId):
        """The visible articles of a story, earliest first, with their URLs and aliases."""
        found = visible_story(engine, story_id)
        if not found:
            raise HTTPException(404, f"no story {story_id}")
        return JSONResponse(output.jsonable(found))

    @app.get("/api/regions", tags=["api"])
    def api_regions():
        """Article counts per kabupaten/kota, province and smart-city dimension."""
        facet = facets.get()
        return {key: facet[key] for key in ("regions", "provinces", "dimensions")}

    @app.get("/api/stats", tags=["api"])
    def api_stats():
        """Archive totals, per-source counts, runs by status, counts per region, province,
        dimension and month, and stories per month."""
        return JSONResponse(output.jsonable({**stats(engine), **facets.get()}))

    @app.get("/api/runs", tags=["api"], responses=_BAD_REQUEST)
    def api_runs(
        source: str | None = Query(None, description="only this source"),
        failed: bool = Query(False, description="only runs that did not end ok"),
        limit: int = Query(50, ge=1, le=1000),
    ):
        """The latest crawl runs, newest first."""
        runs = list_runs(engine, source=source, limit=None if failed else limit)
        if failed:
            runs = [r for r in runs if _failed(r)][:limit]
        return JSONResponse([output.jsonable(r) for r in runs])

    if password:
        app.add_middleware(BasicAuth, user=user, password=password)
    app.add_middleware(SecurityHeaders)  # a 401 carries the headers too
    app.add_middleware(HeadAsGet)  # outermost: HEAD gets exactly the headers GET gets
    return app


def _failed(run: dict[str, Any]) -> bool:
    return run["status"] not in ("ok", "running")


def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("kabar")
    except Exception:  # not installed: running from a checkout
        return "0"
