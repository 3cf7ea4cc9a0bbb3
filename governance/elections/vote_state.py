"""The voter's progress through the voting pages, carried in the page itself.

Between "enter your voter ID" and "cast your vote" the server keeps nothing about the voter:
each page carries the credentials, the declaration and the choices so far in one hidden field,
encrypted and authenticated under the server key (Fernet), and bound to one election. The
voter's own browser holds it; it expires after an hour.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta

from governance.security import Keys

PURPOSE = "vote-step"
LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class VoteState:
    election_id: int
    voter_id: str
    code: str
    needs_declaration: bool
    declared: bool = False
    choices: list[int] = field(default_factory=list)
    expires: float = 0.0

    def with_(self, **changes: object) -> VoteState:
        return replace(self, **changes)  # type: ignore[arg-type]


def seal_state(keys: Keys, state: VoteState, now: datetime) -> str:
    stamped = state.with_(expires=(now + LIFETIME).timestamp())
    return keys.seal(json.dumps(asdict(stamped), separators=(",", ":")), PURPOSE)


def open_state(keys: Keys, token: str, election_id: int, now: datetime) -> VoteState | None:
    """The state in ``token``, or None if it was altered, is for another election or expired."""
    if not token or len(token) > 4000:
        return None
    try:
        data = json.loads(keys.unseal(token, PURPOSE))
        state = VoteState(
            election_id=int(data["election_id"]),
            voter_id=str(data["voter_id"]),
            code=str(data["code"]),
            needs_declaration=bool(data["needs_declaration"]),
            declared=bool(data["declared"]),
            choices=[int(c) for c in data["choices"]],
            expires=float(data["expires"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
    if state.election_id != election_id or state.expires < now.timestamp():
        return None
    return state
