"""A co-operative's AGM: 90,000 members vote online in advance on 10 motions, through the API.

Seeds a multi-stakeholder co-op (workers 50%, customers 40%, investors capped at 10%) with
``--members`` members, each signed in (a session row, as the emailed link would leave), and an AGM
with ``--motions`` motions opened for votes in advance (which writes every motion's roll). Starts
``governance serve`` on a loopback port and lets ``--clients`` concurrent clients post each
member's ballot (one request holding their votes on every motion, recorded together) to
``POST /api/orgs/{slug}/meetings/{id}/ballot``. Prints votes per second (and, for scale, how fast
the same server answers ``/health`` to the same clients); then computes every motion's result
from the stored votes, and closes each motion through the API (which computes,
stores and re-checks the result), printing the times.

``--through-api N`` sends only the first N members' ballots through HTTP (the votes/s figure is
theirs) and records the rest in this process through ``motion_votes.record_all``, the code
behind the endpoint, so that the results are still computed over every member's votes.

    python bench/agm_votes.py [--quick] [--members 90000] [--motions 10] [--clients 16]
                              [--database-url postgresql+psycopg://...] [--workers 2]
                              [--through-api N]

A PostgreSQL database given here is emptied first: use a scratch one.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from poll_common import (
    SECRET,
    Server,
    health_crowd,
    machine_info,
    scratch_database,
    workdir,
)

from governance import audit
from governance.auth.models import AuthSession
from governance.db import make_engine, utcnow
from governance.meetings import motion_votes, motions, results
from governance.meetings.kinds import MeetingKind, MeetingStatus
from governance.meetings.models import Meeting
from governance.meetings.motion_models import Choice, Motion, VoteChannel
from governance.meetings.motion_schemas import MotionIn
from governance.meetings.thresholds import MotionKind
from governance.members.models import Constituency, Member, MembershipPeriod
from governance.migrate import upgrade
from governance.organisations.constitution import (
    OrganisationType,
    default_constitution,
)
from governance.organisations.models import Organisation
from governance.security import Keys, new_token

SLUG = "bench-coop"
CSRF_COOKIE = "b" * 43
CLASSES = (
    ("WORKERS", 5_000, None, 0.10),
    ("CUSTOMERS", 4_000, None, 0.80),
    ("INVESTORS", None, 1_000, 0.10),
)
KINDS = (MotionKind.ORDINARY, MotionKind.SPECIAL, MotionKind.RULE_CHANGE, MotionKind.ORDINARY)
CHUNK = 5_000


@dataclass
class Seeded:
    url: str
    meeting_id: int
    motion_ids: list[int]
    tokens: list[str]
    member_ids: list[int]
    seconds: dict[str, float] = field(default_factory=dict)


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


def _members(
    db: Session, organisation_id: int, classes: list[Constituency], count: int
) -> list[int]:
    now = utcnow()
    rows = [
        {
            "organisation_id": organisation_id,
            "reference": f"B{i:06d}",
            "first_name": "Bench",
            "last_name": f"Member{i}",
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
        for i in range(count)
    ]
    for chunk in _chunks(rows):
        db.execute(insert(Member.__table__), chunk)  # type: ignore[attr-defined]
    ids = list(
        db.exec(
            select(Member.id)
            .where(Member.organisation_id == organisation_id)
            .order_by(col(Member.id))
        ).all()
    )
    weights = [share for *_, share in CLASSES]
    picker = random.Random(7)
    periods = [
        {
            "organisation_id": organisation_id,
            "member_id": member_id,
            "constituency_id": picker.choices(classes, weights)[0].id,
            "start_date": date(2020, 1, 1),
            "start_reason": "joined",
            "recorded_at": now,
        }
        for member_id in ids
    ]
    for chunk in _chunks(periods):
        db.execute(insert(MembershipPeriod.__table__), chunk)  # type: ignore[attr-defined]
    return [i for i in ids if i is not None]


def _sessions(db: Session, keys: Keys, member_ids: list[int]) -> list[str]:
    """One signed-in session per member; the tokens are what their browsers would hold."""
    now = utcnow()
    tokens = [new_token() for _ in member_ids]
    rows = [
        {
            "token_hmac": keys.token_hmac(token, "session"),
            "member_id": member_id,
            "second_factor_pending": False,
            "created_at": now,
            "last_seen_at": now + timedelta(hours=6),  # not touched again during the run
            "expires_at": now + timedelta(days=2),
            "user_agent": "bench",
        }
        for token, member_id in zip(tokens, member_ids, strict=True)
    ]
    for chunk in _chunks(rows):
        db.execute(insert(AuthSession.__table__), chunk)  # type: ignore[attr-defined]
    return tokens


def seed(url: str, members: int, motion_count: int) -> Seeded:
    upgrade(url)
    audit.configure(SECRET)
    keys = Keys(SECRET)
    engine = make_engine(url)
    seconds: dict[str, float] = {}
    with Session(engine, expire_on_commit=False) as db:
        organisation = Organisation(
            slug=SLUG,
            name="Bench Co-operative",
            type=OrganisationType.COOPERATIVE,
            constitution_json=default_constitution(OrganisationType.COOPERATIVE).to_json(),
        )
        db.add(organisation)
        db.commit()
        assert organisation.id is not None
        classes = [
            Constituency(
                organisation_id=organisation.id,
                kind="member_class",
                code=code,
                name=code.title(),
                vote_share_bp=share,
                vote_cap_bp=cap,
            )
            for code, share, cap, _ in CLASSES
        ]
        db.add_all(classes)
        db.commit()
        started = time.perf_counter()
        member_ids = _members(db, organisation.id, classes, members)
        tokens = _sessions(db, keys, member_ids)
        db.commit()
        seconds["register"] = time.perf_counter() - started
        starts = utcnow() + timedelta(days=14)
        agm = Meeting(
            organisation_id=organisation.id,
            kind=MeetingKind.COOP_AGM.value,
            title="Annual general meeting (benchmark)",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            status=MeetingStatus.CALLED.value,
        )
        db.add(agm)
        db.commit()
        assert agm.id is not None
        started = time.perf_counter()
        motion_ids = []
        for number in range(motion_count):
            data = MotionIn(
                kind=KINDS[number % len(KINDS)],
                title=f"Motion {number + 1}",
                text=f"That motion {number + 1} be carried.",
            )
            motion = motions.create_motion(db, organisation, agm, data, actor="bench")
            motions.open_for_advance(db, organisation, motion, actor="bench")
            assert motion.id is not None
            motion_ids.append(motion.id)
        seconds["rolls"] = time.perf_counter() - started
    engine.dispose()
    return Seeded(url, agm.id, motion_ids, tokens, member_ids, seconds)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def choice(member: int, motion: int) -> str:
    """A fixed pseudo-random vote: each motion has its own lean, some carry and some do not."""
    lean = 0.35 + 0.1 * (motion % 5)
    draw = random.Random(member * 7919 + motion).random()
    if draw < 0.08:
        return "abstain"
    return "for" if draw < 0.08 + lean * 0.92 else "against"


async def crowd(base: str, seeded: Seeded, clients: int, count: int) -> tuple[Tally, float]:
    """``clients`` concurrent clients post one ballot for each of the first ``count`` members."""
    tally = Tally()
    header = Keys(SECRET).csrf_token(CSRF_COOKIE)
    path = f"/api/orgs/{SLUG}/meetings/{seeded.meeting_id}/ballot"
    queue = iter(enumerate(seeded.tokens[:count]))

    async def one_client() -> None:
        async with httpx.AsyncClient(
            base_url=base, timeout=httpx.Timeout(60.0), limits=httpx.Limits(max_connections=1)
        ) as client:
            for number, token in queue:
                body = {
                    "votes": [
                        {"motion_id": m, "choice": choice(number, i)}
                        for i, m in enumerate(seeded.motion_ids)
                    ]
                }
                headers = {
                    "Cookie": f"gov_session={token}; gov_csrf={CSRF_COOKIE}",
                    "X-CSRF-Token": header,
                }
                sent = time.perf_counter()
                try:
                    response = await client.post(path, json=body, headers=headers)
                except httpx.HTTPError:
                    tally.errors += 1
                    continue
                tally.latencies.append(time.perf_counter() - sent)
                tally.statuses[response.status_code] = (
                    tally.statuses.get(response.status_code, 0) + 1
                )

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return tally, time.perf_counter() - started


def vote_directly(seeded: Seeded, start: int) -> float:
    """The members from ``start`` on vote in this process, through the service's own
    ``record_all`` (the code behind the API), a thousand members a transaction. Fills the
    store for the results at full scale when only a sample votes through HTTP."""
    engine = make_engine(seeded.url)
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as db:
        found = [db.get(Motion, i) for i in seeded.motion_ids]
        now = utcnow()
        for number, member_id in enumerate(seeded.member_ids[start:], start=start):
            ballots = [
                motion_votes.Ballot(m, Choice(choice(number, i)), VoteChannel.ONLINE)
                for i, m in enumerate(found)
                if m is not None
            ]
            motion_votes.record_all(db, member_id, ballots, now=now)
            if number % 1000 == 999:
                db.commit()
        db.commit()
    engine.dispose()
    return time.perf_counter() - started


def compute_all(url: str, motion_ids: list[int]) -> tuple[float, list[bool]]:
    """Every result computed from the stored votes, in this process; the time and outcomes."""
    engine = make_engine(url)
    with Session(engine) as db:
        found = [db.get(Motion, i) for i in motion_ids]
        started = time.perf_counter()
        outcomes = [results.compute(db, m)[1].passed for m in found if m is not None]
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, outcomes


def close_all(base: str, seeded: Seeded) -> tuple[float, list[dict[str, Any]]]:
    """Close every motion through the API as the secretary would (with a session token)."""
    from governance.auth.models import RoleAssignment, User
    from governance.auth.tokens import create_token
    from governance.organisations.constitution import Role

    engine = make_engine(seeded.url)
    with Session(engine) as db:
        user = User(email="bench-secretary@example.org", name="Bench Secretary", password_hash="!")
        db.add(user)
        db.flush()
        organisation = db.exec(select(Organisation).where(Organisation.slug == SLUG)).one()
        assert user.id is not None and organisation.id is not None
        db.add(
            RoleAssignment(user_id=user.id, organisation_id=organisation.id, role=Role.SECRETARY)
        )
        secret, _ = create_token(db, Keys(SECRET), user=user, name="bench", expires_in_days=1)
        db.commit()
    engine.dispose()
    answers = []
    with httpx.Client(
        base_url=base, timeout=120, headers={"Authorization": f"Bearer {secret}"}
    ) as client:
        started = time.perf_counter()
        for motion_id in seeded.motion_ids:
            response = client.post(f"/api/orgs/{SLUG}/motions/{motion_id}/close")
            response.raise_for_status()
            answers.append(response.json())
        elapsed = time.perf_counter() - started
    return elapsed, answers


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="600 members (a smoke run)")
    parser.add_argument("--members", type=int, default=None)
    parser.add_argument("--motions", type=int, default=10)
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--database-url", default="", help="PostgreSQL (emptied); else SQLite")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--through-api",
        type=int,
        default=None,
        metavar="N",
        help="only the first N members vote through the API (votes/s is measured on them); "
        "the rest vote in this process through the same service code, for the results",
    )
    args = parser.parse_args(argv)
    args.members = args.members or (600 if args.quick else 90_000)
    args.through_api = min(args.through_api or args.members, args.members)
    if args.workers is None:
        args.workers = 2 if args.database_url else 1
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    print(machine_info())
    backend = "PostgreSQL" if args.database_url else "SQLite"
    with workdir() as scratch:
        url = scratch_database(args.database_url, Path(scratch))
        seeded = seed(url, args.members, args.motions)
        print(
            f"{backend}, {args.workers} worker(s); {args.members:,} members in 3 weighted classes, "
            f"{args.motions} motions; {args.clients} concurrent clients"
        )
        print(
            f"seeding: register and sessions {seeded.seconds['register']:.1f} s; opening "
            f"{args.motions} motions (writing their rolls) {seeded.seconds['rolls']:.1f} s"
        )
        server = Server(url, Path(scratch), args.workers, share_clock=True)
        server.start()
        try:
            health_seconds = 2.0 if args.quick else 10.0
            done, health_elapsed = asyncio.run(
                health_crowd(server.base, voters=args.clients, seconds=health_seconds)
            )
            tally, elapsed = asyncio.run(crowd(server.base, seeded, args.clients, args.through_api))
            direct_seconds = (
                vote_directly(seeded, args.through_api) if args.through_api < args.members else 0.0
            )
            compute_seconds, outcomes = compute_all(url, seeded.motion_ids)
            close_seconds, answers = close_all(server.base, seeded)
        finally:
            server.stop()
    accepted = tally.statuses.get(201, 0)
    votes = accepted * args.motions
    print(
        f"votes: {votes / elapsed:,.0f} votes/s ({accepted / elapsed:,.0f} ballots/s; "
        f"{votes:,} votes in {accepted:,} ballots in {elapsed:.1f} s); "
        f"p50 {tally.percentile(0.5) * 1000:.0f} ms, p99 {tally.percentile(0.99) * 1000:.0f} ms; "
        f"errors {tally.errors + sum(n for s, n in tally.statuses.items() if s != 201)}"
    )
    health_rate = done / health_elapsed if health_elapsed else 0.0
    if health_rate:
        print(
            f"/health: {health_rate:,.0f} requests/s from the same clients; ballots/s to "
            f"/health: {accepted / elapsed / health_rate:.2f}"
        )
    if direct_seconds:
        rest = args.members - args.through_api
        print(
            f"the other {rest:,} members voted in-process through record_all in "
            f"{direct_seconds:.1f} s ({rest * args.motions / direct_seconds:,.0f} votes/s)"
        )
    carried = sum(outcomes)
    print(
        f"results: all {len(outcomes)} computed from the stored votes in {compute_seconds:.2f} s "
        f"(aim: under 2 s); {carried} carried, {len(outcomes) - carried} not carried"
    )
    print(
        f"closing all {len(answers)} through the API (compute, store, re-check): "
        f"{close_seconds:.2f} s"
    )
    counted = [
        sum(c["for"] + c["against"] + c["abstain"] for c in a["decision"]["checks"])
        for a in answers
    ]
    voters = accepted + args.members - args.through_api
    if any(n != voters for n in counted) or not all(a["reproducible"] for a in answers):
        print("MISMATCH: every accepted ballot should be counted once in every result")
        return 1
    if [a["passed"] for a in answers] != outcomes:
        print("MISMATCH: the stored results differ from those computed")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
