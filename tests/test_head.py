"""HEAD answers as GET without a body, on every GET route (pages, feeds, the API, static)."""

from __future__ import annotations

import re

from litestar import Litestar
from sqlmodel import Session

from tests.conftest import Client
from tests.factories import make_org


def _get_paths(app: Litestar) -> list[str]:
    """Every GET route without path parameters, plus a few with an organisation's slug."""
    found: list[str] = []
    for route in app.routes:
        methods = getattr(route, "methods", set())
        if "GET" not in methods:
            continue
        path = route.path
        if "{" not in path:
            found.append(path)
        elif re.fullmatch(r"/o/\{slug(:str)?\}(/[a-z\-]+)*(\.ics)?", path):
            found.append(re.sub(r"\{slug(:str)?\}", "riverside", path))
    return sorted(set(found))


def test_head_answers_like_get_on_every_route(db: Session, client: Client, app: Litestar) -> None:
    make_org(db, slug="riverside")
    paths = _get_paths(app)
    assert "/" in paths and "/o/riverside" in paths and "/health" in paths
    assert len(paths) > 20
    for path in paths:
        got = client.get(path, follow_redirects=False)
        head = client.head(path, follow_redirects=False)
        assert head.status_code == got.status_code, path
        assert head.status_code != 405, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        if "content-length" in got.headers and got.headers.get("content-encoding") is None:
            # Pages that name the time or a fresh CSRF token may differ by a byte or two.
            assert "content-length" in head.headers, path


def test_head_keeps_the_length_get_would_send(db: Session, client: Client) -> None:
    make_org(db, slug="riverside")
    got = client.get("/static/site.css")
    head = client.head("/static/site.css")
    assert got.status_code == head.status_code == 200
    assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers.get("content-encoding") == got.headers.get("content-encoding")
    assert head.content == b""


def test_head_is_still_refused_where_get_is_not_offered(client: Client) -> None:
    # A POST-only route: HEAD (as GET) is not allowed there, and says so.
    response = client.head("/sign-out", follow_redirects=False)
    assert response.status_code == 405
