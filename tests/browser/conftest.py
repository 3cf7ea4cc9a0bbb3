"""Browser test harness: the real service under uvicorn, driven by the system's Chromium.

Each test gets its own server (``live_server``) on a free loopback port, with a fresh copy of a
migrated SQLite database in a temporary directory, and a fresh browser context (``page``). One
Chromium process is shared by the whole run. See tests/browser/README.md for running these
locally; with the ``CI`` environment variable set, a missing Chromium fails the run instead of
skipping it.
"""

from __future__ import annotations

import email
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance import audit
from governance.app import create_app
from governance.db import make_engine
from governance.mail import deliver_due
from governance.migrate import upgrade
from governance.scheduler import run_all_once
from governance.settings import Settings

SECRET = "browser-test-secret-key-long-enough-for-hmac-0123456789"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous for a loaded 2-core CI machine, short enough that a missing element fails quickly.
TIMEOUT_MS = 10_000
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser is a browser test, whether or not its module says so."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def find_chromium() -> str | None:
    """The system Chromium (never a Playwright download)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        message = "Chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; browser tests must run in CI", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright, chromium_path: str) -> Iterator[Browser]:
    launched = playwright_driver.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each server (browser tests always use SQLite)."""
    path = tmp_path_factory.mktemp("browser-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


class LiveServer:
    """The service running in a background thread, and handles on its database and mail."""

    def __init__(self, settings: Settings) -> None:
        # Bound here and handed to uvicorn, so no other process can take the port in between.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = settings.with_(base_url=self.url)
        self.engine: Engine = make_engine(self.settings.database_url)
        self.app = create_app(self.settings, engine=self.engine)
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
        self.engine.dispose()

    def session(self) -> Session:
        """A session on the server's database, for seeding data and checking results.

        Commit what you seed: the server reads it through its own connections.
        """
        audit.configure(self.settings.secret_key)
        return Session(self.engine, expire_on_commit=False)

    def run_jobs(self) -> None:
        """Run every scheduled job once, as the scheduler would (it does not run in tests)."""
        run_all_once(self.engine, self.settings)

    def sent_mail(self) -> list[Message]:
        """Deliver the outbox and return the plain-text part of every message written so far,
        oldest first (each message also has an HTML part saying the same)."""
        deliver_due(self.engine, self.settings)
        directory = self.settings.mail_dir
        if not directory.is_dir():
            return []
        files = sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [_plain_part(email.message_from_bytes(f.read_bytes())) for f in files]


def _plain_part(message: Message) -> Message:
    """The plain-text part, carrying the message's own headers (To, Subject, ...) too."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            for name, value in message.items():
                if name.lower() not in {"content-type", "content-transfer-encoding"}:
                    part[name] = value
            return part
    return message


@pytest.fixture
def live_server(migrated_sqlite: Path, tmp_path: Path) -> Iterator[LiveServer]:
    database = tmp_path / "governance.db"
    shutil.copyfile(migrated_sqlite, database)
    settings = Settings(
        environment="test",
        data_dir=tmp_path,
        database_url=f"sqlite:///{database}",
        secret_key=SECRET,
        run_scheduler=False,
    )
    server = LiveServer(settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page, with relative URLs resolved on the server."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    new_page = context.new_page()
    yield new_page
    context.close()
