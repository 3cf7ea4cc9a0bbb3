"""Where the resolutions side plugs into the meeting side without the two importing each other.

Quorum counts members represented by proxy "as the constitution says", but proxies are kept by
the resolutions code (``proxies.py``). That code registers a counter here when it is imported::

    from governance.meetings import hooks

    def count(session, meeting, present_member_ids):
        ...  # members with a valid proxy held by someone present, who are not present themselves

    hooks.register_proxy_counter(count)

The counter runs in the caller's session and must not commit. With none registered, no proxies
are counted. Minutes link to the published results of the meeting's motions the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

if TYPE_CHECKING:
    from governance.meetings.models import Meeting

ProxyCounter = Callable[[Session, "Meeting", frozenset[int]], int]


@dataclass(frozen=True)
class ResultLink:
    """A published result to list with the minutes: what was decided and where to read it."""

    title: str
    outcome: str
    path: str


ResultLister = Callable[[Session, "Meeting"], list[ResultLink]]

_proxy_counters: list[ProxyCounter] = []
_result_listers: list[ResultLister] = []


def register_proxy_counter(counter: ProxyCounter) -> None:
    if counter not in _proxy_counters:
        _proxy_counters.append(counter)


def register_result_lister(lister: ResultLister) -> None:
    if lister not in _result_listers:
        _result_listers.append(lister)


def proxies_present(session: Session, meeting: Meeting, present: frozenset[int]) -> int:
    """Members represented by a proxy whose holder is present (0 when no counter is registered)."""
    return sum(counter(session, meeting, present) for counter in _proxy_counters)


def results_of(session: Session, meeting: Meeting) -> list[ResultLink]:
    """The published results of the meeting's motions, for its minutes."""
    return [link for lister in _result_listers for link in lister(session, meeting)]
