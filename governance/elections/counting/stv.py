"""The Gregory-family STV count shared by ``scottish-stv``, ``mer2014-stv`` and ``ers97-stv``.

Each rule set is a :class:`~rules.GregoryRules` value; this module only follows its parameters.
All values are integers scaled by ``10**places``. After every transfer the candidates' totals
plus the non-transferable votes equal the valid votes exactly, and the count asserts it.

A stage is recorded for the first preferences, for each surplus and for each exclusion. Where a
rule moves an exclusion's papers in parcels (by value), the parcels are transferred one after
the other inside the stage: candidates reaching the quota after a parcel are elected at once and
receive no more, and the stage's ``extra`` lists the parcels. Ties look back at the recorded
stages, and under ERS97 also at the points between parcels.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import NoReturn

from governance.elections.counting.model import (
    Ballot,
    CountError,
    Election,
    InvalidReason,
    Method,
    Ranking,
    Result,
    Stage,
    plain_rankings,
    plain_rows,
)
from governance.elections.counting.papers import Bundle, Parcel, Routed, merge, route
from governance.elections.counting.rules import (
    ERS97,
    MER2014,
    SCOTTISH,
    ExclusionParcels,
    GregoryRules,
    SurplusPapers,
    quota,
)
from governance.elections.counting.ties import Lots, TieBreaker

Part = tuple[str, list[tuple[int, Parcel]]]


def count(
    election: Election, rules: GregoryRules, seed: str | None = None, lots: Lots | None = None
) -> Result:
    """Count ``election`` under ``rules``; ``seed`` (or a ready ``lots``) decides any lot."""
    counter = _Count(election, rules, lots if lots is not None else Lots(seed))
    counter.run()
    return counter.result()


def _method(rules: GregoryRules) -> Method:
    def run(election: Election, seed: str | None) -> Result:
        return count(election, rules, seed)

    return Method(rules.name, rules.version, rules.places, run)


SCOTTISH_STV = _method(SCOTTISH)
MER2014_STV = _method(MER2014)
ERS97_STV = _method(ERS97)


class _Count:
    def __init__(self, election: Election, rules: GregoryRules, lots: Lots) -> None:
        if election.seats < 1:
            raise CountError("an election needs at least one seat")
        if not election.candidates:
            raise CountError("an election needs at least one candidate")
        self.election = election
        self.rules = rules
        self.names = election.candidates
        self.n = len(election.candidates)
        self.seats = election.seats
        self.scale = 10**rules.places
        # Who can still receive papers: neither elected, excluded nor withdrawn. The extra last
        # entry is the sentinel that closes every ranking (see papers.route).
        self.continuing = [c not in election.withdrawn for c in range(self.n)] + [True]
        self.totals = [0] * self.n
        self.piles: list[list[Parcel]] = [[] for _ in range(self.n)]
        self.non_transferable = 0
        self.valid = 0
        self.quota = 0
        self.stages: list[Stage] = []
        self.points: list[tuple[Stage, bool]] = []  # snapshots, and whether ties look at them
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.awaiting: list[int] = []  # elected with a surplus not yet transferred
        self.deferred: list[int] = []  # surpluses deferred before the coming exclusion
        self.newly: list[int] = []  # elected during the stage being built
        self.building: dict[str, str] = {}  # extra facts about the stage being built
        self.invalid = dict(election.invalid)
        self.notes: list[str] = []
        self.lots = lots
        self.ties = TieBreaker(lots, earliest=rules.earliest_stage_breaks_ties)

    # -- the count ---------------------------------------------------------------------------

    def run(self) -> None:
        self._first_stage()
        while len(self.elected) < self.seats and self._hopeful():
            candidate = self._surplus_to_transfer()
            if candidate is None:
                self._exclude()
            else:
                self._transfer_surplus(candidate)
        if len(self.elected) < self.seats:
            self.notes.append(
                f"{self.seats - len(self.elected)} of {self.seats} seats left unfilled: "
                "fewer candidates stood than there are seats"
            )

    def result(self) -> Result:
        return Result(
            method=self.rules.name,
            method_version=self.rules.version,
            candidates=list(self.names),
            seats=self.seats,
            places=self.rules.places,
            valid_votes=self.valid,
            invalid=self.invalid,
            quota=self.quota,
            elected=self.elected,
            excluded=self.excluded,
            withdrawn=sorted(self.election.withdrawn),
            stages=self.stages,
            ties=self.ties.ties,
            seed=self.lots.seed,
            notes=self.notes,
        )

    def _flat_rankings(self) -> Iterable[tuple[tuple[int, ...], int]]:
        """Every distinct ranking as a flat tuple of candidates closed by the sentinel
        ``self.n`` (see papers.route), with its weight."""
        plain = plain_rankings(self.election)
        if plain is not None:
            return plain
        lookup: dict[tuple[int, ...], int] = {(c,): c for c in range(self.n)}
        single = lookup.__getitem__
        end = (self.n,)
        flat: list[tuple[tuple[int, ...], int]] = []
        for ranking, weight in _merged(self.election.ballots).items():
            try:
                flat.append((tuple(map(single, ranking)) + end, weight))
            except (KeyError, TypeError):
                self._refuse(ranking)
        return flat

    def _first_stage(self) -> None:
        rows = plain_rows(self.election)
        if rows is None:
            self._first_preferences()
        else:
            # A large file's table: the same papers, routed as arrays to their first
            # continuing preference (withdrawn candidates are never continuing).
            routed = route(rows.everything(), self.continuing)
            if routed.exhausted:
                empty = self.invalid.get(InvalidReason.EMPTY, 0) + routed.exhausted
                self.invalid[InvalidReason.EMPTY] = empty
            for candidate, bunch in routed.bundles.items():
                papers = routed.papers[candidate]
                self.piles[candidate].append(Parcel(self.scale, bunch, papers, first=True))
                self.totals[candidate] = papers * self.scale
        self.valid = sum(self.totals)
        if self.valid == 0:
            raise CountError("there are no valid votes to count")
        self.quota = quota(self.rules, self.valid, self.seats)
        if self.rules.reduce_quota:
            self.building["quota"] = self._fmt(self.quota)
        self._after_transfer(stage_end=True)
        self._record("first", [], "First preferences", {})

    def _first_preferences(self) -> None:
        by_first: list[list[Bundle]] = [[] for _ in range(self.n)]
        lost = 0
        withdrawn = self.election.withdrawn
        for ranking, weight in self._flat_rankings():
            if weight == 0:
                continue
            flat = tuple(c for c in ranking if c not in withdrawn) if withdrawn else ranking
            if len(flat) == 1:
                lost += weight
                continue
            by_first[flat[0]].append((flat, 0, weight))
        if lost:
            self.invalid[InvalidReason.EMPTY] = self.invalid.get(InvalidReason.EMPTY, 0) + lost
        for candidate, bundles in enumerate(by_first):
            if bundles:
                papers = sum(map(itemgetter(2), bundles))
                self.piles[candidate].append(Parcel(self.scale, bundles, papers, first=True))
                self.totals[candidate] = papers * self.scale

    def _refuse(self, ranking: Iterable[tuple[int, ...]]) -> NoReturn:
        """Say why a ranking cannot be counted: an equal preference or an unknown candidate."""
        for group in ranking:
            for c in group:
                if not 0 <= c < self.n:
                    raise CountError(f"a ballot names candidate {c + 1}; there are {self.n}")
            if len(group) != 1:
                who = " and ".join(self.names[c] for c in group) or "nobody"
                line = self.election.equal_preference_line
                where = f"line {line}: " if line else ""
                raise CountError(
                    f"{where}{self.rules.name} does not allow equal preferences, "
                    f"but a ballot ranks {who} equally"
                )
        raise CountError(f"a ballot's ranking cannot be read: {ranking!r}")

    # -- surpluses ---------------------------------------------------------------------------

    def _surplus(self, candidate: int) -> int:
        return self.totals[candidate] - self.quota

    def _surplus_to_transfer(self) -> int | None:
        if not self.awaiting:
            return None
        pending = sum(self._surplus(c) for c in self.awaiting)
        if self.rules.defer_surpluses and self._bulk_size(pending) >= 1:
            self.deferred = list(self.awaiting)
            return None
        largest = max(self._surplus(c) for c in self.awaiting)
        tied = [c for c in self.awaiting if self._surplus(c) == largest]
        return self._pick(tied, lowest=False, purpose="surplus order")

    def _transfer_surplus(self, candidate: int) -> None:
        surplus = self._surplus(candidate)
        total = self.totals[candidate]
        changes: dict[int, int] = {candidate: -surplus}
        moved = 0
        if self.rules.surplus_papers is SurplusPapers.ALL_PAPERS:
            self.building["transfer_value"] = f"{self._fmt(surplus)} / {self._fmt(total)}"
            for parcel in self.piles[candidate]:
                value = parcel.value * surplus // total
                moved += self._deliver(route(parcel.bundles, self.continuing), value, changes)
        else:
            parcel = self.piles[candidate][-1]
            routed = route(parcel.bundles, self.continuing)
            value = parcel.value
            if routed.transferable * value > surplus:
                value = surplus // routed.transferable
            self.building["transfer_value"] = self._fmt(value)
            self.building["transferable_papers"] = str(routed.transferable)
            moved += self._deliver(routed, value, changes)
        self.non_transferable += surplus - moved
        self.totals[candidate] = self.quota
        self.piles[candidate] = []
        self.awaiting.remove(candidate)
        self._after_transfer(stage_end=True)
        description = f"Surplus of {self.names[candidate]} ({self._fmt(surplus)})"
        self._record("surplus", [candidate], description, changes)

    def _deliver(self, routed: Routed, value: int, changes: dict[int, int]) -> int:
        """Give each receiving candidate a new parcel at ``value``; returns the value moved."""
        moved = 0
        for candidate, bundles in routed.bundles.items():
            gained = routed.papers[candidate] * value
            self.piles[candidate].append(Parcel(value, bundles, routed.papers[candidate]))
            self.totals[candidate] += gained
            changes[candidate] = changes.get(candidate, 0) + gained
            moved += gained
        return moved

    # -- exclusions --------------------------------------------------------------------------

    def _hopeful(self) -> list[int]:
        return [c for c in range(self.n) if self.continuing[c]]

    def _bulk_size(self, pending: int) -> int:
        """The most lowest candidates who, with the ``pending`` surpluses, stay below the next
        candidate up (the test of bulk exclusion and of deferral); 0 when there are none."""
        votes = sorted(self.totals[c] for c in self._hopeful())
        most = len(votes) - (self.seats - len(self.elected))
        size, running = 0, pending
        for k in range(1, most + 1):
            running += votes[k - 1]
            if running < votes[k] or (self.rules.gap_inclusive and running == votes[k]):
                size = k
        return size

    def _choose_exclusions(self) -> list[int]:
        pending = sum(self._surplus(c) for c in self.awaiting)
        size = max(self._bulk_size(pending) if self.rules.bulk_exclusion else 0, 1)
        hopeful = sorted(self._hopeful(), key=lambda c: (self.totals[c], c))
        boundary = self.totals[hopeful[size - 1]]
        chosen = [c for c in hopeful if self.totals[c] < boundary]
        level = [c for c in hopeful if self.totals[c] == boundary]
        while len(chosen) < size:
            pick = self._pick(level, lowest=True, purpose="exclusion")
            chosen.append(pick)
            level.remove(pick)
        return chosen

    def _exclude(self) -> None:
        losers = self._choose_exclusions()
        for c in losers:
            self.continuing[c] = False
            self.excluded.append(c)
        if self.deferred:
            self.building["deferred"] = _join(
                f"{self.names[c]} ({self._fmt(self._surplus(c))})" for c in self.deferred
            )
            self.deferred = []
        description = f"Exclusion of {_join(self.names[c] for c in losers)}"
        changes: dict[int, int] = {}
        vacancies = self.seats - len(self.elected)
        if not self.rules.transfer_final_exclusion and len(self._hopeful()) == vacancies:
            self.building["transfer"] = "none: the remaining candidates fill the remaining places"
            self._after_transfer(stage_end=True)
            self._record("exclusion", losers, description, changes, excluded=losers)
            return
        parts = self._exclusion_parts(losers)
        if len(parts) > 1:
            self.building["parcels"] = "; ".join(label for label, _ in parts)
        batches: list[Stage] = []
        before = dict(enumerate(self.totals))
        for index, (label, parcels) in enumerate(parts, start=1):
            newly = len(self.newly)
            self._transfer_part(parcels, changes)
            self._after_transfer(stage_end=index == len(parts))
            after = dict(enumerate(self.totals))
            batches.append(
                Stage(
                    number=len(self.stages) + 1,
                    action="exclusion",
                    subjects=losers,
                    description=f"{description}: {label}",
                    totals=after,
                    non_transferable=self.non_transferable,
                    elected=self.newly[newly:],
                    excluded=list(losers) if index == 1 else [],
                    transfers={c: v - before[c] for c, v in after.items() if v != before[c]},
                )
            )
            before = after
            if len(self.elected) == self.seats and index < len(parts):
                self.building["stopped"] = f"all places filled after parcel {index}"
                break
        if not parts:
            self._after_transfer(stage_end=True)
        self._record("exclusion", losers, description, changes, excluded=losers)
        if len(batches) > 1:
            self.stages[-1].batches = batches

    def _transfer_part(self, parcels: list[tuple[int, Parcel]], changes: dict[int, int]) -> None:
        """Move the parcels, each at its own value, to the next continuing preferences."""
        by_value: dict[int, list[Routed]] = {}
        for owner, parcel in parcels:
            lost = parcel.papers * parcel.value
            self.totals[owner] -= lost
            changes[owner] = changes.get(owner, 0) - lost
            self.piles[owner].remove(parcel)
            by_value.setdefault(parcel.value, []).append(route(parcel.bundles, self.continuing))
        for value, routes in by_value.items():
            routed = merge(routes)
            self._deliver(routed, value, changes)
            self.non_transferable += routed.exhausted * value

    def _exclusion_parts(self, losers: list[int]) -> list[Part]:
        """The excluded candidates' parcels, divided into the transfers the rules make."""
        held = [(owner, parcel) for owner in losers for parcel in self.piles[owner]]
        if not held:
            return []
        style = self.rules.exclusion_parcels
        if style is ExclusionParcels.TOGETHER:
            return [("all papers", held)]
        parts: list[Part] = []
        if style is ExclusionParcels.FIRST_THEN_BY_VALUE:
            first = [item for item in held if item[1].first]
            if first:
                parts.append(("first preferences", first))
            held = [item for item in held if not item[1].first]
        for value in sorted({parcel.value for _, parcel in held}, reverse=True):
            same = [item for item in held if item[1].value == value]
            parts.append((f"papers at {self._fmt(value)}", same))
        return parts

    # -- after every transfer: quota, elections, last vacancies ------------------------------

    def _after_transfer(self, *, stage_end: bool) -> None:
        assert sum(self.totals) + self.non_transferable == self.valid, "votes lost or created"
        number = len(self.stages) + 1
        snapshot = Stage(number, "", [], "", dict(enumerate(self.totals)), self.non_transferable)
        self.points.append((snapshot, stage_end or self.rules.ties_see_parts))
        if self.rules.reduce_quota and not self.elected:
            self._reduce_quota(number)
        self._elect_qualified(number)
        self._fill_last_vacancies()

    def _record(
        self,
        action: str,
        subjects: list[int],
        description: str,
        changes: dict[int, int],
        *,
        excluded: list[int] | None = None,
    ) -> None:
        self.stages.append(
            Stage(
                number=len(self.stages) + 1,
                action=action,
                subjects=subjects,
                description=description,
                totals=dict(enumerate(self.totals)),
                non_transferable=self.non_transferable,
                elected=self.newly,
                excluded=list(excluded or []),
                transfers=changes,
                extra=self.building,
            )
        )
        self.newly, self.building = [], {}

    def _reduce_quota(self, number: int) -> None:
        reduced = quota(self.rules, self.valid - self.non_transferable, self.seats)
        if reduced < self.quota:
            self.notes.append(
                f"Stage {number}: papers became non-transferable before anyone was elected, "
                f"so the quota is reduced from {self._fmt(self.quota)} to {self._fmt(reduced)}"
            )
            self.quota = reduced
            self.building["quota"] = self._fmt(reduced)

    def _active_vote(self) -> int:
        """Votes still in play: the continuing candidates' and those awaiting transfer."""
        held = sum(min(self.totals[c], self.quota) for c in self.elected)
        return self.valid - self.non_transferable - held

    def _qualifies(self, votes: int, vacancies: int) -> bool:
        if votes >= self.quota:
            return True
        return (
            self.rules.threshold_election
            and votes > 0
            and votes * (vacancies + 1) >= self._active_vote()
        )

    def _elect(self, candidate: int) -> None:
        self.continuing[candidate] = False
        self.elected.append(candidate)
        self.newly.append(candidate)
        if self.totals[candidate] > self.quota:
            self.awaiting.append(candidate)

    def _elect_qualified(self, number: int) -> None:
        """Elect, highest first, those who qualify, while places remain (ERS97 5.6.2 ties)."""
        order = sorted(self._hopeful(), key=lambda c: (-self.totals[c], c))
        at = 0
        while at < len(order) and len(self.elected) < self.seats:
            votes = self.totals[order[at]]
            vacancies = self.seats - len(self.elected)
            if not self._qualifies(votes, vacancies):
                return
            level = [c for c in order[at:] if self.totals[c] == votes]
            at += len(level)
            if len(level) <= vacancies:
                for c in level:
                    self._elect(c)
                continue
            for _ in range(vacancies):
                pick = self.ties.pick(
                    level,
                    self._history(),
                    lowest=False,
                    purpose="election",
                    stage=number,
                    use_lot=self.rules.lot_for_election,
                )
                if pick is None:
                    note = (
                        f"Stage {number}: {_join(self.names[c] for c in level)} have had equal "
                        "votes at every point, so none of them is deemed elected yet"
                    )
                    if note not in self.notes:
                        self.notes.append(note)
                    return
                self._elect(pick)
                level.remove(pick)
            return

    def _fill_last_vacancies(self) -> None:
        vacancies = self.seats - len(self.elected)
        if vacancies <= 0:
            return
        hopeful = sorted(self._hopeful(), key=lambda c: (-self.totals[c], c))
        if len(hopeful) <= vacancies:
            for c in hopeful:
                self._elect(c)
            return
        if self.rules.majority_last_vacancy and vacancies == 1:
            leader, runner_up = self.totals[hopeful[0]], self.totals[hopeful[1]]
            others = self._active_vote() - leader
            if leader > runner_up and leader >= others:
                self.building["last_vacancy"] = (
                    f"{self.names[hopeful[0]]} has at least as many votes as all other "
                    "continuing candidates and untransferred votes together"
                )
                self._elect(hopeful[0])

    # -- helpers -----------------------------------------------------------------------------

    def _history(self) -> list[Stage]:
        """The points before the current one that a tie may look back to."""
        return [point for point, counts in self.points[:-1] if counts]

    def _pick(self, tied: list[int], *, lowest: bool, purpose: str) -> int:
        pick = self.ties.pick(
            tied, self._history(), lowest=lowest, purpose=purpose, stage=len(self.stages) + 1
        )
        assert pick is not None
        return pick

    def _fmt(self, value: int) -> str:
        whole, frac = divmod(value, self.scale)
        return f"{whole}.{frac:0{self.rules.places}d}"


def _merged(ballots: Iterable[Ballot]) -> dict[Ranking, int]:
    """Identical rankings merged (weights summed): a million papers become a few bundles."""
    weights: dict[Ranking, int] = {}
    get = weights.get
    for ballot in ballots:
        weight = ballot.weight
        if weight < 0:
            raise CountError(f"a ballot has a negative weight ({weight})")
        weights[ballot.ranking] = get(ballot.ranking, 0) + weight
    return weights


def _join(names: Iterable[str]) -> str:
    items = list(names)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
