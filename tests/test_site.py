"""Site-wide routes: health and readiness, the stylesheet, and the CSRF field in templates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.response import Template
from litestar.testing import TestClient

from governance.app import create_app
from governance.db import make_engine
from governance.settings import Settings
from tests.conftest import Client
from tests.extra_routes import with_routes


def csrf_page() -> list[Any]:
    """A page showing the CSRF field and token."""

    @get("/test/csrf", sync_to_thread=False)
    def page() -> Template:
        return Template(template_str="{{ csrf_input() }}|{{ csrf_token() }}")

    return [page]


def client_for(settings: Settings) -> Iterator[TestClient[Litestar]]:
    engine = make_engine(settings.database_url)
    try:
        with TestClient(app=create_app(settings, engine=engine)) as test_client:
            yield test_client
    finally:
        engine.dispose()


def test_health_needs_nothing(client: Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_migrated(client: Client) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}


def test_not_ready_when_the_database_is_not_migrated(settings: Settings, tmp_path: Path) -> None:
    empty = settings.with_(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    for test_client in client_for(empty):
        assert test_client.get("/health").status_code == 200
        response = test_client.get("/ready")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://nobody@127.0.0.1:1/nothing", "sqlite:////nonexistent/dir/x.db"],
)
def test_not_ready_when_the_database_is_unreachable(settings: Settings, url: str) -> None:
    for test_client in client_for(settings.with_(database_url=url)):
        assert test_client.get("/ready").status_code == 503


def test_the_stylesheet_is_served(client: Client) -> None:
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert ".skip-link" in response.text
    assert "http://" not in response.text and "https://" not in response.text, "no external assets"


def test_templates_get_the_signed_csrf_field(app: Litestar) -> None:
    with Client(app=with_routes(app, "csrf", csrf_page), base_url="http://testserver.local") as c:
        field, token = c.get("/test/csrf").text.split("|")
        expected = c.csrf()
    assert token == expected
    assert field == f'<input type="hidden" name="_csrf" value="{expected}">'


def test_the_start_page_renders_for_a_visitor(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert 'class="skip-link" href="#main"' in response.text
    assert "Signed in as" not in response.text
