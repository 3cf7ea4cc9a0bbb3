"""Every response carries the security headers; ``/schema`` loads nothing from another origin."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from governance.app import create_app
from governance.settings import Settings, SettingsError
from tests.conftest import Client

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def csp_directives(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize(
    "path", ["/", "/sign-in", "/health", "/static/site.css", "/no-such-page", "/api/orgs/none"]
)
def test_pages_api_static_and_errors_carry_the_headers(client: Client, path: str) -> None:
    response = client.get(path)
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (path, name)
    policy = csp_directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'none'"], "the pages use no script"
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "strict-transport-security" not in response.headers, "plain http: no HSTS"


def test_head_and_forms_carry_them_too(client: Client) -> None:
    assert client.head("/").headers["x-frame-options"] == "DENY"
    refused = client.post("/sign-in", data={"email": "a@b.c", "password": "x"})
    assert refused.status_code == 403
    assert "content-security-policy" in refused.headers


def test_https_deployments_send_hsts(settings: Settings, engine: Engine) -> None:
    app = create_app(settings.with_(base_url="https://governance.example.org"), engine=engine)
    with TestClient(app=app, base_url="https://governance.example.org") as client:
        response = client.get("/health")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_no_template_uses_inline_script_or_style() -> None:
    """The policy forbids script; a template that added one would be silently broken."""
    from governance.web.templating import TEMPLATE_DIR

    for template in TEMPLATE_DIR.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "<script" not in text, template
        assert not re.search(r"\son[a-z]+=", text), template


def test_schema_page_is_script_free_and_has_a_language(client: Client, app: Litestar) -> None:
    page = client.get("/schema")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert re.search(r'<html lang="en', page.text)
    assert "<script" not in page.text
    assert not re.search(r"(src|href)=\"https?://", page.text), "nothing from another origin"
    assert "/api/orgs/{slug}" in page.text
    assert client.get("/schema/openapi.json").json()["openapi"].startswith("3.")
    assert client.get("/schema/swagger").status_code == 404


def test_schema_can_serve_only_the_description(settings: Settings, engine: Engine) -> None:
    app = create_app(settings.with_(api_reference="json"), engine=engine)
    with TestClient(app=app) as client:
        root = client.get("/schema")
        assert root.status_code == 200
        assert root.json()["info"]["title"] == "governance"
        assert client.get("/schema/openapi.json").status_code == 200
        assert client.get("/schema/reference").status_code == 404


def test_api_reference_setting_is_checked(tmp_path: object) -> None:
    with pytest.raises(SettingsError, match="GOVERNANCE_API_REFERENCE"):
        Settings.from_env({"GOVERNANCE_API_REFERENCE": "cdn", "GOVERNANCE_SECRET_KEY": "k" * 40})
