"""Errors: problem+json with a stable type for the API, a plain page for people, never a trace."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from litestar import Litestar, get, post
from litestar.response import Template

from governance.errors import PROBLEM_JSON, Conflict, Invalid
from tests.conftest import Client
from tests.extra_routes import with_routes

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SECRET_DETAIL = "the database password is hunter2"


def failing_routes() -> list[Any]:
    """Handlers that fail in each way."""

    @get("/api/test/boom", sync_to_thread=False)
    def api_boom() -> dict[str, str]:
        raise RuntimeError(SECRET_DETAIL)

    @get("/test/boom", sync_to_thread=False)
    def page_boom() -> Template:
        raise RuntimeError(SECRET_DETAIL)

    @get("/api/test/closed", sync_to_thread=False)
    def api_closed() -> dict[str, str]:
        raise Conflict("poll-closed", "Voting closed at 17:00.", extra={"closed_at": "17:00"})

    @get("/api/test/invalid", sync_to_thread=False)
    def api_invalid() -> dict[str, str]:
        raise Invalid("too-many-preferences", "Rank at most 3 candidates.")

    @get("/api/test/count", sync_to_thread=False)
    def api_count(limit: int) -> dict[str, int]:
        return {"limit": limit}

    @post("/api/test/echo", sync_to_thread=False)
    def api_echo(data: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(data)}

    @post("/test/form", sync_to_thread=False)
    def page_form() -> dict[str, str]:
        return {"ok": "yes"}

    return [api_boom, page_boom, api_closed, api_invalid, api_count, api_echo, page_form]


@pytest.fixture
def app(app: Litestar) -> Litestar:
    return with_routes(app, "errors", failing_routes)


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def assert_no_trace(text: str) -> None:
    assert "Traceback" not in text
    assert SECRET_DETAIL not in text
    assert "RuntimeError" not in text
    assert ".py" not in text


def test_an_unknown_api_path_is_a_problem(client: Client) -> None:
    body = assert_problem(client.get("/api/no/such/thing"), 404, "not-found")
    assert body["instance"] == "/api/no/such/thing"


def test_json_clients_get_problems_outside_the_api_too(client: Client) -> None:
    response = client.get("/no-such-page", headers={"accept": "application/json"})
    assert_problem(response, 404, "not-found")


def test_an_unknown_page_is_a_plain_html_page(client: Client) -> None:
    response = client.get("/no-such-page", headers=BROWSER)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in response.text
    assert_no_trace(response.text)


def test_a_wrong_method_is_a_problem(client: Client) -> None:
    response = client.delete("/health", headers={"accept": "application/json"})
    assert_problem(response, 405, "method-not-allowed")


def test_a_domain_rule_has_its_own_stable_type(client: Client) -> None:
    body = assert_problem(client.get("/api/test/closed"), 409, "poll-closed")
    assert body["detail"] == "Voting closed at 17:00."
    assert body["closed_at"] == "17:00"
    assert_problem(client.get("/api/test/invalid"), 422, "too-many-preferences")


def test_bad_parameters_name_the_field(client: Client) -> None:
    body = assert_problem(client.get("/api/test/count?limit=many"), 400, "invalid-request")
    assert [error["field"] for error in body["errors"]] == ["limit"]
    body = assert_problem(client.get("/api/test/count"), 400, "invalid-request")
    assert "limit" in body["detail"]


def test_a_malformed_json_body_is_a_bad_request(client: Client) -> None:
    response = client.api(
        "POST",
        "/api/test/echo",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert_no_trace(response.text)


def test_an_unexpected_error_in_the_api_gives_an_incident_id(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="governance.errors"):
        response = client.get("/api/test/boom")
    body = assert_problem(response, 500, "server-error")
    assert re.fullmatch(r"[0-9a-f]{8}", body["incident"])
    assert body["incident"] in body["detail"]
    assert_no_trace(response.text)
    logged = [r for r in caplog.records if body["incident"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None, "the trace goes to the log, not the user"


def test_an_unexpected_error_on_a_page_is_a_plain_page(client: Client) -> None:
    response = client.get("/test/boom", headers=BROWSER)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert re.search(r"incident [0-9a-f]{8}", response.text)
    assert_no_trace(response.text)


def test_an_api_body_over_the_limit_is_refused(client: Client) -> None:
    big = b'{"x": "' + b"a" * 2_100_000 + b'"}'
    response = client.api(
        "POST", "/api/test/echo", content=big, headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "too-large")


def test_a_form_over_the_limit_is_refused(client: Client) -> None:
    response = client.post(
        "/test/form",
        content=b"_csrf=x&field=" + b"a" * 2_100_000,
        headers={"content-type": "application/x-www-form-urlencoded", **BROWSER},
    )
    assert response.status_code == 413
    assert_no_trace(response.text)


def test_a_form_without_a_csrf_token_is_refused(client: Client) -> None:
    response = client.post("/test/form", data={"field": "value"}, headers=BROWSER)
    assert response.status_code == 403
    assert "did not come from this site" in response.text


def test_a_form_with_its_csrf_token_is_accepted(client: Client) -> None:
    response = client.form("/test/form", {"field": "value"})
    assert response.status_code == 201


def test_problem_types_are_documented(client: Client) -> None:
    response = client.get("/problems/not-found", headers=BROWSER)
    assert response.status_code == 200
    assert "/problems/not-found" in response.text
    assert "Problem: Not found" in response.text
