"""The opened ballots of an election (``counted_ballot``, see ``opening``) as the counting
engine reads them.

Candidates are numbered by their place on the ballot paper (``ballot_position``), so index 0
is the first name on the paper. A candidate who died or was disqualified after voting opened
stays on the list as *withdrawn*: under STV the count then passes over them as if they had been
excluded before the first stage (RULES.md section 4). Ballots that arrived after the close are
never read; papers the staff entered as rejected are counted by their reason and set aside.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from governance.elections.counting.ballots import fptp_ballot, stv_ballot, tally
from governance.elections.counting.model import Ballot as Paper
from governance.elections.counting.model import Election as CountElection
from governance.elections.counting.model import InvalidReason
from governance.elections.models import Candidate, CandidateStatus, CountedBallot, Election

REMOVED = frozenset({CandidateStatus.DIED, CandidateStatus.DISQUALIFIED})
ON_PAPER = frozenset(
    {CandidateStatus.VALID, CandidateStatus.ELECTED, CandidateStatus.NOT_ELECTED, *REMOVED}
)


def poll_candidates(session: Session, election: Election) -> list[Candidate]:
    """The names that were on the ballot paper when voting opened, in ballot order."""
    rows = session.exec(
        select(Candidate)
        .where(
            Candidate.election_id == election.id,
            col(Candidate.ballot_position).is_not(None),
            col(Candidate.status).in_(ON_PAPER),
        )
        .order_by(col(Candidate.ballot_position), col(Candidate.id))
    ).all()
    return list(rows)


def blt_safe(text: str) -> str:
    """A name or title BLT can hold (no double quotes or line breaks)."""
    return " ".join(text.replace('"', "'").split())


@dataclass
class CountInput:
    """What the count needs, and what the declaration reports beside the engine's result."""

    election: CountElection
    candidates: list[Candidate]
    papers: list[Paper]  # every valid paper, one by one, for publication
    rejected_papers: dict[str, int] = field(default_factory=dict)  # staff-entered, by reason
    fptp: bool = False


def read_ballots(session: Session, election: Election) -> CountInput:
    candidates = poll_candidates(session, election)
    ids = [c.id for c in candidates]
    fptp = election.method == "fptp"
    rejected: Counter[str] = Counter()
    read: list[Paper | InvalidReason] = []
    rows = session.exec(
        select(CountedBallot.choices, CountedBallot.invalid_reason).where(
            CountedBallot.election_id == election.id
        )
    ).all()
    for choices, invalid_reason in rows:
        if invalid_reason:
            rejected[invalid_reason] += 1
        elif fptp:
            read.append(fptp_ballot(choices, ids, election.seats))
        else:
            read.append(stv_ballot({c: n for n, c in enumerate(choices, start=1)}, ids))
    ballots, invalid = tally(read)
    removed = frozenset(i for i, c in enumerate(candidates) if c.status in REMOVED)
    return CountInput(
        election=CountElection(
            candidates=[blt_safe(c.ballot_name) for c in candidates],
            seats=election.seats,
            ballots=ballots,
            withdrawn=removed,
            title=blt_safe(election.title),
            invalid=invalid,
        ),
        candidates=candidates,
        papers=[_one_mark_per_level(p) if fptp else p for p in read if isinstance(p, Paper)],
        rejected_papers=dict(sorted(rejected.items())),
        fptp=fptp,
    )


def _one_mark_per_level(paper: Paper) -> Paper:
    """An FPTP paper written as a list of marks (``3 1 0``) rather than an equal preference
    (``1=3``), which more counting programs read; the FPTP count reads both as the same marks."""
    marks = sorted(c for group in paper.ranking for c in group)
    return Paper(paper.weight, tuple((c,) for c in marks))
