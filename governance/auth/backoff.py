"""Growing delays after failed attempts, and pacing for a noisy address, instead of lock-outs.

A fixed-window limit that refuses every attempt once reached lets anyone lock a person out: type
five wrong codes against a known voter ID, or ten wrong passwords against a known email
address, and the right ones are refused too. Here only *failures* count, and they count against
the credential *from the place they came from* (the client address, an IPv6 /64 counting as
one). After a few free failures the next attempt from that place is looked at only after a wait
that doubles with each failure; attempts sent sooner are refused without being checked, so
guessing stays slow, while the right credentials from anywhere else go straight through. A
second record per credential across all places adds the same kind of wait, but only for places
that have already failed with that credential, so a person at a clean address is never held up.

An address with many failures across many credentials (a guessing script, or a hospital's
network with one address for everyone) is *paced* rather than blocked: its attempts are looked
at one after another, a few seconds apart, each waiting its turn; the right credentials still
work, after a short wait. Every record is forgotten a day after its last failure.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlmodel import Session, col

from governance.auth.models import FailureBackoff
from governance.db import upsert_insert, utcnow
from governance.errors import Problem
from governance.security import Keys

FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Backoff:
    """``free`` failures cost nothing; then each waits ``first_wait`` seconds, doubling, to
    ``max_wait``."""

    name: str
    free: int
    first_wait: int
    max_wait: int

    def wait_after(self, failures: int) -> int:
        if failures <= self.free:
            return 0
        return int(min(self.first_wait * 2 ** min(failures - self.free - 1, 30), self.max_wait))


@dataclass(frozen=True)
class Pacing:
    """Once an address has more than ``free`` failures, one attempt from it is looked at every
    ``spacing`` seconds (doubling every ``double_every`` further failures, to ``max_spacing``);
    an attempt whose turn is at most ``max_queue`` seconds away waits for it."""

    name: str
    free: int
    spacing: float
    double_every: int
    max_spacing: float
    max_queue: float

    def spacing_after(self, failures: int) -> float:
        doublings = max(failures - self.free, 0) // self.double_every
        return float(min(self.spacing * 2 ** min(doublings, 30), self.max_spacing))


class TryLater(Problem):
    """Refused before being checked: 429 with the seconds to wait in Retry-After."""

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(
            429,
            "rate-limited",
            message
            or "There have been too many attempts with wrong details. Wait a few minutes and "
            "try again.",
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def place(ip: str) -> str:
    """Where attempts come from: the address, or its /64 for IPv6 (one household or host)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def key(keys: Keys, name: str, *parts: object) -> str:
    """A record key that does not hold the email address, voter ID or address in clear."""
    subject = "\x1f".join(str(part).lower() for part in parts)
    return f"{name}:{keys.token_hmac(subject, 'backoff')[:40]}"


def _live(row: FailureBackoff | None, now: datetime) -> FailureBackoff | None:
    if row is None or row.last_failure_at <= now - FORGET_AFTER:
        return None
    return row


def failures(session: Session, record: str, now: datetime) -> int:
    row = _live(session.get(FailureBackoff, record), now)
    return row.failures if row else 0


def seconds_to_wait(session: Session, record: str, now: datetime) -> int:
    """How long until an attempt under ``record`` is looked at (0: now)."""
    row = _live(session.get(FailureBackoff, record), now)
    if row is None or row.retry_at <= now:
        return 0
    return max(1, math.ceil((row.retry_at - now).total_seconds()))


def check(session: Session, records: list[str], now: datetime) -> None:
    """Refuse (429) if any of ``records`` is still waiting."""
    wait = max((seconds_to_wait(session, record, now) for record in records), default=0)
    if wait:
        raise TryLater(wait)


def note_failure(session: Session, record: str, rule: Backoff | None, now: datetime) -> int:
    """Count one failure under ``record`` and (with a ``rule``) set when the next attempt is
    looked at; a paced address's record keeps its turns. Runs in the caller's transaction
    (commit it). Returns the failures counted so far.
    """
    table = FailureBackoff.__table__  # type: ignore[attr-defined]
    stale = now - FORGET_AFTER
    statement = (
        upsert_insert(session, table)
        .values(key=record, failures=1, last_failure_at=now, retry_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": case((table.c.last_failure_at <= stale, 1), else_=table.c.failures + 1),
                "last_failure_at": now,
            },
        )
        .returning(table.c.failures)
    )
    count = int(session.execute(statement).scalar_one())
    if rule is None:
        return count
    wait = rule.wait_after(count)
    session.execute(
        update(FailureBackoff)
        .where(col(FailureBackoff.key) == record)
        .values(retry_at=now + timedelta(seconds=wait))
    )
    return count


def clear(session: Session, record: str) -> None:
    """Forget the failures under ``record`` (the right credentials came from that place)."""
    session.execute(delete(FailureBackoff).where(col(FailureBackoff.key) == record))


def take_turn(session: Session, record: str, rule: Pacing, now: datetime) -> float:
    """For a paced address: claim the next turn; the seconds until it (0 if not paced).

    Raises :class:`TryLater` when the turn is further away than ``rule.max_queue``. The claim is
    a compare-and-set on the record's ``retry_at``, so concurrent attempts from the address get
    successive turns. Commits the caller's transaction.
    """
    for _ in range(20):
        row = _live(session.get(FailureBackoff, record, populate_existing=True), now)
        if row is None or row.failures <= rule.free:
            return 0.0
        spacing = timedelta(seconds=rule.spacing_after(row.failures))
        turn = max(row.retry_at, now)
        wait = (turn - now).total_seconds()
        if wait > rule.max_queue:
            session.commit()
            raise TryLater(max(1, math.ceil(wait - rule.max_queue)))
        claimed = session.execute(
            update(FailureBackoff)
            .where(col(FailureBackoff.key) == record, col(FailureBackoff.retry_at) == row.retry_at)
            .values(retry_at=turn + spacing)
        )
        session.commit()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return wait
    raise TryLater(1)


def wait_for_turn(seconds: float) -> None:
    """Hold the attempt until its turn (a worker thread, never the event loop)."""
    if seconds > 0:
        time.sleep(seconds)


def cleanup(session: Session, *, now: datetime | None = None) -> int:
    """Delete records a day past their last failure; the number removed."""
    cutoff = (now or utcnow()) - FORGET_AFTER
    result = session.execute(
        delete(FailureBackoff).where(col(FailureBackoff.last_failure_at) < cutoff)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
