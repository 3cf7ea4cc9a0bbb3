"""Constitution settings and their defaults per organisation type (pure; RULES.md sections 2-6).

Every number the rules give is a setting of the organisation's constitution, with the rules' value
as the default for its type. Values marked [belief] in RULES.md are defaults we could not check
against the primary text; the docs say so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any


class OrganisationType(StrEnum):
    FOUNDATION_TRUST = "foundation_trust"
    COOPERATIVE = "cooperative"
    COMMUNITY_BENEFIT_SOCIETY = "community_benefit_society"
    DIRECT_PAYMENTS_MUTUAL = "direct_payments_mutual"

    @property
    def label(self) -> str:
        return {
            "foundation_trust": "NHS foundation trust",
            "cooperative": "Co-operative society",
            "community_benefit_society": "Community benefit society",
            "direct_payments_mutual": "Direct-payments mutual",
        }[self.value]


class Role(StrEnum):
    """Roles held in one organisation. The platform admin is a flag on the account instead."""

    MEMBER = "member"
    GOVERNOR = "governor"
    DIRECTOR = "director"
    SECRETARY = "secretary"
    RETURNING_OFFICER = "returning_officer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


ROLES_NEEDING_TOTP = frozenset({Role.SECRETARY, Role.RETURNING_OFFICER})

RULES_VERSIONS = ("mer-2014", "mer-2008", "mer-2006", "co-operatives-uk-model", "own-rules")
SILENT_CLASS_CHOICES = ("redistribute", "withhold")


@dataclass(frozen=True)
class Constitution:
    """The settings a constitution fixes. Unknown keys in stored JSON are rejected."""

    rules_version: str = "mer-2014"
    minimum_age: int = 16
    minimum_members_per_constituency: int = 0
    staff_opt_out: bool = True  # [belief] staff are enrolled and may opt out
    staff_excluded_from_public: bool = True  # [belief]
    staff_min_contract_months: int = 12
    staff_min_service_months: int = 12
    patient_period_years: int = 3
    transfer_notice_working_days: int = 14  # [model]
    governor_term_years: int = 3  # [model]
    governor_term_cap_years: int = 9  # [model]
    challenge_period_days: int = 21  # [belief]
    election_documents_kept_days: int = 365
    notice_clear_days: int = 14  # [model] co-op general meetings
    agm_max_interval_months: int = 15
    requisition_percent: int = 10
    quorum_min_members: int = 2
    quorum_percent: int = 50  # [model] large societies set this much lower
    inquorate_adjourn_minutes: int = 30
    # Meetings (docs/meetings.md): clear days counted as working days, notice for the other
    # kinds of meeting, and the quorum of councils, boards and adjourned meetings.
    notice_in_working_days: bool = False
    annual_members_notice_clear_days: int = 14  # [belief]
    council_notice_working_days: int = 5  # [belief]
    board_notice_working_days: int = 5  # [belief]
    requisition_meeting_within_days: int = 28  # [belief]
    quorum_counts_proxies: bool = True  # [model]
    council_quorum_min_governors: int = 2
    council_quorum_percent: int = 33  # [belief] one third of governors
    board_quorum_min_directors: int = 2
    board_quorum_percent: int = 33  # [belief]
    adjourn_to_days: int = 7  # [model] the same day next week
    adjourned_quorum_present: bool = True  # [model] those present form the quorum
    requisitioned_inquorate_dissolves: bool = True  # [model]
    max_proxies_per_holder: int = 5
    chair_casting_vote: bool = False
    # Weighted classes of member (docs/meetings.md): a class that casts no votes has its
    # strength shared among the classes that voted ("redistribute") or kept in the total as
    # not for ("withhold").
    silent_class_weight: str = "redistribute"
    expulsion_notice_days: int = 21
    # Accountability (docs/accountability.md): key-decision notice in clear days (working days
    # only when set), the time to answer members, when an overdue request is escalated, the
    # governors' report interval, and the term-end and declaration renewal periods.
    key_decision_notice_clear_days: int = 28
    key_decision_notice_working_days: bool = False
    update_request_working_days: int = 20
    update_request_escalation_working_days: int = 5  # after the due date
    governor_report_interval_months: int = 6
    term_end_prompt_months: int = 6
    declaration_renewal_months: int = 12

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Constitution:
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown constitution settings: {', '.join(unknown)}")
        return cls(**data)

    def updated(self, **changes: Any) -> Constitution:
        merged = self.to_json() | changes
        return Constitution.from_json(merged)


def default_constitution(kind: OrganisationType) -> Constitution:
    """The defaults RULES.md gives for each type of organisation."""
    if kind is OrganisationType.FOUNDATION_TRUST:
        return Constitution()
    return Constitution(
        rules_version="co-operatives-uk-model",
        minimum_age=16,
        staff_opt_out=False,
        staff_excluded_from_public=False,
        governor_term_years=3,
        governor_term_cap_years=0,
    )
