"""meek-stv against small hand-checked elections and against other programs' counts.

References (indexed by ``stv/cases.json`` in the shared reference folder):

- Droop's ``meek-prf`` rule (the PR Foundation reference rule that meek-stv implements): nine
  elections. Every stage must match Droop's round to the last of nine places: each
  candidate's votes and keep factor, the quota and the non-transferable residual. Droop's dump
  files hold the same figures as its reports, in columns, plus the keep factors.
- stv-rs's ``meek`` transcripts in 9-place fixed point (``*.fixed9.log``). stv-rs follows
  Droop's general Meek rule with the same omega (10^-6), the same quota (votes held divided by
  seats + 1, truncated, plus 10^-9) and the same keep-factor update (rounded up twice), but it
  differs from the PRF rule in two ways: a candidate keeps ``w * kf`` rounded *down* and the
  ballot passes on ``w * (1 - kf)`` rounded down (the PRF rule rounds the kept part up and
  passes on the exact remainder), and the passes stop at ``surplus <= omega`` rather than
  ``< omega``. So its figures agree with ours exactly until a keep factor below one meets a
  weight it does not divide, and then by a few units in the ninth place; the winners agree.
  Files with equal preferences (and the ``.equalize`` transcripts, which differ only in how
  those are shared out) are outside the PRF rule, which has no equal preferences: meek-stv
  refuses them.

Both programs break a tie by a fixed order of the candidates (the ballot file's, or its
``[tie]`` option); meek-stv draws lots. The reference counts are replayed with lots that fall
the way that order does, and the test checks that the ties are the reference's, one for one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from governance.elections.counting import meek
from governance.elections.counting.blt import read_blt
from governance.elections.counting.model import Ballot, CountError, Election, InvalidReason, Result
from governance.elections.counting.registry import METHODS
from governance.elections.counting.ties import Lots
from tests.elections.counting.refdata import STV, IndexOrderLots, cases

needs_reference = pytest.mark.skipif(not STV.is_dir(), reason="reference elections not present")

Figures = dict[str, tuple[str, str]]  # candidate name -> (votes, keep factor)


def _cases(keep: Callable[[dict[str, Any]], bool]) -> list[Any]:
    return [
        pytest.param(case, variant, id=Path(case["ballot_file"]).stem)
        for case in cases()
        for variant in case.get("variants", [])
        if keep(variant)
    ]


class TieOrderLots(Lots):
    """Lots that fall on the first candidate in a BLT ``[tie ...]`` order."""

    def __init__(self, order: list[int]) -> None:
        super().__init__("tie order")
        self.order = order

    def draw(self, candidates: Iterable[int]) -> list[int]:
        return sorted(candidates, key=self.order.index)


def _reference_lots(election: Election) -> Lots:
    if "tie" not in election.options:
        return IndexOrderLots("candidate order")
    nicks = election.options.get("nick", [])
    order = election.options["tie"]
    return TieOrderLots([int(c) - 1 if c.isdigit() else nicks.index(c) for c in order])


def _count_as_reference(election: Election, reference_text: str) -> Result:
    """The count with lots falling as the reference's tie order, checked against its ties."""
    result = meek.count(election, lots=_reference_lots(election))
    assert [result.candidates[t.chosen] for t in result.ties] == _tie_choices(reference_text)
    return result


def _tie_choices(text: str) -> list[str]:
    return re.findall(r"Action: Break tie \([^)]*\): \[[^]]*\] -> (.+)", text)


def _stage_figures(result: Result, stage_index: int) -> tuple[Figures, str, str]:
    stage = result.stages[stage_index]
    keep = stage.extra["keep_factors"].split()
    figures = {
        name: (result.fmt(stage.totals[c]), keep[c])
        for c, name in enumerate(result.candidates)
        if c not in result.withdrawn
    }
    return figures, stage.extra["quota"], result.fmt(stage.non_transferable)


# -- Droop meek-prf --------------------------------------------------------------------------


def _droop_rounds(dump: str) -> dict[int, tuple[Figures, str, str]]:
    """Round number -> (figures, quota, residual) at the round's decision; 0 is the start."""
    rounds: dict[int, tuple[Figures, str, str]] = {}
    defeated_in: set[int] = set()
    for line in dump.splitlines():
        cells = line.split("\t")
        if cells[1] not in ("begin", "elect", "defeat") or not cells[0].isdigit():
            continue
        number = int(cells[0])
        if number in defeated_in:
            continue  # "elect remaining" after the round's defeat: not a new decision
        people = cells[6:]
        figures = {
            people[i]: (people[i + 2], people[i + 3])
            for i in range(0, len(people), 4)
            if people[i + 1] != "W"
        }
        rounds[number] = (figures, cells[2], cells[5])
        if cells[1] == "defeat":
            defeated_in.add(number)
    return rounds


@needs_reference
@pytest.mark.parametrize(("case", "variant"), _cases(lambda v: v.get("rule") == "meek-prf"))
def test_reproduces_droop_meek_prf(case: dict[str, Any], variant: dict[str, Any]) -> None:
    report, dump = (STV / f for f in variant["reference_files"][:2])
    election = read_blt(STV / case["ballot_file"])
    result = _count_as_reference(election, report.read_text(encoding="utf-8"))

    assert {result.candidates[c] for c in result.elected} == set(variant["expected_elected"])
    assert result.fmt(result.quota or 0) == variant["quota"]
    rounds = _droop_rounds(dump.read_text(encoding="utf-8"))
    assert _stage_figures(result, 0) == rounds[0]
    for number, expected in rounds.items():
        if number:
            assert _stage_figures(result, number - 1) == expected, f"round {number}"


@needs_reference
def test_voting_matters_example_is_a_tie_decided_by_lot() -> None:
    """SC-Vm-12: after A and B, the votes of X, Y and Z differ only within the surplus left,
    so the rule treats the three as tied for exclusion; the lot decides the last seat."""
    election = read_blt(STV / "droop" / "blt" / "SC-Vm-12.blt")
    x, y, z = (election.candidates.index(name) for name in "XYZ")
    last_seat = {}
    for loser, others in ((x, [y, z]), (y, [x, z]), (z, [x, y])):
        result = meek.count(election, lots=TieOrderLots([loser, *others]))
        (tie,) = result.ties
        assert (tie.between, tie.chosen, tie.broken_by) == ([x, y, z], loser, "lot")
        last_seat[election.candidates[loser]] = election.candidates[result.elected[2]]
    assert last_seat == {"X": "Y", "Y": "X", "Z": "X"}


# -- stv-rs meek, fixed point ----------------------------------------------------------------

ROUNDING_DIFFERS = {"vegetables"}  # where stv-rs's rounding down shows in the figures
STV_RS_TOLERANCE = 20  # units of 10**-9 by which those figures may differ


def _stv_rs_rounds(log: str) -> dict[int, tuple[dict[str, str], str]]:
    """Round number -> (votes per candidate, quota) at the round's decision; 0 is the start."""
    blocks: dict[int, list[tuple[str, dict[str, str], str]]] = {}
    number, action, votes, quota = 0, "", {}, ""
    for line in [*log.splitlines(), "Action: end"]:
        if line.startswith(("Action:", "Round ")):
            if action and votes:
                blocks.setdefault(number, []).append((action, votes, quota))
            action, votes = (line, {}) if line.startswith("Action:") else ("", {})
            if line.startswith("Round "):
                number = int(line.split()[1].rstrip(":"))
        elif match := re.match(r"\t(Elected|Hopeful|Defeated): +(.*) \(([\d.]+)\)$", line):
            votes.update(dict.fromkeys(match[2].split(", "), match[3]))
        elif line.startswith("\tQuota: "):
            quota = line.split()[-1]
    rounds = {}
    for number, found in blocks.items():
        decisive = [b for b in found if b[0].startswith(("Action: Defeat (", "Action: Begin"))]
        decisive = decisive or [b for b in found if b[0].startswith("Action: Elect:")][-1:]
        if decisive:
            rounds[number] = (decisive[0][1], decisive[0][2])
    return rounds


def _is_stv_rs_fixed9(variant: dict[str, Any]) -> bool:
    name = variant.get("reference_file") or ""
    return (
        name.startswith("stv-rs/meek/")
        and name.endswith(".fixed9.log")
        and ".equalize." not in name
    )


@needs_reference
@pytest.mark.parametrize(("case", "variant"), _cases(_is_stv_rs_fixed9))
def test_stv_rs_meek_transcripts(case: dict[str, Any], variant: dict[str, Any]) -> None:
    election = read_blt(STV / case["ballot_file"])
    if case["uses_equal_preferences"]:
        with pytest.raises(CountError, match="equal preferences"):
            meek.count(election, seed="x")
        return
    log = (STV / variant["reference_file"]).read_text(encoding="utf-8")
    result = _count_as_reference(election, log)

    assert {result.candidates[c] for c in result.elected} == set(variant["expected_elected"])
    tolerance = STV_RS_TOLERANCE if Path(case["ballot_file"]).stem in ROUNDING_DIFFERS else 0
    for number, (votes, quota) in _stv_rs_rounds(log).items():
        stage = result.stages[max(number, 1) - 1]
        theirs = {name: _units(shown) for name, shown in votes.items()}
        ours = {name: stage.totals[result.candidates.index(name)] for name in theirs}
        worst = max(abs(ours[name] - theirs[name]) for name in theirs)
        assert worst <= tolerance, f"round {number}: {ours} != {theirs}"
        assert abs(_units(stage.extra["quota"]) - _units(quota)) <= tolerance


def _units(decimal: str) -> int:
    """A 9-place decimal string as an integer number of 10**-9."""
    whole, _, frac = decimal.partition(".")
    return int(whole) * meek.SCALE + int(frac.ljust(9, "0"))


# -- small elections by hand -------------------------------------------------------------------


def _election(seats: int, *ballots: tuple[int, str], names: str = "ABC", **kw: Any) -> Election:
    papers = [Ballot(w, tuple((names.index(c),) for c in r)) for w, r in ballots]
    return Election(candidates=list(names), seats=seats, ballots=papers, **kw)


def test_castor_pollux_helen_by_hand() -> None:
    """Droop's "42": 4 papers Castor then Pollux, 2 papers Helen, two seats. Castor's keep
    factor settles at 0.500000001 (a half, rounded up), which leaves Pollux 4 units of 10**-9
    below Helen with a surplus of only 3 units: not a tie, so Pollux is excluded."""
    result = meek.count(_election(2, (4, "AB"), (2, "C")), seed="s")
    assert result.elected == [0, 2]
    assert result.excluded == [1]
    assert result.quota == 2_000_000_001
    first, second, third = result.stages
    assert (first.action, first.elected) == ("first", [0])
    assert first.totals == {0: 4 * meek.SCALE, 1: 0, 2: 2 * meek.SCALE}
    assert second.action == "surplus"
    assert second.totals == {0: 2_000_000_004, 1: 1_999_999_996, 2: 2_000_000_000}
    assert second.extra["keep_factors"] == "0.500000001 1.000000000 1.000000000"
    assert second.extra["settled"] == "omega"
    assert (third.action, third.subjects, third.excluded) == ("exclusion", [1], [1])
    assert third.totals[1] == 0
    assert third.elected == [2]
    assert result.ties == []


def test_tie_within_the_surplus_is_settled_by_lot() -> None:
    """Three papers for A alone: once A's surplus is spent, B and C (both 0) are tied."""
    outcomes = set()
    for seed in ("a", "b", "c", "d", "e", "f"):
        result = meek.count(_election(2, (3, "A")), seed=seed)
        (tie,) = result.ties
        assert (tie.purpose, tie.between, tie.broken_by) == ("exclusion", [1, 2], "lot")
        assert tie.lot_draw is not None
        assert tie.chosen == tie.lot_draw[0]
        assert result.excluded == [tie.chosen]
        assert result.elected == [0, 3 - tie.chosen]
        assert result.seed == seed
        outcomes.add(tie.chosen)
    assert outcomes == {1, 2}


def test_a_seed_is_made_when_a_lot_is_needed() -> None:
    result = meek.count(_election(2, (3, "A")))
    assert result.seed
    assert meek.count(_election(2, (3, "A")), seed=result.seed) == result


def test_no_lot_no_seed() -> None:
    assert meek.count(_election(1, (3, "A"), (1, "B"))).seed is None


def test_papers_for_withdrawn_candidates_only_are_set_aside_as_empty() -> None:
    election = _election(1, (5, "A"), (3, "BA"), (2, "B"), withdrawn=frozenset({1}))
    result = meek.count(election, seed="s")
    assert result.valid_votes == 8 * meek.SCALE
    assert result.invalid == {InvalidReason.EMPTY: 2}
    assert result.elected == [0]
    assert result.stages[0].totals == {0: 8 * meek.SCALE, 1: 0, 2: 0}


def test_as_many_candidates_as_seats_are_all_elected_at_once() -> None:
    result = meek.count(_election(3, (5, "A"), (1, "B")), seed="s")
    assert result.elected == [0, 1, 2]
    assert len(result.stages) == 1


def test_exhausted_papers_are_non_transferable_and_lower_the_quota() -> None:
    result = meek.count(_election(1, (4, "A"), (3, "B"), (2, "C")), seed="s")
    first, second = result.stages[:2]
    assert first.extra["quota"] == "4.500000001"
    assert (second.action, second.subjects) == ("exclusion", [2])
    assert second.non_transferable == 2 * meek.SCALE
    assert second.extra["quota"] == "3.500000001"
    assert result.elected == [0]


@pytest.mark.parametrize(
    ("election", "message"),
    [
        (Election(["A", "B"], 0, [Ballot(1, ((0,),))]), "at least one seat"),
        (Election(["A", "B"], 1, [Ballot(1, ((0, 1),))]), "equal preferences"),
        (Election(["A", "B"], 1, [Ballot(1, ((5,),))]), "candidate 6"),
        (Election(["A", "B"], 1, [Ballot(-1, ((0,),))]), "negative"),
        (Election(["A", "B"], 1, []), "no valid votes"),
    ],
)
def test_refuses_what_it_cannot_count(election: Election, message: str) -> None:
    with pytest.raises(CountError, match=message):
        meek.count(election, seed="s")


def test_registered_as_meek_stv() -> None:
    method = METHODS["meek-stv"]
    assert (method.name, method.places) == ("meek-stv", 9)
    result = method.count(_election(1, (2, "A"), (1, "B")), None)
    assert (result.method, result.places, result.elected) == ("meek-stv", 9, [0])
