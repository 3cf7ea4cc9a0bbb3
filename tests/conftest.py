"""Test harness: a migrated database per test, the app, a client that speaks CSRF, factories.

The suite runs on SQLite by default and on PostgreSQL when GOVERNANCE_TEST_DATABASE_URL names
one. The schema is built by migrating (once per run); each test then gets a fresh copy of the
migrated SQLite file, or a PostgreSQL database emptied after the test.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance import audit
from governance.app import create_app
from governance.db import TEST_NOW_VARIABLE, Clock, make_engine, parse_instant
from governance.migrate import upgrade
from governance.models import metadata
from governance.scheduler import Scheduler
from governance.security import Keys
from governance.settings import Settings

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hmac-0123456789"
BASE_PG_URL = os.environ.get("GOVERNANCE_TEST_DATABASE_URL", "")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_database(url: str) -> str:
    """With several test processes (pytest-xdist), each gets its own PostgreSQL database."""
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{WORKER}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


PG_URL = _worker_database(BASE_PG_URL)
CSRF_RE = re.compile(r'name="_csrf" value="([0-9a-f]+)"')


# The instant every test starts at, unless --fixed-now (or GOVERNANCE_TEST_NOW) names another. No
# test reads the machine's date: the service clock is pinned here before each one.
DEFAULT_NOW = "2027-03-10T10:00:00Z"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fixed-now",
        default=None,
        metavar="INSTANT",
        help=(
            "start every test with the service clock at this ISO 8601 instant, with its offset "
            f"(default: ${TEST_NOW_VARIABLE}, else {DEFAULT_NOW})"
        ),
    )


def fixed_now(config: pytest.Config) -> datetime:
    text = config.getoption("--fixed-now") or os.environ.get(TEST_NOW_VARIABLE) or DEFAULT_NOW
    try:
        return parse_instant(text)
    except ValueError as error:
        raise pytest.UsageError(f"--fixed-now: {error}") from None


def pytest_configure(config: pytest.Config) -> None:
    # Pinned for the whole process too, so session fixtures built before the first test's own
    # pin (the migrated template, browser servers) also live at the stated instant.
    Clock.pin(fixed_now(config))


def pytest_report_header(config: pytest.Config) -> str:
    database = f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"
    return f"{database}; clock starts each test at {fixed_now(config).isoformat()}"


@pytest.fixture(autouse=True)
def pinned_clock(request: pytest.FixtureRequest) -> Iterator[datetime]:
    """Every test starts with the service clock at the stated instant and no travel offset."""
    moment = fixed_now(request.config)
    Clock.pin(moment)
    yield moment
    Clock.pin(moment)


def uses_postgres() -> bool:
    return bool(PG_URL)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once: a SQLite file to copy, or the PostgreSQL database itself."""
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


def _empty_postgres(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        connection.execute(
            text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64}
        )


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    if PG_URL:
        return PG_URL
    target = tmp_path / "governance.db"
    shutil.copyfile(migrated_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_key=TEST_SECRET,
        base_url="http://testserver.local",
        run_scheduler=False,
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    audit.configure(settings.secret_key)
    engine = make_engine(settings.database_url)
    yield engine
    if PG_URL:
        _empty_postgres(engine)
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


_APPS: dict[str, Litestar] = {}


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Litestar:
    """The application, built once per run and pointed at this test's database and settings.

    Building the app (hundreds of handlers) costs most of a second; everything it reads per
    request lives in ``app.state``, so a test only needs its own settings, engine and keys there.
    """
    cached = _APPS.get(settings.secret_key)
    if cached is None:
        cached = _APPS[settings.secret_key] = create_app(settings, engine=engine)
    cached.state.settings = settings
    cached.state.engine = engine
    cached.state.keys = Keys(settings.secret_key)
    cached.state.scheduler = Scheduler(engine, settings)
    return cached


class Client(TestClient[Litestar]):
    """A test client that knows the CSRF token of the page it last fetched."""

    def csrf(self) -> str:
        """The CSRF token for this client's cookie (fetching a page first if needed)."""
        if "gov_csrf" not in self.cookies:
            self.get("/health")
            self.get("/")
        keys = self.app.state["keys"]
        return str(keys.csrf_token(self.cookies["gov_csrf"]))

    def form(self, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
        """POST a form with the CSRF field filled in."""
        return self.post(url, data={**data, "_csrf": self.csrf()}, **kwargs)

    def api(self, method: str, url: str, **kwargs: Any) -> Any:
        """Call the JSON API with the CSRF header (as the browser-session API client does)."""
        headers = {"X-CSRF-Token": self.csrf(), **kwargs.pop("headers", {})}
        return self.request(method, url, headers=headers, **kwargs)


@pytest.fixture
def client(app: Litestar) -> Iterator[Client]:
    with Client(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
def make_client(app: Litestar) -> Iterator[Any]:
    """Several independent clients (browsers) against the same app.

    They do not run the app's lifespan: a second lifespan on the same app never finishes its
    shutdown, and start-up does nothing in tests (the scheduler is off).
    """

    def factory() -> Client:
        return Client(app=app, base_url="http://testserver.local")

    yield factory
