"""End to end in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright):
``kabar serve`` runs as a child process on a free loopback port over the crawled example
sites (plus one hostile and one hidden article); the browser searches, follows a facet, sorts,
filters by region, opens a story, follows "also in", opens the archived original, checks the
timeline SVG and that no injected script runs. A screenshot of the page is saved when a step fails
(``KABAR_SCREENSHOT_DIR``, default the test's tmp_path). Skipped without chromium unless
``KABAR_REQUIRE_SERVICES=1``."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.hostile import XSS_TITLE, hostile_copy
from tests.support.runner import kabar_serve

CHROMIUM = os.environ.get("KABAR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STEP_TIMEOUT_MS = 15_000


def _require_browser():
    problem = None
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        problem = f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (pip install -e '.[test]')"
    if problem:
        if os.environ.get("KABAR_REQUIRE_SERVICES") == "1":
            pytest.fail(problem + " (KABAR_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(problem)


@pytest.fixture(scope="module")
def served(crawled, tmp_path_factory):
    """``kabar serve`` over a copy of the crawled archive with the hostile articles added;
    yields (base URL, ids of the hostile articles)."""
    _require_browser()
    runner, _ = crawled
    workdir = tmp_path_factory.mktemp("served")
    engine, ids = hostile_copy(runner.database_url, workdir)
    engine.dispose()
    with kabar_serve(workdir) as port:
        yield f"http://127.0.0.1:{port}", ids


@pytest.fixture
def browser_page(served, tmp_path):
    from playwright.sync_api import sync_playwright

    base, _ = served
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        page.requests = []  # every URL the page asked for
        page.dialogs = []
        page.on("request", lambda r: page.requests.append(r.url))
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.shots = Path(os.environ.get("KABAR_SCREENSHOT_DIR") or tmp_path / "screenshots")
        try:
            yield page
        finally:
            context.close()
            browser.close()


@contextmanager
def step(page, name: str):
    """Run one step; on failure save a screenshot of the page and say where it is."""
    try:
        yield
    except BaseException as exc:
        page.shots.mkdir(parents=True, exist_ok=True)
        shot = page.shots / f"{name}.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            where = f" (screenshot: {shot}; page {page.url})"
        except Exception as shot_error:  # noqa: BLE001 - the original failure matters more
            where = f" (no screenshot: {shot_error})"
        raise AssertionError(f"browser step {name!r} failed{where}: {exc}") from exc


def assert_nothing_ran(page) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert page.dialogs == []


def test_search_filter_story_original_and_timeline_in_chromium(browser_page, served):
    page, (base, ids) = browser_page, served

    with step(page, "search"):
        page.goto(base + "/")
        page.fill("#q", "masterplan smart city")
        page.click("form.search button[type=submit]")
        page.wait_for_url("**/?q=masterplan*")
        hits = page.locator("li.hit")
        assert hits.count() > 0
        assert page.locator("li.hit .snippet mark").count() > 0
        assert "WIB" in hits.first.locator("time").inner_text()

    with step(page, "chart-facets-sort"):
        box = page.locator("svg#matches-timeline").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 50
        assert page.locator("svg#matches-timeline rect.bar").count() > 0
        assert page.locator("#total").inner_text().endswith(("stories", "story"))
        source = page.locator("#facet-source a").first
        name = source.inner_text()
        source.click()
        page.wait_for_url("**source=*")
        assert parse_qs(urlsplit(page.url).query)["source"] == [name]
        assert {t.strip() for t in page.locator("li.hit .outlet").all_inner_texts()} <= {name}
        page.select_option("#sort", "oldest")
        page.click("form.search button[type=submit]")
        page.wait_for_url("**sort=oldest*")
        times = page.locator("li.hit time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
        dated = [t for t in times if t]
        assert dated == sorted(dated)
        page.goto(base + "/?q=" + "masterplan+smart+city")

    with step(page, "filter-by-region"):
        page.select_option("#region", "Ogan Komering Ilir")
        page.click("form.search button[type=submit]")
        page.wait_for_url("**region=Ogan+Komering+Ilir*")
        query = parse_qs(urlsplit(page.url).query)
        assert query["q"] == ["masterplan smart city"] and query["region"] == ["Ogan Komering Ilir"]
        filtered = page.locator("li.hit")
        assert filtered.count() > 0
        for i in range(filtered.count()):
            assert "Ogan Komering Ilir" in filtered.nth(i).locator(".tags").inner_text()
        bookmarked = page.url

    with step(page, "open-story"):
        syndicated = page.locator("li.hit", has=page.locator(".also-in")).first
        title = syndicated.locator("h2 a").inner_text()
        also_in = syndicated.locator(".also-in a").inner_text()
        syndicated.locator("h2 a").click()
        page.wait_for_url("**/article/*")
        assert page.locator("h1").inner_text() == title
        outlets = page.locator("#story li .outlet").all_inner_texts()
        assert len(outlets) >= 2 and set(also_in.split(", ")) <= set(outlets)
        first_article = page.url

    with step(page, "follow-also-in"):
        page.locator("#story a.story-member").first.click()
        page.wait_for_url("**/article/*")
        assert page.url != first_article
        assert first_article.rsplit("/", 1)[1] in {
            href.rsplit("/", 1)[1]
            for href in page.locator("#story a.story-member").evaluate_all("els => els.map(e => e.href)")
        }
        assert set(page.locator("#story li .outlet").all_inner_texts()) == set(outlets)

    with step(page, "archived-original"):
        before = len(page.requests)
        with page.expect_navigation() as navigation:
            page.click("a#original")
        response = navigation.value
        assert response.status == 200
        assert response.headers["content-security-policy"].startswith(
            "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        )
        assert "Archived copy of" in page.inner_text("body")
        assert len(page.inner_text("body")) > 500
        assert [u for u in page.requests[before:] if not u.startswith(base)] == []
        assert_nothing_ran(page)

    with step(page, "bookmark"):
        page.goto(bookmarked)
        assert page.locator("#region option:checked").inner_text().startswith("Ogan Komering Ilir")
        assert page.locator("#q").input_value() == "masterplan smart city"

    with step(page, "timeline"):
        page.goto(base + "/overview")
        svg = page.locator("svg#timeline")
        box = svg.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 50
        bars = page.locator("svg#timeline rect.bar")
        assert bars.count() > 0
        tall = [b for b in bars.all() if (b.bounding_box() or {}).get("height", 0) > 1]
        assert tall, "no bar is drawn"
        assert page.locator("#regions tbody tr").count() > 0

    with step(page, "hostile-article"):
        page.goto(base + "/?q=palembang")
        assert_nothing_ran(page)
        page.goto(f"{base}/article/{ids['hostile']}")
        assert page.locator("h1").inner_text() == XSS_TITLE
        assert page.locator("h1 img, h1 b, .text svg, .text iframe").count() == 0
        assert_nothing_ran(page)

    with step(page, "hostile-original"):
        before = len(page.requests)
        page.goto(f"{base}/article/{ids['hostile']}/original")
        page.wait_for_timeout(300)  # a meta refresh or late loads would show by now
        assert page.url == f"{base}/article/{ids['hostile']}/original"
        assert [u for u in page.requests[before:] if not u.startswith(base)] == []
        assert_nothing_ran(page)
        assert "tautan" in page.inner_text("body")

    with step(page, "hidden-article"):
        response = page.goto(f"{base}/article/{ids['hidden']}")
        assert response.status == 404
    assert page.requests and all(u.startswith(base) for u in page.requests)
