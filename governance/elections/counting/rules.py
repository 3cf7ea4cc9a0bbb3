"""The Gregory-family STV rule sets, side by side: every difference between them is a field here.

The engine in :mod:`stv` reads only these parameters, so the way the Scottish rules, the NHS
Model Election Rules 2014 (which follow the Northern Ireland local election rules) and the
Electoral Reform Society's 1997 rules differ can be read in one place. docs/counting.md
describes each rule set in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Quota(StrEnum):
    """How the quota is worked out from the valid votes ``v`` and the seats ``s``."""

    DROOP_WHOLE = "floor(v / (s + 1)) + 1"
    ERS97 = "v / (s + 1) to the rule's places, rounded up"


class SurplusPapers(StrEnum):
    """Which papers a surplus moves, and at what value."""

    ALL_PAPERS = "all papers, each at value x surplus / total, truncated"
    LAST_PARCEL = "transferable papers of the last parcel, at surplus / their number, truncated"


class ExclusionParcels(StrEnum):
    """How an excluded candidate's papers are divided into transfers within the stage."""

    TOGETHER = "all papers in one transfer, each at its own value"
    FIRST_THEN_BY_VALUE = "first-preference papers, then transferred papers by value, highest first"
    BY_VALUE = "papers grouped by value, highest first"


@dataclass(frozen=True, slots=True)
class GregoryRules:
    """One rule set of the Gregory family (see the field comments for what each one decides)."""

    name: str
    version: str
    places: int  # decimal places of every vote value
    quota: Quota
    surplus_papers: SurplusPapers
    exclusion_parcels: ExclusionParcels
    earliest_stage_breaks_ties: bool  # True: earliest earlier stage; False: most recent
    ties_see_parts: bool  # ties also look at the points between the parcels of an exclusion
    defer_surpluses: bool  # defer while surpluses cannot change the next exclusion
    bulk_exclusion: bool  # exclude together all who cannot overtake the candidate above them
    gap_inclusive: bool  # deferral and bulk exclusion allow equality ("does not exceed")
    transfer_final_exclusion: bool  # move the papers of an exclusion that fills the last seats
    majority_last_vacancy: bool  # last seat to a candidate with more than all others together
    reduce_quota: bool  # recalculate the quota as papers become non-transferable (ERS97 5.4.8)
    threshold_election: bool  # also elect at active vote / (places left + 1) (ERS97 5.1.7)
    lot_for_election: bool  # False: an unbroken tie for election elects nobody yet (ERS97 5.6.2)


SCOTTISH = GregoryRules(
    name="scottish-stv",
    version="SSI 2007/42 Sch. 1 rules 45-52; engine 1",
    places=5,
    quota=Quota.DROOP_WHOLE,
    surplus_papers=SurplusPapers.ALL_PAPERS,
    exclusion_parcels=ExclusionParcels.TOGETHER,
    earliest_stage_breaks_ties=False,
    ties_see_parts=False,
    defer_surpluses=False,
    bulk_exclusion=False,
    gap_inclusive=False,
    transfer_final_exclusion=True,
    majority_last_vacancy=False,
    reduce_quota=False,
    threshold_election=False,
    lot_for_election=True,
)

MER2014 = GregoryRules(
    name="mer2014-stv",
    version="NHS Model Election Rules 2014 (Northern Ireland SI 1985/454 rules 41-52); engine 1",
    places=2,
    quota=Quota.DROOP_WHOLE,
    surplus_papers=SurplusPapers.LAST_PARCEL,
    exclusion_parcels=ExclusionParcels.FIRST_THEN_BY_VALUE,
    earliest_stage_breaks_ties=True,
    ties_see_parts=False,
    defer_surpluses=True,
    bulk_exclusion=True,
    gap_inclusive=False,
    transfer_final_exclusion=False,
    majority_last_vacancy=True,
    reduce_quota=False,
    threshold_election=False,
    lot_for_election=True,
)

ERS97 = GregoryRules(
    name="ers97-stv",
    version="Electoral Reform Society rules, 1997 edition; engine 1",
    places=2,
    quota=Quota.ERS97,
    surplus_papers=SurplusPapers.LAST_PARCEL,
    exclusion_parcels=ExclusionParcels.BY_VALUE,
    earliest_stage_breaks_ties=True,
    ties_see_parts=True,
    defer_surpluses=True,
    bulk_exclusion=True,
    gap_inclusive=True,
    transfer_final_exclusion=False,
    majority_last_vacancy=False,
    reduce_quota=True,
    threshold_election=True,
    lot_for_election=False,
)


def quota(rules: GregoryRules, valid: int, seats: int) -> int:
    """The quota (scaled by ``10**places``) for ``valid`` (scaled) votes and ``seats`` seats."""
    scale = 10**rules.places
    if rules.quota is Quota.DROOP_WHOLE:
        return (valid // scale // (seats + 1) + 1) * scale
    return -(-valid // (seats + 1))
