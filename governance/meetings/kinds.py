"""The words a meeting is described in: its kind and the states it and its parts pass through.

Kept apart from the tables so that the pure modules (``notice.py``, ``quorum.py``) can use them
without importing the database layer.
"""

from __future__ import annotations

from enum import StrEnum


class MeetingKind(StrEnum):
    FT_ANNUAL_MEMBERS = "ft_annual_members"
    COUNCIL_OF_GOVERNORS = "council_of_governors"
    BOARD_IN_PUBLIC = "board_in_public"
    COOP_AGM = "coop_agm"
    COOP_GENERAL = "coop_general"
    MUTUAL_MEMBERS = "mutual_members"

    @property
    def label(self) -> str:
        return {
            "ft_annual_members": "Annual members' meeting",
            "council_of_governors": "Council of governors meeting",
            "board_in_public": "Board meeting held in public",
            "coop_agm": "Annual general meeting",
            "coop_general": "General meeting",
            "mutual_members": "Members' meeting",
        }[self.value]


class MeetingStatus(StrEnum):
    DRAFT = "draft"  # being prepared; not public
    CALLED = "called"  # notice published
    OPEN = "open"  # in progress
    ADJOURNED = "adjourned"  # stood adjourned (inquorate, or by the chair)
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AttendanceMode(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"

    @property
    def label(self) -> str:
        return {"in_person": "In person", "online": "Online"}[self.value]


class Capacity(StrEnum):
    """In what capacity someone attends: it decides whom they count towards in the quorum."""

    MEMBER = "member"
    GOVERNOR = "governor"
    DIRECTOR = "director"


class RequisitionStatus(StrEnum):
    COLLECTING = "collecting"  # open for signatures
    REACHED = "reached"  # enough signatures; the secretary has been told
    MET = "met"  # a meeting has been called in answer
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class QuestionStatus(StrEnum):
    SUBMITTED = "submitted"
    ANSWERED = "answered"
    REJECTED = "rejected"  # out of order (e.g. defamatory, or not about the organisation)

    @property
    def label(self) -> str:
        return self.value.capitalize()


class MinutesStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return self.value.capitalize()


ANNUAL_KINDS = frozenset({MeetingKind.COOP_AGM, MeetingKind.FT_ANNUAL_MEMBERS})
"""Meetings held once a year, at most ``agm_max_interval_months`` apart."""

MEMBERS_KINDS = frozenset(
    {
        MeetingKind.FT_ANNUAL_MEMBERS,
        MeetingKind.COOP_AGM,
        MeetingKind.COOP_GENERAL,
        MeetingKind.MUTUAL_MEMBERS,
    }
)
"""Meetings of the members: members attend, ask questions and may be counted by proxy."""
