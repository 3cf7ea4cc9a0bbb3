"""Reading and writing BLT ballot files, the format most STV programs exchange.

The dialect accepted (see docs/counting.md for the long form)::

    4 2                      candidates and seats
    -2                       optional: withdrawn candidates, as negative numbers
    [withdrawn 2]            optional [...] lines: withdrawn, nick, tie and others
    3 1 3 4 0                ballots: weight, preferences, closing 0; "2=3" is an equal preference
    1 0                      an empty ballot (counted as invalid, reason EMPTY)
    0                        end of ballots
    "Adam"                   one name per line, quoted or not (or several quoted on one line)
    ...
    "Example Election"       the title; anything after it is ignored

``#`` and ``//`` start comments, blank lines are skipped, a UTF-8 byte order mark and CRLF line
ends are accepted. Identical rankings are merged as they are read (weights summed), so a large
file becomes a short list of ballots. Every problem raises :class:`BltError` naming the line.
"""

from __future__ import annotations

import re
from pathlib import Path

from governance.elections.counting.model import (
    Ballot,
    CountError,
    Election,
    InvalidReason,
    Ranking,
)

_QUOTED = re.compile(r'"([^"]*)"')
_OPTION = re.compile(r"\[([^\]]*)\]")


class BltError(CountError):
    """A BLT file that cannot be read; the message names the line and the problem."""

    def __init__(self, line: int | None, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"line {line}: {problem}" if line else problem)


def read_blt(path: str | Path) -> Election:
    """Read the BLT file at ``path``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BltError(None, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BltError(line, "the file is not UTF-8 text") from None
    return parse_blt(text)


def parse_blt(text: str) -> Election:
    """Parse BLT ``text`` into an :class:`Election` with identical rankings merged."""
    return _Parser(text).parse()


def write_blt(election: Election) -> str:
    """The election as BLT text that :func:`parse_blt` reads back to an equal election.

    Only empty ballots survive among the invalid ones (as ``weight 0`` lines): BLT has no way to
    write the other reasons.
    """
    lines = [f"{len(election.candidates)} {election.seats}"]
    if election.withdrawn:
        lines.append(" ".join(f"-{c + 1}" for c in sorted(election.withdrawn)))
    lines.extend("[" + " ".join([key, *values]) + "]" for key, values in election.options.items())
    for ballot in election.ballots:
        prefs = " ".join("=".join(str(c + 1) for c in group) for group in ballot.ranking)
        lines.append(f"{ballot.weight} {prefs} 0" if prefs else f"{ballot.weight} 0")
    empty = election.invalid.get(InvalidReason.EMPTY, 0)
    if empty:
        lines.append(f"{empty} 0")
    lines.append("0")
    lines.extend(_quote(name, "candidate name") for name in election.candidates)
    lines.append(_quote(election.title, "title"))
    return "\n".join(lines) + "\n"


def _quote(text: str, what: str) -> str:
    if '"' in text or "\n" in text or "\r" in text:
        raise BltError(None, f"the {what} {text!r} cannot be written to BLT (quote or line break)")
    return f'"{text}"'


def _strip_comment(line: str) -> str:
    """``line`` without a trailing ``#`` or ``//`` comment (for lines that hold numbers)."""
    for marker in ("#", "//"):
        at = line.find(marker)
        if at >= 0:
            line = line[:at]
    return line.strip()


class _Parser:
    def __init__(self, text: str) -> None:
        self.lines = text.removeprefix("\ufeff").splitlines()
        self.at = 0  # index of the next line to read
        self.n = 0
        self.nicks: dict[str, int] = {}
        self.options: dict[str, list[str]] = {}
        self.withdrawn: set[int] = set()
        self.papers: dict[Ranking, int] = {}
        self.empty = 0
        self.seen_ballot = False
        self.singles: list[tuple[int, ...]] = []  # singles[k] == (k - 1,): a 1-based preference

    def parse(self) -> Election:
        line_no, header = self._next_content("the first line ('candidates seats')")
        n, seats = self._header(line_no, _strip_comment(header))
        self.n = n
        self.singles = [()] + [(c,) for c in range(n)]
        while True:
            line_no, line = self._next_content("the line '0' that ends the ballots")
            content = _strip_comment(line) if "#" in line or "//" in line else line
            if content == "0":
                break
            if content.startswith("["):
                self._options(line_no, content)
            elif content.startswith("-"):
                self._withdrawn_line(line_no, content)
            elif content:
                self._ballot(line_no, content)
        names = self._strings(n)
        title = names.pop() if len(names) > n else ""
        ballots = [Ballot(weight, ranking) for ranking, weight in self.papers.items()]
        invalid = {InvalidReason.EMPTY: self.empty} if self.empty else {}
        return Election(
            candidates=names,
            seats=seats,
            ballots=ballots,
            withdrawn=frozenset(self.withdrawn),
            title=title,
            invalid=invalid,
            options=self.options,
        )

    def _next_content(self, expected: str) -> tuple[int, str]:
        """The next line that is neither blank nor a comment, with its 1-based number."""
        while self.at < len(self.lines):
            line = self.lines[self.at].strip()
            self.at += 1
            if line and not line.startswith(("#", "//")):
                return self.at, line
        raise BltError(len(self.lines) or None, f"the file ends before {expected}")

    def _header(self, line_no: int, content: str) -> tuple[int, int]:
        parts = content.split()
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise BltError(line_no, f"expected 'candidates seats', found {content!r}")
        n, seats = int(parts[0]), int(parts[1])
        if n < 1:
            raise BltError(line_no, "an election needs at least one candidate")
        if seats < 1:
            raise BltError(line_no, "an election needs at least one seat")
        return n, seats

    def _candidate(self, line_no: int, token: str) -> int:
        """The 0-based index a preference token names (a number from 1, or a nickname)."""
        if token.isdigit():
            number = int(token)
            if not 1 <= number <= self.n:
                raise BltError(
                    line_no, f"preference {number} names no candidate (there are {self.n})"
                )
            return number - 1
        if token in self.nicks:
            return self.nicks[token]
        raise BltError(line_no, f"{token!r} is neither a candidate number nor a nickname")

    def _options(self, line_no: int, content: str) -> None:
        found = _OPTION.findall(content)
        if not found or _OPTION.sub("", content).strip():
            raise BltError(line_no, f"cannot read the option line {content!r}")
        for option in found:
            key, *values = option.split()
            if key == "withdrawn":
                self._withdraw(line_no, [self._candidate(line_no, v) for v in values])
            elif key == "nick":
                if len(values) != self.n:
                    raise BltError(
                        line_no, f"[nick] gives {len(values)} nicknames for {self.n} candidates"
                    )
                self.nicks = {nick: i for i, nick in enumerate(values)}
                self.options[key] = values
            else:
                self.options[key] = values

    def _withdrawn_line(self, line_no: int, content: str) -> None:
        parts = content.split()
        if not all(p.startswith("-") and p[1:].isdigit() for p in parts):
            raise BltError(
                line_no, f"a withdrawn line holds only negative numbers, found {content!r}"
            )
        self._withdraw(line_no, [self._candidate(line_no, p[1:]) for p in parts])

    def _withdraw(self, line_no: int, candidates: list[int]) -> None:
        if self.seen_ballot:
            raise BltError(line_no, "withdrawn candidates must be listed before the ballots")
        self.withdrawn.update(candidates)

    def _ballot(self, line_no: int, content: str) -> None:
        self.seen_ballot = True
        parts = content.split()
        if not parts[0].isdigit():
            raise BltError(line_no, f"a ballot starts with a whole-number weight, not {parts[0]!r}")
        if parts[-1] != "0" or len(parts) < 2:
            raise BltError(line_no, "a ballot line must end with 0")
        weight = int(parts[0])
        prefs = parts[1:-1]
        try:
            numbers = list(map(int, prefs))
        except ValueError:
            ranking = self._slow_ranking(line_no, prefs)
        else:
            ranking = self._fast_ranking(line_no, numbers)
        if weight == 0:
            return
        if not ranking:
            self.empty += weight
            return
        self.papers[ranking] = self.papers.get(ranking, 0) + weight

    def _fast_ranking(self, line_no: int, numbers: list[int]) -> Ranking:
        """The common case: plain candidate numbers, no nicknames or equal preferences."""
        if not numbers:
            return ()
        if min(numbers) < 1 or max(numbers) > self.n:
            for number in numbers:
                if number == 0:
                    raise BltError(line_no, "a 0 in the middle of a ballot (0 ends a ballot)")
                self._candidate(line_no, str(number))
        if len(set(numbers)) != len(numbers):
            self._duplicate(line_no, numbers)
        return tuple(map(self.singles.__getitem__, numbers))

    def _slow_ranking(self, line_no: int, prefs: list[str]) -> Ranking:
        groups: list[tuple[int, ...]] = []
        for item in prefs:
            if item == "0":
                raise BltError(line_no, "a 0 in the middle of a ballot (0 ends a ballot)")
            parts = item.split("=")
            if "" in parts:
                raise BltError(line_no, f"cannot read the equal preference {item!r}")
            groups.append(tuple(sorted(self._candidate(line_no, p) for p in parts)))
        flat = [c + 1 for group in groups for c in group]
        if len(set(flat)) != len(flat):
            self._duplicate(line_no, flat)
        return tuple(groups)

    @staticmethod
    def _duplicate(line_no: int, numbers: list[int]) -> None:
        seen: set[int] = set()
        for number in numbers:
            if number in seen:
                raise BltError(line_no, f"candidate {number} appears more than once in a ballot")
            seen.add(number)

    def _strings(self, n: int) -> list[str]:
        """The ``n`` candidate names and then the title (if there is one)."""
        strings: list[str] = []
        while len(strings) <= n and self.at < len(self.lines):
            line_no, line = self.at + 1, self.lines[self.at].strip()
            self.at += 1
            if not line or line.startswith(("#", "//")):
                continue
            if line.startswith('"'):
                strings.extend(self._quoted(line_no, line))
            else:
                strings.append(line)
        if len(strings) < n:
            raise BltError(len(self.lines), f"expected {n} candidate names, found {len(strings)}")
        return strings[: n + 1]

    @staticmethod
    def _quoted(line_no: int, line: str) -> list[str]:
        rest = _QUOTED.sub("", line).strip()
        if rest and not rest.startswith(("#", "//")):
            raise BltError(line_no, f"text outside the quotes: {line!r}")
        return _QUOTED.findall(line)
