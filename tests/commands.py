"""Running the ``governance`` command as an operator does: the installed script, in a process of
its own, configured only by GOVERNANCE_* variables, on a database of its own in the test's
temporary directory.

The child process reads the real clock (the test's pinned clock is in this process only), so
what a test checks in a command's output must not depend on the date.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from governance.migrate import upgrade
from tests.conftest import TEST_SECRET

LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO) governance\.")
"""A line of the service's own log at INFO or below, which a refusal may follow."""
GOVERNANCE = str(Path(sys.executable).with_name("governance"))
_TEMPLATES: dict[Path, Path] = {}


def _migrated_template(factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per run, copied for each test that needs one."""
    base = factory.getbasetemp()
    if base not in _TEMPLATES:
        path = factory.mktemp("cli-template") / "governance.db"
        upgrade(f"sqlite:///{path}")
        _TEMPLATES[base] = path
    return _TEMPLATES[base]


@dataclass
class Ran:
    """A finished command: exit status and what it wrote."""

    args: Sequence[str]
    returncode: int
    stdout: str
    stderr: str

    def ok(self) -> Ran:
        assert self.returncode == 0, f"{self.args}: {self.returncode}\n{self.stdout}{self.stderr}"
        assert "Traceback" not in self.stderr, self.stderr
        return self

    def refused(self, message: str, *, status: int | None = None) -> Ran:
        """The command failed with one clear line naming ``message``, and no traceback."""
        assert self.returncode != 0, f"{self.args} succeeded:\n{self.stdout}{self.stderr}"
        if status is not None:
            assert self.returncode == status, (self.returncode, self.stderr)
        assert "Traceback" not in self.stderr + self.stdout, self.stderr
        errors = [line for line in self.stderr.splitlines() if not LOG_LINE.match(line)]
        assert len(errors) == 1, f"{self.args}: expected one line, got:\n{self.stderr}"
        assert errors[0].startswith("Error: "), errors[0]
        assert message in errors[0], f"{message!r} not in {errors[0]!r}"
        return self


@dataclass
class Shell:
    """An operator's shell: the environment and the data directory of one deployment, with a
    new SQLite file for its database unless ``database_url`` names one."""

    root: Path
    factory: pytest.TempPathFactory
    database_url: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data_dir = self.root / "var"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database = self.data_dir / "governance.db"
        self.database_url = self.database_url or f"sqlite:///{self.database}"
        kept = {k: v for k, v in os.environ.items() if not k.startswith("GOVERNANCE_")}
        self.env = {
            **kept,
            "PYTHONUNBUFFERED": "1",
            "GOVERNANCE_ENV": "development",
            "GOVERNANCE_DATA_DIR": str(self.data_dir),
            "GOVERNANCE_DATABASE_URL": self.database_url,
            "GOVERNANCE_SECRET_KEY": TEST_SECRET,
            **self.env,
        }

    def migrated(self) -> Shell:
        """Give the deployment a database at the newest revision (as ``db upgrade`` would)."""
        shutil.copyfile(_migrated_template(self.factory), self.database)
        return self

    def start(self, *args: str, stdin: bool = False, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [GOVERNANCE, *args],
            env={**self.env, **env},
            cwd=self.root,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # no terminal: a password prompt reads standard input
        )

    def run(self, *args: str, input: str | None = None, **env: str) -> Ran:
        return self.run_all([args], input=input, **env)[0]

    def on_a_terminal(self, *args: str, answers: Sequence[tuple[str, str]] = ()) -> str:
        """Run a command at a terminal (standard input and error on a pseudo-terminal, where a
        person would type and watch); each ``(prompt, text)`` of ``answers`` is typed once the
        prompt shows. All it wrote, once it succeeded."""
        leader, follower = pty.openpty()
        process = subprocess.Popen(
            [GOVERNANCE, *args], env=self.env, cwd=self.root, stdin=follower,
            stdout=subprocess.PIPE, stderr=follower, text=True, start_new_session=True,
        )  # fmt: skip
        os.close(follower)
        waiting = list(answers)
        written = b""
        while select.select([leader], [], [], 60)[0]:
            try:
                piece = os.read(leader, 4096)
            except OSError:  # the command has exited and closed the terminal
                break
            if not piece:
                break
            written += piece
            if waiting and written.rstrip().endswith(waiting[0][0].rstrip().encode()):
                os.write(leader, waiting.pop(0)[1].encode())
        os.close(leader)
        stdout, _ = process.communicate(timeout=60)
        terminal = written.decode(errors="replace")
        assert process.returncode == 0, terminal + stdout
        return terminal + stdout

    def run_all(
        self, commands: Sequence[Sequence[str]], input: str | None = None, **env: str
    ) -> list[Ran]:
        """Run independent commands side by side (each is its own process) and wait for all."""
        started = [(args, self.start(*args, stdin=input is not None, **env)) for args in commands]
        finished = []
        for args, process in started:
            stdout, stderr = process.communicate(input, timeout=120)
            finished.append(Ran(args, process.returncode, stdout, stderr))
        return finished


@contextmanager
def running(process: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """A long-running command, stopped with SIGTERM (as systemd stops it) at the end."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Stop a long-running command with SIGTERM; its exit status and output."""
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    return process.returncode, stdout, stderr


def read_until(
    process: subprocess.Popen[str], stream: str, wanted: str, timeout: float = 30
) -> list[str]:
    """Lines of the process's stdout or stderr up to and including the first with ``wanted``."""
    pipe = getattr(process, stream)
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = pipe.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if wanted in line:
            return lines
    raise AssertionError(f"{wanted!r} never came; got:\n" + "\n".join(lines))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(url: str, process: subprocess.Popen[str], timeout: float = 60) -> None:
    """Wait until the server answers ``url`` (or fail if it exits first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")
