"""The count, the declaration, and what is published for anyone to recount.

The returning officer counts once the poll has closed, with the election's rule set and either
a seed they supply or none, in which case the engine draws one with ``secrets`` only when a lot
is needed, after the tie is found; either way the seed is kept and audited, so the count can be
replayed exactly. The count may be run again until the declaration (it replaces the last one).

At the declaration the elected take office (``members.offices``), the figures are fixed
(electorate, votes cast, turnout, rejected papers by reason, the elected in order), and the
valid ballots are published as a BLT file in an order drawn from the operating system's
CSPRNG, with the sorted list of receipt hashes, so that anyone can recount with any program and
each voter can find their receipt.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.elections.ballot_box import REJECTION_REASONS as PAPER_REASONS
from governance.elections.counting import report
from governance.elections.counting.blt import write_blt
from governance.elections.counting.model import CountError
from governance.elections.counting.model import Election as CountElection
from governance.elections.counting.registry import METHODS
from governance.elections.counting_input import CountInput, read_ballots
from governance.elections.election_key import KeyProblem, fingerprint
from governance.elections.electorate import local_day
from governance.elections.lifecycle_models import ElectionConduct, ElectionPublication
from governance.elections.lifecycle_notices import LifecycleNotices
from governance.elections.models import (
    Ballot,
    Candidate,
    CandidateStatus,
    Election,
    ElectionStatus,
    StageEvent,
)
from governance.elections.nominations import email_of
from governance.elections.opening import open_for_count
from governance.elections.receipts import receipt_hashes
from governance.elections.service import conduct_of
from governance.errors import Conflict, Invalid
from governance.members.offices import Office, start_terms
from governance.organisations.models import Organisation

COUNTABLE = frozenset({ElectionStatus.POLL_CLOSED, ElectionStatus.COUNTED})


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` to one decimal place, rounded half up, in integers."""
    if not whole:
        return "0.0%"
    tenths = (part * 1000 + whole // 2) // whole
    return f"{tenths // 10}.{tenths % 10}%"


def count(
    session: Session,
    election: Election,
    *,
    seed: str | None,
    actor: str,
    private_key: str | None = None,
    shares: Sequence[str] = (),
) -> dict[str, Any]:
    """Open the ballots with the election's private key (or k trustees' ``shares``), count them
    and store the provisional result (the election becomes ``counted``).

    A wrong key, too few shares or a damaged ballot is refused with :class:`Invalid` and changes
    nothing. The key is used in memory only: it is not stored, audited or logged.
    """
    now = utcnow()
    if election.status not in COUNTABLE or (
        election.poll_close_at is not None and now < election.poll_close_at
    ):
        raise Conflict("not-countable", "The ballots can be counted once the poll has closed.")
    method = METHODS.get(election.method)
    if method is None:
        raise Conflict("unknown-method", f"The counting method {election.method!r} is not known.")
    try:
        opened = open_for_count(session, election, private_key=private_key, shares=shares)
    except KeyProblem as problem:
        session.rollback()
        raise Invalid(problem.slug, problem.message) from None
    read = read_ballots(session, election)
    try:
        result = method.count(read.election, seed)
    except CountError as error:
        session.rollback()
        raise Conflict("cannot-count", f"The ballots cannot be counted: {error}") from None
    data = report.as_json(result, read.election.title)
    ids = [c.id for c in read.candidates]
    data["candidate_ids"] = ids
    data["elected_ids"] = [ids[i] for i in result.elected]
    data["rejected_papers"] = read.rejected_papers
    changed = session.execute(
        update(Election)
        .where(col(Election.id) == election.id, col(Election.status) == election.status)
        .values(status=ElectionStatus.COUNTED, result=data, seed=result.seed, counted_at=now)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("stage-moved", "The election moved on; look again and retry.")
    conduct = conduct_of(session, election)
    conduct.seed_source = "supplied" if seed else ("drawn" if result.seed else None)
    session.add(conduct)
    audit.record(
        session,
        actor=actor,
        action="election.counted",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
        detail={
            "method": result.method,
            "seed": result.seed,
            "seed_source": conduct.seed_source,
            "lots": sum(1 for tie in result.ties if tie.broken_by == "lot"),
            "valid_votes": data["valid_votes"],
            "elected": data["elected_ids"],
            "ballots_opened": opened,
            "key": key_used(election, private_key, shares),
        },
    )
    session.commit()
    session.refresh(election)
    return data


def key_used(election: Election, private_key: str | None, shares: Sequence[str]) -> str:
    """What the audit says of the key: which public key, and whether shares were combined."""
    if not election.ballot_public_key:
        return "none (plain poll)"
    way = "private key" if private_key and private_key.strip() else "trustees' shares"
    return f"{way} for {fingerprint(election.ballot_public_key)}"


def term_start(conduct: ElectionConduct, organisation: Organisation, now: datetime) -> date:
    return conduct.term_starts_on or local_day(now, organisation)


def _take_office(
    session: Session,
    *,
    organisation: Organisation,
    election: Election,
    elected: list[Candidate],
    starts_on: date,
    actor: str,
) -> None:
    assert organisation.id is not None
    start_terms(
        session,
        organisation_id=organisation.id,
        member_ids=[c.member_id for c in elected],
        office=Office(election.office),
        starts_on=starts_on,
        years=election.term_years,
        constituency_id=election.constituency_id,
        election_id=election.id,
        recorded_by=actor,
    )


def _challenge_until(organisation: Organisation, now: datetime) -> str:
    days = organisation.constitution.challenge_period_days
    return (local_day(now, organisation) + timedelta(days=days)).isoformat()


def declare_uncontested(
    session: Session,
    organisation: Organisation,
    election: Election,
    standing: list[Candidate],
    *,
    actor: str,
    base_url: str,
) -> list[int]:
    """Elect the candidates standing without a poll (the caller has moved the status and
    recorded the stage, in this transaction). Returns the elected candidates' ids."""
    now = utcnow()
    conduct = conduct_of(session, election)
    elected = list(standing)
    notices = LifecycleNotices(organisation, election, base_url)
    for candidate in elected:
        candidate.status = CandidateStatus.ELECTED
        session.add(candidate)
        notices.result(session, candidate, email_of(session, candidate), elected=True)
    starts_on = term_start(conduct, organisation, now)
    _take_office(
        session,
        organisation=organisation,
        election=election,
        elected=elected,
        starts_on=starts_on,
        actor=actor,
    )
    election.declared_at = now
    session.add(election)
    conduct.unfilled_seats = election.seats - len(elected)
    conduct.declaration = {
        "contested": False,
        "electorate": election.electorate_count,
        "elected": [{"id": c.id, "name": c.ballot_name} for c in elected],
        "seats": election.seats,
        "unfilled_seats": conduct.unfilled_seats,
        "term_starts_on": starts_on.isoformat(),
        "challenge_until": _challenge_until(organisation, now),
    }
    session.add(conduct)
    audit.record(
        session,
        actor=actor,
        action="election.declared_uncontested",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
        detail={"elected": [c.id for c in elected], "unfilled": conduct.unfilled_seats},
    )
    return [c.id for c in elected if c.id is not None]


def declare(
    session: Session,
    organisation: Organisation,
    election: Election,
    *,
    actor: str,
    base_url: str,
) -> ElectionConduct:
    """Declare the counted result, put the elected in office and publish the ballots."""
    now = utcnow()
    if election.status != ElectionStatus.COUNTED or not election.result:
        raise Conflict("not-counted", "Count the ballots before declaring the result.")
    changed = session.execute(
        update(Election)
        .where(col(Election.id) == election.id, col(Election.status) == ElectionStatus.COUNTED)
        .values(status=ElectionStatus.DECLARED, declared_at=now)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("stage-moved", "The election moved on; look again and retry.")
    session.refresh(election)
    assert election.id is not None and election.result is not None
    session.add(StageEvent(election_id=election.id, stage=ElectionStatus.DECLARED, actor=actor))
    read = read_ballots(session, election)
    elected_ids: list[int] = list(election.result["elected_ids"])
    by_id = {c.id: c for c in read.candidates}
    elected = [by_id[i] for i in elected_ids]
    notices = LifecycleNotices(organisation, election, base_url)
    for candidate in read.candidates:
        if candidate.status != CandidateStatus.VALID:
            continue
        won = candidate.id in elected_ids
        candidate.status = CandidateStatus.ELECTED if won else CandidateStatus.NOT_ELECTED
        session.add(candidate)
        notices.result(session, candidate, email_of(session, candidate), elected=won)
    conduct = conduct_of(session, election)
    starts_on = term_start(conduct, organisation, now)
    _take_office(
        session,
        organisation=organisation,
        election=election,
        elected=elected,
        starts_on=starts_on,
        actor=actor,
    )
    conduct.unfilled_seats = election.seats - len(elected)
    conduct.declaration = figures(
        session,
        organisation=organisation,
        election=election,
        read=read,
        now=now,
        starts_on=starts_on,
    )
    session.add(conduct)
    publication = publish(session, election, read)
    audit.record(
        session,
        actor=actor,
        action="election.declared",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
        detail={
            "elected": elected_ids,
            "unfilled": conduct.unfilled_seats,
            "blt_sha256": publication.blt_sha256,
            "ballots_published": publication.ballots,
        },
    )
    session.commit()
    return conduct


def figures(
    session: Session,
    *,
    organisation: Organisation,
    election: Election,
    read: CountInput,
    now: datetime,
    starts_on: date,
) -> dict[str, Any]:
    """The declaration's numbers, fixed as they stand when the result is declared."""
    assert election.result is not None
    late = session.exec(
        select(func.count())
        .select_from(Ballot)
        .where(Ballot.election_id == election.id, col(Ballot.late).is_(True))
    ).one()
    engine_rejects = {str(k): int(v) for k, v in election.result.get("invalid", {}).items()}
    rejected: list[dict[str, Any]] = [
        {"reason": PAPER_REASONS.get(slug, slug), "papers": papers}
        for slug, papers in read.rejected_papers.items()
    ] + [
        {"reason": reason.capitalize(), "papers": papers}
        for reason, papers in engine_rejects.items()
        if papers
    ]
    valid = int(election.result["valid_votes"])
    cast = valid + sum(item["papers"] for item in rejected)
    electorate = election.electorate_count or 0
    names = {c.id: c.ballot_name for c in read.candidates}
    return {
        "contested": True,
        "electorate": electorate,
        "votes_cast": cast,
        "turnout": percent(cast, electorate),
        "valid_votes": valid,
        "rejected": rejected,
        "rejected_total": cast - valid,
        "late_ballots_not_counted": late,
        "elected": [{"id": i, "name": names[i]} for i in election.result["elected_ids"]],
        "seats": election.seats,
        "unfilled_seats": election.seats - len(election.result["elected_ids"]),
        "term_starts_on": starts_on.isoformat(),
        "challenge_until": _challenge_until(organisation, now),
    }


def publish(session: Session, election: Election, read: CountInput) -> ElectionPublication:
    """Write the valid ballots as BLT in a random order, and the sorted receipt hashes."""
    assert election.id is not None
    papers = list(read.papers)
    secrets.SystemRandom().shuffle(papers)
    shown = CountElection(
        candidates=read.election.candidates,
        seats=read.election.seats,
        ballots=papers,
        withdrawn=read.election.withdrawn,
        title=read.election.title,
    )
    text = write_blt(shown)
    hashes = receipt_hashes(session, election)
    publication = ElectionPublication(
        election_id=election.id,
        blt=text,
        receipt_hashes="".join(f"{h}\n" for h in hashes),
        ballots=len(papers),
        blt_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    session.add(publication)
    return publication


def publication_of(session: Session, election: Election) -> ElectionPublication | None:
    return session.get(ElectionPublication, election.id)
