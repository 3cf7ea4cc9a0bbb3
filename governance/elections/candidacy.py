"""The rules of a nomination that need no database: its four parts, the statement, the photo,
the reasons a returning officer may give for rejecting it, and the order of names on the ballot.

Under the Model Election Rules (RULES.md section 4) a nomination has four parts: the
candidate's particulars, a declaration of interests (or that there are none), a declaration of
eligibility (not disqualified; the constituency they qualify in) and a signature, which online
is the candidate's confirmation. The returning officer may reject a nomination only because it
was late or one of those parts is missing, so those are the only reasons this module knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

STATEMENT_MAX_WORDS = 250
PHOTO_MAX_BYTES = 1_000_000
PHOTO_TYPES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}

REJECTION_REASONS: dict[str, str] = {
    "late": "The nomination was delivered after nominations closed.",
    "particulars-missing": "The candidate's particulars are missing.",
    "interests-missing": "The declaration of interests is missing.",
    "eligibility-missing": "The declaration of eligibility is missing.",
    "confirmation-missing": "The candidate's signature (confirmation) is missing.",
}
"""The only grounds on which a returning officer may reject a nomination."""

_WORD = re.compile(r"\S+")


def word_count(text: str) -> int:
    """Words as a reader counts them: runs of characters between spaces or line breaks."""
    return len(_WORD.findall(text))


def photo_type(data: bytes) -> str | None:
    """The media type of a JPEG or PNG image judged by its first bytes, or None."""
    for magic, media_type in PHOTO_TYPES.items():
        if data.startswith(magic):
            return media_type
    return None


@dataclass(frozen=True)
class Particulars:
    """The candidate's particulars as the statement of nominated candidates shows them."""

    surname: str
    other_names: str
    address: str
    telephone: str = ""
    email: str = ""

    @property
    def ballot_name(self) -> str:
        return f"{self.other_names} {self.surname}".strip()

    def as_json(self) -> dict[str, str]:
        return {
            "surname": self.surname,
            "other_names": self.other_names,
            "address": self.address,
            "telephone": self.telephone,
            "email": self.email,
        }


def missing_parts(
    particulars: Particulars,
    *,
    interests: str,
    no_interests: bool,
    declared_eligible: bool,
    qualifying_ok: bool,
    confirmed: bool,
) -> list[str]:
    """Which of the four parts are missing, as rejection-reason slugs (empty when complete)."""
    missing = []
    if not (particulars.surname and particulars.other_names and particulars.address):
        missing.append("particulars-missing")
    if not (interests.strip() or no_interests) or (interests.strip() and no_interests):
        missing.append("interests-missing")
    if not (declared_eligible and qualifying_ok):
        missing.append("eligibility-missing")
    if not confirmed:
        missing.append("confirmation-missing")
    return missing


class Named(Protocol):
    @property
    def particulars(self) -> dict[str, object]: ...

    @property
    def id(self) -> int | None: ...


C = TypeVar("C", bound=Named)


def ballot_order(candidates: Iterable[C]) -> list[C]:
    """Candidates in the order of the statement and the ballot paper.

    Alphabetical by surname and then by other names, ignoring case, as the Model Election Rules
    (and UK statutory election rules generally) require; two people with the same names keep
    the order in which they were nominated.
    """

    def key(candidate: C) -> tuple[str, str, int]:
        surname = str(candidate.particulars.get("surname", ""))
        other = str(candidate.particulars.get("other_names", ""))
        return (surname.casefold(), other.casefold(), candidate.id or 0)

    return sorted(candidates, key=key)
