"""Property-based tests of every operation in the OpenAPI schema (Schemathesis).

Each operation gets valid and invalid requests, as an anonymous caller, as a platform
administrator with an API token, and as the secretary, director and governor of one organisation
with a token scoped to it. Whatever is sent, the service must answer without a server error,
and API errors must be problem+json. Operations are collected from the schema when the module is
loaded, so routes added later are covered without changing this file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from litestar import Litestar
from schemathesis.generation import GenerationMode
from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.app import create_app
from governance.auth.models import ApiToken, RoleAssignment, User
from governance.errors import PROBLEM_JSON
from governance.organisations.constitution import OrganisationType, Role
from governance.organisations.models import Organisation
from governance.security import Keys, new_token
from governance.settings import Settings
from tests.extra_routes import with_routes

# Requests per caller, shared between the operations, so the file takes a minute or two however
# many routes there are; each operation still gets at least MIN_EXAMPLES.
TOTAL_EXAMPLES = 1500
MIN_EXAMPLES = 5
MAX_EXAMPLES = 40
KNOWN_SLUG = "schema-test-org"


def load_schema() -> Any:
    """The schema as the app publishes it (building the app touches no database)."""
    app = create_app(
        Settings(
            environment="test",
            data_dir=Path("/nonexistent"),
            database_url="sqlite://",
            secret_key="schema-loading-key-" + "0" * 32,
        )
    )
    return schemathesis.openapi.from_dict(app.openapi_schema.to_schema())


SCHEMA = load_schema()
OPERATIONS = {
    result.ok().label: result.ok() for result in SCHEMA.get_all_operations() if result.ok()
}


@pytest.fixture
def tokens(engine: Engine, settings: Settings) -> dict[str, str]:
    """Bearer tokens for a platform administrator and for the staff of one organisation."""
    secrets = {"token": "gov_" + new_token(), "staff": "gov_" + new_token()}
    keys = Keys(settings.secret_key)
    with Session(engine) as session:
        admin = User(email="schema@example.org", name="Schema Admin", password_hash="!")
        admin.is_platform_admin = True
        staff = User(email="staff@example.org", name="Schema Staff", password_hash="!")
        organisation = Organisation(
            slug=KNOWN_SLUG, name="Schema Test", type=OrganisationType.COOPERATIVE
        )
        session.add_all([admin, staff, organisation])
        session.flush()
        assert admin.id is not None and staff.id is not None and organisation.id is not None
        roles = [Role.SECRETARY, Role.DIRECTOR, Role.GOVERNOR]
        for role in roles:
            session.add(
                RoleAssignment(user_id=staff.id, organisation_id=organisation.id, role=role)
            )
        session.add(
            ApiToken(
                token_hmac=keys.token_hmac(secrets["token"], "api"),
                user_id=admin.id,
                name="t",
                scopes="admin",
            )
        )
        session.add(
            ApiToken(
                token_hmac=keys.token_hmac(secrets["staff"], "api"),
                user_id=staff.id,
                name="s",
                organisation_id=organisation.id,
                scopes=" ".join(role.value for role in roles),
            )
        )
        session.commit()
    return secrets


def browser_headers(settings: Settings) -> dict[str, str]:
    """An anonymous browser: a CSRF cookie and its matching header, so unsafe calls get through."""
    cookie = "c" * 43
    token = Keys(settings.secret_key).csrf_token(cookie)
    return {"Cookie": f"gov_csrf={cookie}", "X-CSRF-Token": token}


def random_cases(operation: Any) -> st.SearchStrategy[Any]:
    """Valid and invalid requests, some of them aimed at the organisation that exists."""
    strategies = [
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]
    if any(p.name == "slug" for p in operation.path_parameters):
        strategies.append(
            operation.as_strategy(
                generation_mode=GenerationMode.POSITIVE, path_parameters={"slug": KNOWN_SLUG}
            )
        )
    return st.one_of(strategies)


def huge_id_cases(operation: Any) -> st.SearchStrategy[Any] | None:
    """Every integer path parameter far beyond any database integer (None if there are none).

    Random generation rarely tries these, and a route that passes one straight to the database
    fails with an overflow instead of answering 404 or 400.
    """
    parameters = {p.name: p.definition.get("schema", {}) for p in operation.path_parameters}
    huge: dict[str, object] = {
        name: 2**64 for name, schema in parameters.items() if schema.get("type") == "integer"
    }
    if not huge:
        return None
    if "slug" in parameters:
        huge["slug"] = KNOWN_SLUG
    return operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=huge)


def check_response(case: Any, response: Any) -> None:
    where = f"{case.method} {case.formatted_path} -> {response.status_code}"
    assert response.status_code < 500, f"server error: {where}\n{response.text[:2000]}"
    if response.status_code >= 400 and case.formatted_path.startswith("/api/"):
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith(PROBLEM_JSON), f"not problem+json: {where}"
        body = response.json()
        assert str(body.get("type", "")).startswith("/problems/"), f"no problem type: {where}"
        assert body.get("status") == response.status_code, f"status differs: {where}"
        assert isinstance(body.get("title"), str) and isinstance(body.get("detail"), str), where


def examples_per_operation() -> int:
    """Share a fixed budget of requests between the operations, within sensible bounds."""
    return max(MIN_EXAMPLES, min(MAX_EXAMPLES, TOTAL_EXAMPLES // max(len(OPERATIONS), 1)))


def exercise(operation: Any, app: Litestar, headers: dict[str, str]) -> None:
    """Send generated requests for one operation; raises on the first bad response."""
    runs = [(random_cases(operation), examples_per_operation())]
    huge = huge_id_cases(operation)
    if huge is not None:
        runs.append((huge, 2))
    for strategy, count in runs:

        @hypothesis.settings(
            max_examples=count,
            deadline=None,
            database=None,
            derandomize=bool(os.environ.get("CI")),
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.given(case=strategy)
        def run(case: Any) -> None:
            check_response(case, case.call(app=app, headers=headers))

        run()


@pytest.mark.slow
@pytest.mark.parametrize("caller", ["anonymous", "token", "staff"])
def test_no_operation_fails_on_the_server(
    caller: str, app: Litestar, settings: Settings, tokens: dict[str, str]
) -> None:
    """Every operation, one after another against one database; all failures reported."""
    # Schemathesis keeps the lifespan of an app it calls running until the process ends, so it
    # gets an application of its own rather than the one the rest of the suite shares.
    own_app = with_routes(app, "schemathesis", list)
    if caller in tokens:
        headers = {"Authorization": f"Bearer {tokens[caller]}"}
    else:
        headers = browser_headers(settings)
    failures = []
    for label, operation in sorted(OPERATIONS.items()):
        try:
            exercise(operation, own_app, headers)
        except Exception as error:
            summary = "\n    ".join(str(error).splitlines()[:4])
            failures.append(f"{label}: {type(error).__name__}: {summary}")
    assert not failures, f"{len(failures)} operation(s) failed:\n" + "\n".join(failures)


def test_the_schema_has_operations() -> None:
    """Guards against an empty schema silently turning the parametrised test into nothing."""
    assert "GET /health" in OPERATIONS
    assert len(OPERATIONS) >= 2
