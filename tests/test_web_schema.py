"""The JSON API and feed against their own OpenAPI schema with schemathesis: generated
requests (valid and invalid per the schema) never get a 500, over the crawled example sites
plus the hostile and hidden articles of tests/test_web.py."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

EXAMPLES = 40  # per operation; about 30 s in all


@pytest.fixture(scope="module")
def web_schema(crawled, tmp_path_factory):
    from jobs.web import create_app
    from tests.support.hostile import hostile_copy

    runner, _ = crawled
    engine, _ = hostile_copy(runner.database_url, tmp_path_factory.mktemp("schema"))
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(engine))
    engine.dispose()


def _fuzz(operation, statuses: set[int]) -> None:
    """Drive one operation with generated cases; collect the statuses it answered."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        response = case.call()
        case.validate_response(response, checks=[not_a_server_error])
        assert response.status_code in (200, 303, 400, 404), (case.path, response.status_code, response.text[:300])
        statuses.add(response.status_code)

    check()


def test_no_server_errors(web_schema):
    # Operations are driven by hand: schemathesis' pytest plugin (from_fixture/parametrize)
    # does not run under pytest 9.
    operations = [result.ok() for result in web_schema.get_all_operations()]
    assert len(operations) >= 7
    seen: dict[str, set[int]] = {}
    for operation in operations:
        _fuzz(operation, seen.setdefault(operation.label, set()))
    # random ids rarely exist, but the search, the feed and the listings must have answered
    assert {"GET /api/search", "GET /feed.atom"} <= set(seen), seen
    assert all(200 in codes for label, codes in seen.items() if "{" not in label), seen
