"""``meek-stv``: Meek's method of STV as the Proportional Representation Foundation's reference
rule, so that two correct counts agree to the last digit.

Every vote value is an integer scaled by ``10**9`` (nine decimal places) and every rounding
goes the way the reference rule fixes:

- a ballot of weight ``w`` gives an elected candidate ``w * kf`` rounded **up** and passes on
  ``w`` minus that; a hopeful candidate keeps everything (``kf = 1``), an excluded one nothing;
- the quota is the votes held by candidates divided by ``seats + 1``, truncated, plus
  ``0.000000001``, recomputed after every pass over the ballots;
- a new keep factor is ``kf * quota`` rounded up, then divided by the candidate's votes,
  rounded up;
- passes repeat until someone reaches the quota, the total surplus falls below
  ``omega = 0.000001``, or the surplus stops falling; then the lowest hopeful candidate is
  excluded, every candidate within the total surplus of the lowest counting as tied for it
  (a tie the rule leaves to a lot).

A stage is recorded for the first preferences and then for each round of passes, named after
what set it off: the surpluses of candidates just elected, or an exclusion. Its totals are those
of the last pass, so an excluded candidate shows 0 from the stage that moved their votes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from governance.elections.counting.model import (
    CountError,
    Election,
    InvalidReason,
    Method,
    Ranking,
    Result,
    Stage,
    Tie,
    plain_rankings,
)
from governance.elections.counting.ties import Lots

NAME = "meek-stv"
VERSION = "PR Foundation reference Meek rule (9 places, omega 0.000001); engine 1"
PLACES = 9
SCALE = 10**PLACES
OMEGA = SCALE // 10**6
HOPEFUL, ELECTED, OUT = "hopeful", "elected", "out"


def count(election: Election, seed: str | None = None, lots: Lots | None = None) -> Result:
    """Count ``election`` by Meek's method; ``seed`` (or a ready ``lots``) decides any lot."""
    lots = lots if lots is not None else Lots(seed)
    counter = _Count(election, lots)
    counter.run()
    return Result(
        method=NAME,
        method_version=VERSION,
        candidates=list(election.candidates),
        seats=election.seats,
        places=PLACES,
        valid_votes=counter.valid,
        invalid=counter.invalid,
        quota=counter.first_quota,
        elected=counter.elected,
        excluded=counter.excluded,
        withdrawn=sorted(election.withdrawn),
        stages=counter.stages,
        ties=counter.ties,
        seed=lots.seed,
    )


METHOD = Method(NAME, VERSION, PLACES, count)


def aggregate(election: Election) -> tuple[Counter[tuple[int, ...]], int]:
    """The rankings to count, identical ones merged and withdrawn candidates dropped; and the
    number of papers that name no standing candidate (set aside as empty, like the other rule
    sets do).

    Meek's reference rule has no equal preferences, so a ballot with one is refused.
    """
    n = len(election.candidates)
    merged: Counter[tuple[int, ...]] = Counter()
    empty = 0
    plain = plain_rankings(election)
    if plain is not None and not election.withdrawn:
        # The reader's rankings are merged and checked already. They keep their closing
        # sentinel (candidate n), which the count's status list marks as out.
        for ranking, weight in plain:
            if len(ranking) == 1:
                empty += weight
        merged.update({r: w for r, w in plain if w and len(r) > 1})
        return merged, empty
    if plain is not None:
        withdrawn = election.withdrawn
        for ranking, weight in plain:
            flat = (
                tuple(c for c in ranking[:-1] if c not in withdrawn) if withdrawn else ranking[:-1]
            )
            if not weight:
                continue
            if flat:
                merged[flat] += weight
            else:
                empty += weight
        return merged, empty
    papers: dict[Ranking, int] = {}
    seen = papers.get
    for ballot in election.ballots:
        if ballot.weight < 0:
            raise CountError(f"a ballot has a negative weight ({ballot.weight})")
        papers[ballot.ranking] = seen(ballot.ranking, 0) + ballot.weight
    for groups, weight in papers.items():
        prefs: list[int] = []
        for group in groups:
            if len(group) != 1:
                who = " and ".join(election.candidates[c] for c in group if 0 <= c < n)
                line = election.equal_preference_line
                raise CountError(
                    (f"line {line}: " if line else "")
                    + f"{NAME} does not allow equal preferences, but a ballot ranks "
                    f"{who or 'nobody'} equally"
                )
            if not 0 <= group[0] < n:
                raise CountError(f"a ballot names candidate {group[0] + 1}; there are {n}")
            if group[0] not in election.withdrawn and group[0] not in prefs:
                prefs.append(group[0])
        if not weight:
            continue
        if prefs:
            merged[tuple(prefs)] += weight
        else:
            empty += weight
    return merged, empty


class _Cuts:
    """The live beginning of every ranking: cut after its first hopeful candidate, with
    excluded and withdrawn candidates left out. A ballot never reaches further, since a hopeful
    keeps all of it. Only the rankings cut at a candidate who has just been elected or excluded
    need cutting again, so each round redoes a fraction of the work."""

    def __init__(self, rankings: Counter[tuple[int, ...]], status: list[str]) -> None:
        # Rankings are referred to by their index here: a tuple's hash is not cached, and
        # hashing long rankings again at every cut would cost more than the cut.
        self.rankings = list(rankings)
        self.weights = list(rankings.values())
        self.cut_at: list[tuple[int, ...]] = [()] * len(self.rankings)
        self.held: dict[int, list[int]] = {}  # hopeful -> indices of the rankings cut at them
        self.live: dict[tuple[int, ...], int] = {}
        for index in range(len(self.rankings)):
            self._cut(index, status)

    def _cut(self, index: int, status: list[str]) -> None:
        path: list[int] = []
        for cand in self.rankings[index]:
            state = status[cand]
            if state != OUT:
                path.append(cand)
                if state == HOPEFUL:
                    held = self.held.get(cand)
                    if held is None:
                        self.held[cand] = [index]
                    else:
                        held.append(index)
                    break
        self.cut_at[index] = cut = tuple(path)
        self.live[cut] = self.live.get(cut, 0) + self.weights[index]

    def recut(self, changed: list[int], status: list[str]) -> None:
        """Cut again the rankings that ended at the ``changed`` (no longer hopeful) candidates."""
        live = self.live
        for cand in changed:
            for index in self.held.pop(cand, []):
                old = self.cut_at[index]
                left = live[old] - self.weights[index]
                if left:
                    live[old] = left
                else:
                    del live[old]
                self._cut(index, status)


class _Tree:
    """The live beginnings of the rankings as a prefix tree, for one round.

    Ballots that share a beginning carry the same weight down it, so one multiplication per
    node does the work of every ballot through the node, rounding exactly as ballot by ballot
    would.
    """

    def __init__(self, live: dict[tuple[int, ...], int]) -> None:
        ids: dict[tuple[int, ...], int] = {(): -1}
        self.cand: list[int] = []
        self.parent: list[int] = []
        self.weight: list[int] = []
        for path, weight in sorted(live.items()):
            for depth in range(1, len(path) + 1):
                node = ids.get(path[:depth])
                if node is None:
                    node = ids[path[:depth]] = len(self.cand)
                    self.cand.append(path[depth - 1])
                    self.parent.append(ids[path[: depth - 1]])
                    self.weight.append(0)
                self.weight[node] += weight

    def distribute(self, keep: list[int], votes: list[int]) -> None:
        """Add to ``votes`` what each candidate keeps under the keep factors ``keep``."""
        left = [0] * len(self.cand)
        cand, parent, weight = self.cand, self.parent, self.weight
        for node in range(len(cand)):
            up = parent[node]
            w = SCALE if up < 0 else left[up]
            if w <= 0:
                left[node] = w
                continue
            kf = keep[cand[node]]
            kept = w if kf == SCALE else -(-w * kf // SCALE)
            votes[cand[node]] += kept * weight[node]
            left[node] = w - kept


class _Count:
    def __init__(self, election: Election, lots: Lots) -> None:
        if election.seats < 1:
            raise CountError("an election needs at least one seat")
        if not election.candidates:
            raise CountError("an election needs at least one candidate")
        self.names = election.candidates
        self.seats = election.seats
        self.rankings, empty = aggregate(election)
        self.invalid = dict(election.invalid)
        if empty:
            self.invalid[InvalidReason.EMPTY] = self.invalid.get(InvalidReason.EMPTY, 0) + empty
        self.valid = SCALE * sum(self.rankings.values())
        if not self.valid:
            raise CountError("there are no valid votes to count")
        n = len(self.names)
        self.hopeful = [c for c in range(n) if c not in election.withdrawn]
        self.keep = [SCALE if c in self.hopeful else 0 for c in range(n)]
        self.votes = [0] * n
        self.quota = self.first_quota = 0
        self.surplus = 0
        self.lots = lots
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.stages: list[Stage] = []
        self.ties: list[Tie] = []

    def run(self) -> None:
        action = "first"
        subjects: list[int] = []
        cuts = _Cuts(self.rankings, self._status())
        while True:
            cuts.recut(subjects, self._status())
            passes, settled, new = self._iterate(_Tree(cuts.live))
            stage = self._record(action, subjects, new, passes, settled)
            vacancies = self.seats - len(self.elected)
            if vacancies == 0:
                return
            if len(self.hopeful) <= vacancies:
                self._fill_last_seats(stage)
                return
            if new:
                action, subjects = "surplus", new
                continue
            loser = self._lowest()
            self.hopeful.remove(loser)
            self.keep[loser] = 0
            self.excluded.append(loser)
            action, subjects = "exclusion", [loser]

    def _status(self) -> list[str]:
        status = [OUT] * (len(self.names) + 1)  # the last: a sentinel that may close rankings
        for c in self.hopeful:
            status[c] = HOPEFUL
        for c in self.elected:
            status[c] = ELECTED
        return status

    def _iterate(self, tree: _Tree) -> tuple[int, str, list[int]]:
        """Pass over the ballots until someone is elected or the surpluses settle."""
        last_surplus = self.valid
        passes = 0
        while True:
            passes += 1
            self.votes = [0] * len(self.keep)
            tree.distribute(self.keep, self.votes)
            self.quota = sum(self.votes) // (self.seats + 1) + 1
            self.first_quota = self.first_quota or self.quota
            new = self._reaching_quota()
            self.elected.extend(new)
            self.hopeful = [c for c in self.hopeful if c not in new]
            self.surplus = max(sum(self.votes[c] - self.quota for c in self.elected), 0)
            if new:
                return passes, "elected", new
            if self.surplus < OMEGA:
                return passes, "omega", []
            if self.surplus >= last_surplus:
                return passes, "stable", []
            last_surplus = self.surplus
            for c in self.elected:
                if self.votes[c] > 0:
                    product = -(-self.keep[c] * self.quota // SCALE)
                    self.keep[c] = -(-product * SCALE // self.votes[c])

    def _reaching_quota(self) -> list[int]:
        """Hopefuls at or over the quota, highest first. There can be more of them than seats
        left only when candidates already elected have fallen below the quota; then the highest
        win, and a level cut is settled by lot."""
        reached = sorted(
            (c for c in self.hopeful if self.votes[c] >= self.quota),
            key=lambda c: (-self.votes[c], c),
        )
        vacancies = self.seats - len(self.elected)
        if len(reached) <= vacancies:
            return reached
        cut = self.votes[reached[vacancies - 1]]
        chosen = [c for c in reached if self.votes[c] > cut]
        level = [c for c in reached if self.votes[c] == cut]
        while len(chosen) < vacancies:
            pick = self._lot(level, "election", len(self.stages) + 1)
            chosen.append(pick)
            level.remove(pick)
        return chosen

    def _lowest(self) -> int:
        """The hopeful to exclude: the lowest, all within the total surplus of it being tied."""
        low = min(self.votes[c] for c in self.hopeful)
        tied = [c for c in self.hopeful if self.votes[c] <= low + self.surplus]
        return tied[0] if len(tied) == 1 else self._lot(tied, "exclusion", len(self.stages) + 1)

    def _lot(self, tied: list[int], purpose: str, stage: int) -> int:
        order = self.lots.draw(tied)
        self.ties.append(Tie(stage, purpose, sorted(tied), order[0], "lot", None, order))
        return order[0]

    def _fill_last_seats(self, stage: Stage) -> None:
        """No more hopefuls than seats: all of them are elected, without further passes."""
        rest = sorted(self.hopeful, key=lambda c: (-self.votes[c], c))
        if rest:
            self.elected.extend(rest)
            stage.elected.extend(rest)
            stage.description += f" Remaining seats filled by {_join(self.names[c] for c in rest)}."
        self.hopeful = []

    def _record(
        self, action: str, subjects: list[int], new: list[int], passes: int, settled: str
    ) -> Stage:
        totals = dict(enumerate(self.votes))
        before = self.stages[-1].totals if self.stages else {}
        changes = {c: v - before[c] for c, v in totals.items() if before and v != before[c]}
        if action == "first":
            description = "First preferences"
        elif action == "surplus":
            description = f"Surplus of {_join(self.names[c] for c in subjects)}"
        else:
            description = f"Exclusion of {_join(self.names[c] for c in subjects)}"
        if action != "first":
            description += f" ({passes} pass{'es' if passes > 1 else ''} over the ballots)"
        stage = Stage(
            number=len(self.stages) + 1,
            action=action,
            subjects=list(subjects),
            description=description + ".",
            totals=totals,
            non_transferable=self.valid - sum(self.votes),
            elected=list(new),
            excluded=list(subjects) if action == "exclusion" else [],
            transfers=changes,
            extra={
                "quota": _fmt(self.quota),
                "surplus": _fmt(self.surplus),
                "passes": str(passes),
                "settled": settled,
                "keep_factors": " ".join(_fmt(kf) for kf in self.keep),
            },
        )
        self.stages.append(stage)
        return stage


def _fmt(value: int) -> str:
    whole, frac = divmod(value, SCALE)
    return f"{whole}.{frac:0{PLACES}d}"


def _join(names: Iterable[str]) -> str:
    items = list(names)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
