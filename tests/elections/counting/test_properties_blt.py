"""Random valid BLT files read to the same election whatever the quoting and layout."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.elections.counting.ballots import aggregate
from governance.elections.counting.blt import parse_blt, write_blt
from governance.elections.counting.model import Ballot, Election, InvalidReason

# Names as people write them: letters, spaces, digits and punctuation, quotes included.
NAME_CHARS = st.sampled_from([*"AbcÉéøß 123#'()-.,&/\"", "Mc", "GOW", "(SNP)"])


@st.composite
def names(draw: st.DrawFn) -> str:
    text = "".join(draw(st.lists(NAME_CHARS, min_size=1, max_size=8)))
    text = text.strip() or "X"
    # A name ending in a quoted part reads as "Name ""Party""": files of such names are held
    # to that layout (see test_blt), so random names stay clear of it.
    return text + "x" if text.endswith('"') else text


def render(name: str, style: str) -> str:
    """``name`` as one line of a BLT file, in one of the quotings the reader takes."""
    if style == "doubled" or '"' in name:
        return '"' + name.replace('"', '""') + '"'
    if style == "quoted":
        return f'"{name}"'
    return name


def can_be_unquoted(name: str) -> bool:
    return not name.startswith(('"', "#", "//")) and name == name.strip()


@st.composite
def blt_files(draw: st.DrawFn) -> tuple[str, Election]:
    n = draw(st.integers(1, 6))
    seats = draw(st.integers(1, n))
    people = draw(st.lists(names(), min_size=n, max_size=n))
    title = draw(names()).replace('"', "'")
    papers = draw(
        st.lists(
            st.tuples(st.integers(0, 4), st.permutations(range(n)), st.integers(0, n)),
            max_size=12,
        )
    )
    comments = draw(st.booleans())
    blanks = draw(st.booleans())
    style = draw(st.sampled_from(["quoted", "doubled", "unquoted", "mixed"]))
    lines = [f"{n} {seats}"]
    ballots: list[Ballot] = []
    empty = 0
    for weight, order, length in papers:
        prefs = list(order[:length])
        line = " ".join(str(x) for x in [weight, *(c + 1 for c in prefs), 0])
        if comments:
            line += "  # a remark"
        lines.append(line)
        if blanks:
            lines.append("")
        if prefs:
            ballots.append(Ballot(weight, tuple((c,) for c in prefs)))
        else:
            empty += weight
    lines.append("0")
    first_quoted = style != "unquoted" or not all(can_be_unquoted(p) for p in people)
    for i, person in enumerate(people):
        chosen = style
        if style == "mixed":
            chosen = draw(st.sampled_from(["quoted", "doubled", "unquoted"]))
        if chosen == "unquoted" and (not can_be_unquoted(person) or (i == 0 and first_quoted)):
            chosen = "quoted"
        if i == 0 and first_quoted and chosen == "unquoted":
            chosen = "quoted"
        lines.append(render(person, chosen))
    lines.append(render(title, "quoted" if first_quoted or not can_be_unquoted(title) else style))
    expected = Election(
        candidates=people,
        seats=seats,
        ballots=aggregate(ballots),
        title=title,
        invalid={InvalidReason.EMPTY: empty} if empty else {},
    )
    return "\n".join(lines) + "\n", expected


def canonical(election: Election) -> tuple:
    return (
        election.candidates,
        election.seats,
        sorted((b.ranking, b.weight) for b in election.ballots),
        election.title,
        election.invalid,
        election.withdrawn,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blt_files())
def test_random_valid_files_parse_to_the_same_election(case: tuple[str, Election]) -> None:
    text, expected = case
    election = parse_blt(text)
    assert canonical(election) == canonical(expected)
    # CRLF line ends and a byte order mark change nothing either.
    assert canonical(parse_blt("\ufeff" + text.replace("\n", "\r\n"))) == canonical(expected)


@settings(max_examples=200, deadline=None)
@given(blt_files(), st.booleans())
def test_written_files_read_back(case: tuple[str, Election], nicknames: bool) -> None:
    text, _ = case
    election = parse_blt(text)
    back = parse_blt(write_blt(election, nicknames=nicknames))
    written = [name.replace('"', "'") for name in election.candidates]
    assert back.candidates == written
    assert canonical(back)[1:] == canonical(election)[1:]
