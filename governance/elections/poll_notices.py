"""The words of the messages the poll sends: credentials, replacements and reminders.

Every message repeats what a voter needs to vote without looking anything else up: the voting
link, their voter ID and security code, the close of poll and how to get replacement voting
information. They go out through the outbox (``governance.mail``).
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.elections.ballot_box import Credentials
from governance.elections.models import Election
from governance.organisations.models import Organisation
from governance.web.templating import localtime

CLOSE_FORMAT = "%-I:%M%p on %A %-d %B %Y"


@dataclass(frozen=True)
class PollNotices:
    """Message texts for one election, built once per batch."""

    organisation: Organisation
    election: Election
    base_url: str

    @property
    def vote_url(self) -> str:
        return f"{self.base_url.rstrip('/')}{vote_path(self.organisation, self.election)}"

    @property
    def closes(self) -> str:
        when = localtime(self.election.poll_close_at, self.organisation.time_zone, CLOSE_FORMAT)
        return when.replace("AM", "am").replace("PM", "pm")

    def subject(self, kind: str = "") -> str:
        prefix = f"{kind}: " if kind else ""
        return f"{prefix}your vote in the {self.election.title}, {self.organisation.name}"

    def _replacement_help(self) -> str:
        contact = self.election.returning_officer_contact.strip()
        who = f"the returning officer ({contact})" if contact else "the returning officer"
        return (
            "If these details are lost or spoilt, or never reached you, ask "
            f"{who} for replacement voting information. They can issue it only while no "
            "vote has been recorded with your voter ID, and the details above then stop working."
        )

    def _body(self, name: str, opening: str, credentials: Credentials, declaration: bool) -> str:
        lines = [
            f"Dear {name},",
            "",
            opening,
            "",
            f"Vote online at: {self.vote_url}",
            "",
            f"Your voter ID:      {credentials.voter_id}",
            f"Your security code: {credentials.code}",
            "",
            f"Voting closes at {self.closes}.",
            "",
        ]
        if declaration:
            lines += [
                "Before you vote you will be asked to declare that you are the person this "
                "message was sent to and that you have not already voted in this election in "
                "any other way.",
                "",
            ]
        lines += [
            self._replacement_help(),
            "",
            "Keep this message to yourself: anyone with your voter ID and security code can "
            "vote in your name. Nobody from the organisation will ask you for them.",
            "",
            f"{self.organisation.name}",
        ]
        return "\n".join(lines)

    def credentials(self, name: str, credentials: Credentials, *, declaration: bool) -> str:
        seats = self.election.seats
        opening = (
            f"You can vote in the {self.election.title} for {self.organisation.name}: "
            f"{seats} {'seat is' if seats == 1 else 'seats are'} to be filled."
        )
        return self._body(name, opening, credentials, declaration)

    def replacement(self, name: str, credentials: Credentials, *, declaration: bool) -> str:
        opening = (
            f"The returning officer has issued you replacement voting information for the "
            f"{self.election.title}. The voter ID and security code sent to you before no longer "
            "work; use these instead."
        )
        return self._body(name, opening, credentials, declaration)

    def reminder(self, name: str, credentials: Credentials, *, declaration: bool) -> str:
        opening = (
            f"Voting in the {self.election.title} closes soon. If you have already voted, "
            "thank you: this reminder was prepared before your vote was recorded and you do "
            "not need to do anything."
        )
        return self._body(name, opening, credentials, declaration)


def vote_path(organisation: Organisation, election: Election) -> str:
    return f"/o/{organisation.slug}/elections/{election.id}/vote"


def mail_purpose(kind: str, election: Election) -> str:
    """The outbox ``purpose`` of a poll message, so the close of poll can find and scrub it."""
    return f"election-{kind}:{election.id}"
