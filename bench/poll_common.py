"""Shared by the poll benchmarks: a real ``governance serve`` on a loopback port, an election
seeded straight into its database, and a crowd of simulated voters.

Each simulated voter is a separate HTTP client (its own connection and cookie jar): it fetches
the ballot paper once, which gives it the CSRF cookie and token, then posts ballots through the
public API, one voter ID after another, for as long as the run lasts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, text
from sqlmodel import Session, select

from governance import audit
from governance.db import TEST_NOW_VARIABLE, Clock, make_engine, utcnow
from governance.elections.ballot_box import code_hmac, new_credentials, voter_id_hmac
from governance.elections.election_key import generate_key_pair
from governance.elections.models import (
    Candidate,
    CandidateStatus,
    Election,
    ElectionStatus,
    Voter,
    VoterStatus,
)
from governance.members.models import Member
from governance.migrate import upgrade
from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation
from governance.security import Keys

SECRET = "bench-poll-secret-key-long-enough-for-hmac-0123456789abcdef"
GOVERNANCE = Path(sys.executable).with_name("governance")
CANDIDATES = ("Ann Archer", "Ben Baker", "Cat Cooper", "Dan Dyer", "Eve Ely")


def machine_info() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"machine: {os.cpu_count()} CPUs ({model}); Python {platform.python_version()} "
        f"on {platform.system()} {platform.machine()}"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scratch_database(url: str | None, workdir: Path, name: str = "poll-bench.db") -> str:
    """The database to use: a new SQLite file ``name``, or the given PostgreSQL one, emptied."""
    if not url:
        return f"sqlite:///{workdir / name}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@dataclass
class Seeded:
    slug: str
    election_id: int
    candidate_ids: list[int]
    credentials: list[tuple[str, str]]

    @property
    def api(self) -> str:
        return f"/api/orgs/{self.slug}/elections/{self.election_id}"


def seed(
    url: str, voters: int, *, closes_in: timedelta, slug: str = "bench", sealed: bool = True
) -> Seeded:
    """An organisation, an STV election at the poll with five candidates, and ``voters``
    voters whose credentials are returned (the database holds only their HMACs).

    ``sealed``: ballots are sealed to an election key (as every new poll's are); otherwise the
    poll stores plain ballots, as polls opened before sealed ballots do (for comparison)."""
    upgrade(url)
    audit.configure(SECRET)
    keys = Keys(SECRET)
    engine = make_engine(url)
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as db:
        organisation = db.exec(select(Organisation).where(Organisation.slug == slug)).first()
        if organisation is None:
            organisation = Organisation(
                slug=slug, name="Bench NHS FT", type=OrganisationType.FOUNDATION_TRUST
            )
            db.add(organisation)
            db.commit()
        assert organisation.id is not None
        election = Election(
            organisation_id=organisation.id,
            title="Public governors (benchmark)",
            seats=2,
            method="mer2014-stv",
            status=ElectionStatus.POLLING,
            poll_open_at=now - timedelta(hours=1),
            poll_close_at=now + closes_in,
            ballot_public_key=generate_key_pair().public if sealed else None,
            plain_ballots=not sealed,
        )
        db.add(election)
        db.commit()
        assert election.id is not None
        prefix = f"E{election.id}-"
        members = [_member_row(organisation.id, f"{prefix}{i:06d}", now) for i in range(voters)]
        members += [_member_row(organisation.id, f"{prefix}C{i}", now) for i in range(5)]
        member_table = Member.__table__  # type: ignore[attr-defined]
        for start in range(0, len(members), 5000):
            db.execute(insert(member_table), members[start : start + 5000])
        ids = db.exec(
            select(Member.id)
            .where(Member.organisation_id == organisation.id)
            .where(Member.reference.startswith(prefix))  # type: ignore[attr-defined]
            .order_by(Member.reference)  # type: ignore[arg-type]
        ).all()
        voter_ids, candidate_members = ids[:voters], ids[voters:]
        candidates = []
        for position, (name, member_id) in enumerate(
            zip(CANDIDATES, candidate_members, strict=True), start=1
        ):
            candidate = Candidate(
                election_id=election.id,
                member_id=member_id,
                ballot_name=name,
                status=CandidateStatus.VALID,
                ballot_position=position,
            )
            db.add(candidate)
            candidates.append(candidate)
        credentials = [new_credentials() for _ in voter_ids]
        rows = [
            {
                "election_id": election.id,
                "member_id": member_id,
                "voter_id_hmac": voter_id_hmac(keys, election.id, c.voter_id),
                "code_hmac": code_hmac(keys, election.id, c.voter_id, c.code),
                "credentials_sealed": None,
                "needs_declaration": True,
                "status": VoterStatus.ISSUED.value,
                "channel": None,
                "voted_on": None,
                "issue_count": 1,
                "delivery": "email",
            }
            for member_id, c in zip(voter_ids, credentials, strict=True)
        ]
        voter_table = Voter.__table__  # type: ignore[attr-defined]
        for start in range(0, len(rows), 5000):
            db.execute(insert(voter_table), rows[start : start + 5000])
        db.commit()
        seeded = Seeded(
            slug,
            election.id,
            [c.id or 0 for c in candidates],
            [(c.voter_id, c.code) for c in credentials],
        )
    engine.dispose()
    return seeded


def _member_row(organisation_id: int, reference: str, now: datetime) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "reference": reference,
        "first_name": "Bench",
        "last_name": reference,
        "email": None,
        "status": "active",
        "created_at": now,
        "first_name_key": "",
        "last_name_key": "",
        "contact_email": False,
        "contact_post": False,
        "contact_sms": False,
        "hide_from_public_register": False,
    }


class Server:
    """``governance serve`` in its own process group, so it can be killed outright."""

    def __init__(self, url: str, workdir: Path, workers: int, *, share_clock: bool = False) -> None:
        """``share_clock``: the server starts at what this process's service clock reads (the
        test suite pins it), for a benchmark that seeds dates from the service clock; otherwise
        both read the machine's clock."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {
            **os.environ,
            "GOVERNANCE_DATABASE_URL": url,
            "GOVERNANCE_SECRET_KEY": SECRET,
            "GOVERNANCE_DATA_DIR": str(workdir),
            "GOVERNANCE_RUN_SCHEDULER": "false",
            "GOVERNANCE_LOG_LEVEL": "WARNING",
            "GOVERNANCE_ENV": "development",
        }
        self.share_clock = share_clock
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "server.log"

    def start(self, timeout: float = 60) -> None:
        if self.share_clock and (Clock.pinned or Clock.offset):
            # The test environment only: the server reads GOVERNANCE_TEST_NOW there.
            self.env |= {"GOVERNANCE_ENV": "test", TEST_NOW_VARIABLE: utcnow().isoformat()}
        command = [
            str(GOVERNANCE), "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(self.workers), "--no-access-log", "--no-migrate",
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.log}")
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not start; see {self.log}")

    def kill(self) -> None:
        """SIGKILL the whole process group (the supervisor and every worker)."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    # voter ID, receipt, and the wall-clock times the request was sent and answered
    receipts: list[tuple[str, str, float, float]] = field(default_factory=list)

    def note(self, status: int, seconds: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(seconds)

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0


def ballot(seeded: Seeded, voter_id: str, code: str, number: int) -> dict[str, Any]:
    """A plausible ranking: a rotating first preference and one or two more."""
    ids = seeded.candidate_ids
    first = number % len(ids)
    order = ids[first:] + ids[:first]
    return {
        "voter_id": voter_id,
        "code": code,
        "choices": order[: 1 + number % 3],
        "declaration": True,
    }


# One TLS context for every client: httpx would otherwise build one per client (loading the
# CA bundle each time), which costs more than the benchmark's requests. Loopback is plain HTTP.
TLS = ssl.create_default_context()


async def _client(base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        verify=TLS,
        timeout=httpx.Timeout(30.0),
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    )


async def csrf_for(client: httpx.AsyncClient, seeded: Seeded) -> str:
    response = await client.get(f"{seeded.api}/ballot")
    response.raise_for_status()
    token: str = response.json()["csrf_token"]
    return token


async def vote_crowd(
    base: str,
    seeded: Seeded,
    credentials: Iterator[tuple[int, tuple[str, str]]],
    *,
    voters: int,
    seconds: float,
    retry_until: float | None = None,
) -> tuple[Tally, float]:
    """``voters`` concurrent clients post ballots for ``seconds``; the tally and elapsed time.

    With ``retry_until`` (a monotonic deadline), a ballot whose request failed (the server was
    killed) is sent again until it gets an answer, as a voter would press the button again.
    """
    tally = Tally()
    stop_at = time.monotonic() + seconds

    async def one_voter() -> None:
        client = await _client(base)
        try:
            token = None
            while time.monotonic() < stop_at:
                try:
                    token = token or await csrf_for(client, seeded)
                except httpx.HTTPError:
                    if retry_until is None:
                        tally.errors += 1
                        return
                    await asyncio.sleep(0.2)
                    continue
                try:
                    number, (voter_id, code) = next(credentials)
                except StopIteration:
                    return
                await _post(client, seeded, token, voter_id, code, number, tally, retry_until)
        finally:
            await client.aclose()

    started = time.monotonic()
    await asyncio.gather(*(one_voter() for _ in range(voters)))
    return tally, time.monotonic() - started


async def _post(
    client: httpx.AsyncClient,
    seeded: Seeded,
    token: str,
    voter_id: str,
    code: str,
    number: int,
    tally: Tally,
    retry_until: float | None,
) -> None:
    body = ballot(seeded, voter_id, code, number)
    while True:
        sent = time.monotonic()
        sent_at = time.time()
        try:
            response = await client.post(
                f"{seeded.api}/ballots", json=body, headers={"X-CSRF-Token": token}
            )
        except httpx.HTTPError:
            tally.errors += 1
            if retry_until is None or time.monotonic() > retry_until:
                return
            await asyncio.sleep(0.2)
            continue
        tally.note(response.status_code, time.monotonic() - sent)
        if response.status_code == 201:
            tally.receipts.append((voter_id, response.json()["receipt"], sent_at, time.time()))
        return


async def health_crowd(base: str, *, voters: int, seconds: float) -> tuple[int, float]:
    """Requests per second to ``/health`` from the same number of clients, the same way."""
    done = 0
    stop_at = time.monotonic() + seconds

    async def one() -> None:
        nonlocal done
        client = await _client(base)
        try:
            while time.monotonic() < stop_at:
                response = await client.get("/health")
                if response.status_code == 200:
                    done += 1
        finally:
            await client.aclose()

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(voters)))
    return done, time.monotonic() - started


def database_counts(url: str, election_id: int) -> tuple[int, int, set[str]]:
    """Ballots, voters marked voted, and the set of receipt hashes for an election."""
    engine = make_engine(url)
    from governance.elections.models import Ballot

    with Session(engine) as db:
        ballots = db.exec(
            select(func.count()).select_from(Ballot).where(Ballot.election_id == election_id)
        ).one()
        voted = db.exec(
            select(func.count())
            .select_from(Voter)
            .where(Voter.election_id == election_id, Voter.status == VoterStatus.VOTED)
        ).one()
        hashes = set(
            db.exec(select(Ballot.receipt_hash).where(Ballot.election_id == election_id)).all()
        )
    engine.dispose()
    return ballots, voted, hashes


@contextlib.contextmanager
def workdir() -> Iterator[str]:
    """A scratch folder for the database and the server's log; ``BENCH_KEEP=1`` keeps it (the
    path is printed) so that the log can be read after the run."""
    if not os.environ.get("BENCH_KEEP"):
        with tempfile.TemporaryDirectory(prefix="poll-bench-") as folder:
            yield folder
        return
    folder = tempfile.mkdtemp(prefix="poll-bench-")
    print(f"scratch folder (kept): {folder}")
    yield folder


def xmin_linkage(url: str, election_id: int) -> tuple[int, int] | None:
    """On PostgreSQL: how many ballots share a transaction id with a voter's roll row, and how
    many of those hold readable choices (None on SQLite, which has no ``xmin``)."""
    if not url.startswith("postgresql"):
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            paired, readable = connection.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE b.choices::text <> '[]') "
                    "FROM voter v JOIN ballot b ON b.xmin::text = v.xmin::text "
                    "WHERE v.election_id = :e AND b.election_id = :e"
                ),
                {"e": election_id},
            ).one()
    finally:
        engine.dispose()
    return int(paired), int(readable)
