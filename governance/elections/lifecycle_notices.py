"""The words of the messages the election's lifecycle sends, and the queueing of them.

Members of the constituency hear of the notice of election (so they can stand); candidates hear
of each decision about their nomination, of the statement, and of the result. Voters' own
messages (credentials, reminders) belong to the poll (``poll_notices``). Everything goes
through the outbox in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session

from governance.db import utcnow
from governance.elections.candidacy import REJECTION_REASONS
from governance.elections.models import Candidate, Election
from governance.elections.poll import mail_row
from governance.mail import OutboxMessage, queue_mail
from governance.organisations.models import Organisation
from governance.web.templating import localtime

WHEN = "%-d %B %Y at %H:%M"
BATCH = 2000


def election_path(organisation: Organisation, election: Election) -> str:
    return f"/o/{organisation.slug}/elections/{election.id}"


@dataclass(frozen=True)
class LifecycleNotices:
    organisation: Organisation
    election: Election
    base_url: str

    def when(self, moment: datetime | None) -> str:
        return localtime(moment, self.organisation.time_zone, WHEN)

    @property
    def purpose(self) -> str:
        return f"election-lifecycle:{self.election.id}"

    @property
    def page(self) -> str:
        return f"{self.base_url.rstrip('/')}{election_path(self.organisation, self.election)}"

    def _send(self, session: Session, to: str | None, subject: str, lines: list[str]) -> None:
        if not to:
            return
        body = "\n".join([*lines, "", self.organisation.name])
        queue_mail(
            session,
            to=to,
            subject=f"{subject}: {self.election.title}",
            text=body,
            organisation_id=self.organisation.id,
            purpose=self.purpose,
        )

    def notice_of_election(self, session: Session, recipients: Iterable[tuple[str, str]]) -> int:
        """Email the notice to each ``(name, address)``, inserted in batches (a constituency
        can have tens of thousands of members). Returns the number queued."""
        election = self.election
        seats = f"{election.seats} {'seat' if election.seats == 1 else 'seats'}"
        subject = f"Notice of election: {election.title}"
        now = utcnow()
        rows = []
        for name, address in recipients:
            text = "\n".join(
                [
                    f"Dear {name},",
                    "",
                    f"{self.organisation.name} is holding an election for {seats}: "
                    f"{election.title}.",
                    "",
                    "As a member you may stand. Nominations close on "
                    f"{self.when(election.nominations_close_at)}. To stand, sign in and fill in "
                    f"the nomination form at {self.page}/stand",
                    "",
                    f"If there is a contest, voting closes on {self.when(election.poll_close_at)}."
                    " You will be sent your voting details before voting opens.",
                    "",
                    f"The notice of election and the timetable: {self.page}",
                    "",
                    self.organisation.name,
                ]
            )
            rows.append(
                {**mail_row(election, address, subject, text, now), "purpose": self.purpose}
            )
        for start in range(0, len(rows), BATCH):
            session.execute(insert(OutboxMessage), rows[start : start + BATCH])
        return len(rows)

    def nomination_received(self, session: Session, candidate: Candidate, to: str | None) -> None:
        self._send(
            session,
            to,
            "Nomination received",
            [
                f"Dear {candidate.ballot_name},",
                "",
                "Your nomination has been received. The returning officer will decide whether it "
                "is valid and will tell you.",
                "",
                f"You may withdraw until {self.when(self.election.withdrawals_close_at)}.",
            ],
        )

    def decision(self, session: Session, candidate: Candidate, to: str | None) -> None:
        if candidate.decision_reason:
            reason = REJECTION_REASONS.get(candidate.decision_reason, candidate.decision_reason)
            lines = [
                "The returning officer has decided that your nomination is not valid.",
                f"Reason: {reason}",
            ]
        else:
            lines = ["The returning officer has accepted your nomination as valid."]
        self._send(
            session,
            to,
            "Your nomination",
            [f"Dear {candidate.ballot_name},", "", *lines, "", f"The election: {self.page}"],
        )

    def withdrawn(self, session: Session, candidate: Candidate, to: str | None) -> None:
        self._send(
            session,
            to,
            "Withdrawal recorded",
            [
                f"Dear {candidate.ballot_name},",
                "",
                "Your withdrawal from the election has been recorded. Your name will not be on "
                "the ballot paper.",
            ],
        )

    def statement(self, session: Session, candidate: Candidate, to: str | None) -> None:
        self._send(
            session,
            to,
            "Statement of nominated candidates",
            [
                f"Dear {candidate.ballot_name},",
                "",
                f"The statement of nominated candidates is published at {self.page}. You may "
                f"withdraw until {self.when(self.election.withdrawals_close_at)}.",
            ],
        )

    def result(self, session: Session, candidate: Candidate, to: str | None, elected: bool) -> None:
        outcome = "you have been elected" if elected else "you were not elected"
        self._send(
            session,
            to,
            "Result",
            [
                f"Dear {candidate.ballot_name},",
                "",
                f"The result has been declared: {outcome}. The declaration, with the full count, "
                f"is at {self.page}",
            ],
        )

    def abandoned(self, session: Session, candidate: Candidate, to: str | None) -> None:
        self._send(
            session,
            to,
            "Poll abandoned",
            [
                f"Dear {candidate.ballot_name},",
                "",
                "The poll has been abandoned because a candidate died or was disqualified. "
                "The election will be held again; you remain a candidate and need not be "
                "nominated again.",
            ],
        )
