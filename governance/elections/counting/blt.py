"""Reading and writing BLT ballot files, the format most STV programs exchange.

The layouts read (docs/counting.md has the long form)::

    4 2                      candidates and seats
    -2                       optional: withdrawn candidates, as negative numbers
    [withdrawn 2]            optional options: withdrawn, nick, tie, droop
    3 1 3 4 0                ballots: weight, preferences, closing 0; "2=3" is an equal preference
    (b17) 1 2 - 4 0          OpenSTV: a ballot id (weight 1); "-" is a skipped preference
    1 0                      an empty ballot (counted as invalid, reason EMPTY)
    0                        end of ballots
    "Adam"                   one candidate per line: a quoted name (CSV-style doubled
    "Basil" "Independent"    quotes inside stand for one quote), a name and then a quoted
    Charlotte                affiliation, or unquoted text
    "Example Election"       the title, then at most a source and a comment line

``#`` and ``//`` start comments, ``/* ... */`` too (Droop); blank lines are skipped; a UTF-8
byte order mark and CRLF line ends are accepted. Identical rankings are merged as they are read
(weights summed), so a large file becomes a short list of ballots. Every problem raises
:class:`BltError` naming the line: a file is read right or refused, never guessed at.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.elections.counting.model import (
    Ballot,
    CountError,
    Election,
    InvalidReason,
    deferred_ballots,
)

if TYPE_CHECKING:
    from governance.elections.counting.rows import Rows

ARRAYS_FROM = 40_000
"""Files with at least this many distinct ballot lines are read into a NumPy table (see
:mod:`rows`); smaller ones are read faster without importing NumPy."""

_OPTION = re.compile(r"\[([^\]]*)\]")
_PLAIN_BALLOTS = str.maketrans("", "", "0123456789 \t\r")
_BREAKS = ("\r\n", "\n", "\r", "\t", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
_STV_RS_NICK = re.compile(r"[a-z][a-z0-9]*")
_AFFILIATION_AT_END = re.compile(r'^(.*\S)\s+"([^"]+)"$')
_MAX_TRAILING = 2  # quoted strings after the title on one-line layouts: source and comment
_CHANGES_READING = ("lines", "one", "order", "include", "elected")  # Droop's planned options


class BltError(CountError):
    """A BLT file that cannot be read; the message names the line and the problem."""

    def __init__(self, line: int | None, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"line {line}: {problem}" if line else problem)


def read_blt(path: str | Path, *, arrays_from: int = ARRAYS_FROM) -> Election:
    """Read the BLT file at ``path`` (``arrays_from``: see :data:`ARRAYS_FROM`)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BltError(None, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BltError(line, "the file is not UTF-8 text") from None
    del data
    parser = _Parser(text, arrays_from)
    del text  # the parser keeps only the lines, and lets go of the ballot lines once read
    return parser.parse()


def parse_blt(text: str, *, arrays_from: int = ARRAYS_FROM) -> Election:
    """Parse BLT ``text`` into an :class:`Election` with identical rankings merged."""
    return _Parser(text, arrays_from).parse()


# -- writing -----------------------------------------------------------------------------------


def write_blt(election: Election, *, nicknames: bool = False) -> str:
    """The election as BLT text in a plain dialect other counting programs read.

    The plain form (the default) uses only what the original format and OpenSTV, Droop and
    simple line-by-line readers all accept: ``candidates seats``, a line of negative numbers
    for withdrawn candidates, ``weight preferences 0`` lines (``=`` for an equal preference),
    ``0``, one quoted name per line and a quoted title. With ``nicknames`` it writes the
    variant stv-rs needs (and Droop reads): a ``[nick ...]`` line, ballots by nickname, and
    ``[withdrawn ...]`` and ``[tie ...]`` by nickname; OpenSTV does not read that variant.

    Names and the title are written so that every reader takes them alike: a double quote
    inside becomes ``'``, a line break or tab becomes a space, and an empty name becomes
    ``Candidate N`` (an empty title ``Election``). Affiliations are not written (no
    reader but this one has a place for them), nor, in the plain form, ``[tie]`` or ``[droop]``
    options. Only empty ballots survive among the invalid ones (as ``n 0`` lines).
    """
    n = len(election.candidates)
    lines = [f"{n} {election.seats}"]
    labels = [str(c + 1) for c in range(n)]
    if nicknames:
        labels = _nicknames(election)
        lines.append("[nick " + " ".join(labels) + "]")
        if election.withdrawn:
            withdrawn = " ".join(labels[c] for c in sorted(election.withdrawn))
            lines.append(f"[withdrawn {withdrawn}]")
        tie = election.options.get("tie")
        if tie and len(tie) == n:
            order = _tie_order(election, tie)
            if order is not None:
                lines.append("[tie " + " ".join(labels[c] for c in order) + "]")
    elif election.withdrawn:
        lines.append(" ".join(f"-{c + 1}" for c in sorted(election.withdrawn)))
    for ballot in election.ballots:
        if ballot.weight <= 0:
            continue
        prefs = " ".join("=".join(labels[c] for c in group) for group in ballot.ranking)
        lines.append(f"{ballot.weight} {prefs} 0" if prefs else f"{ballot.weight} 0")
    empty = election.invalid.get(InvalidReason.EMPTY, 0)
    if empty:
        lines.append(f"{empty} 0")
    lines.append("0")
    for c, name in enumerate(election.candidates):
        lines.append(_quoted(name, f"Candidate {c + 1}"))
    lines.append(_quoted(election.title, "Election"))
    return "\n".join(lines) + "\n"


def _quoted(text: str, fallback: str) -> str:
    clean = text.replace('"', "'")
    for space in _BREAKS:
        clean = clean.replace(space, " ")
    return f'"{clean}"' if clean.strip() else f'"{fallback}"'


def _nicknames(election: Election) -> list[str]:
    """The file's own nicknames if stv-rs can read them, else ``c1`` ... ``cN``."""
    given = election.options.get("nick", [])
    n = len(election.candidates)
    if len(given) == n and len(set(given)) == n and all(_STV_RS_NICK.fullmatch(g) for g in given):
        return list(given)
    return [f"c{c + 1}" for c in range(n)]


def _tie_order(election: Election, tie: list[str]) -> list[int] | None:
    nicks = {nick: i for i, nick in enumerate(election.options.get("nick", []))}
    order: list[int] = []
    for token in tie:
        if token.isdigit() and 1 <= int(token) <= len(election.candidates):
            order.append(int(token) - 1)
        elif token in nicks:
            order.append(nicks[token])
        else:
            return None
    return order if len(set(order)) == len(order) else None


# -- reading -----------------------------------------------------------------------------------


def _strip_comment(line: str) -> str:
    """``line`` without a trailing ``#`` or ``//`` comment (for lines that hold numbers)."""
    for marker in ("#", "//"):
        at = line.find(marker)
        if at >= 0:
            line = line[:at]
    return line.strip()


def _ends_ballot(content: str) -> bool:
    """Whether a line has the form of a ballot: at least a weight and the closing 0."""
    parts = content.split()
    return len(parts) >= 2 and parts[-1] == "0"


def _without_block_comments(text: str) -> str:
    """``text`` with Droop's ``/* ... */`` comments blanked out (line breaks kept, so that
    line numbers stay right). Quoted text is left alone; a quote never spans lines."""
    out: list[str] = []
    depth = 0
    opened_at = 0
    for number, line in enumerate(text.split("\n"), start=1):
        chars: list[str] = []
        in_quote = False
        i = 0
        while i < len(line):
            two = line[i : i + 2]
            if depth == 0 and line[i] == '"':
                in_quote = not in_quote
            if not in_quote and two == "/*":
                if depth == 0:
                    opened_at = number
                depth += 1
                chars.append("  ")
                i += 2
                continue
            if depth and two == "*/":
                depth -= 1
                chars.append("  ")
                i += 2
                continue
            chars.append(" " if depth and line[i] != "\r" else line[i])
            i += 1
        out.append("".join(chars))
    if depth:
        raise BltError(opened_at, "a /* comment is never closed with */")
    return "\n".join(out)


def _quoted_strings(line_no: int, line: str) -> list[str]:
    """The quoted strings on a name line (``""`` inside quotes is one ``"``), in order."""
    strings: list[str] = []
    i, end = 0, len(line)
    while i < end:
        if line[i] != '"':
            rest = line[i:]
            if rest.startswith(("#", "//")):
                break
            raise BltError(line_no, f"text outside the quotes: {line!r}")
        i += 1
        parts: list[str] = []
        while True:
            close = line.find('"', i)
            if close < 0:
                raise BltError(line_no, f"a quote is not closed: {line!r}")
            parts.append(line[i:close])
            if line.startswith('"', close + 1):  # a doubled quote stands for one quote
                parts.append('"')
                i = close + 2
                continue
            i = close + 1
            break
        strings.append("".join(parts))
        while i < end and line[i] in " \t":
            i += 1
    return strings


class _Entry:
    """One non-blank line after the ballots, read as a candidate would be."""

    __slots__ = ("error", "hash", "line_no", "quoted", "strings", "text")

    def __init__(self, line_no: int, text: str) -> None:
        self.line_no = line_no
        self.text = text
        self.hash = text.startswith(("#", "//"))
        self.quoted = text.startswith('"')
        self.error: BltError | None = None  # raised only if the line is read as a name or title
        try:
            self.strings = _quoted_strings(line_no, text) if self.quoted else [text]
        except BltError as problem:
            self.strings, self.error = [], problem

    def checked(self) -> _Entry:
        if self.error is not None:
            raise self.error
        return self

    def shape(self) -> str:
        """``pair`` (a name and a quoted affiliation), ``embedded`` (one quoted string ending in
        a quoted part, as CSV-style doubled quotes give), or ``plain``."""
        if self.quoted and len(self.strings) == 2:
            return "pair"
        if self.quoted and len(self.strings) == 1 and _AFFILIATION_AT_END.match(self.strings[0]):
            return "embedded"
        return "plain"


class _Parser:
    def __init__(self, text: str, arrays_from: int = ARRAYS_FROM) -> None:
        self.arrays_from = arrays_from
        self.rows: Rows | None = None  # the array reading's
        text = text.removeprefix("\ufeff")
        if "/*" in text:
            text = _without_block_comments(text)
        self.quoted_strings = text.count('"') // 2
        self.lines = text.split("\n") if text else []
        self.at = 0  # index of the next line to read
        self.n = 0
        self.nicks: dict[str, int] = {}
        self.options: dict[str, list[str]] = {}
        self.withdrawn: set[int] = set()
        # Rankings in the order first seen: flat tuples of 0-based candidates, or (with an
        # equal preference) a Ranking of groups.
        self.papers: dict[Any, int] = {}
        self.grouped = False
        self.read_plain: list[tuple[tuple[int, ...], int]] | None = None  # the fast reading's
        self.equal_line: int | None = None
        self.empty = 0
        self.no_first = 0
        self.ids: set[str] = set()

    # -- the parts of the file -----------------------------------------------------------

    def parse(self) -> Election:
        line_no, header = self._next_content("the first line ('candidates seats')")
        n, seats = self._header(line_no, _strip_comment(header))
        self.n = n
        self._prelude()
        self._ballots()
        names, affiliations, title = self._names(n)
        return self._election(names, affiliations, title, seats)

    def _election(
        self, names: list[str], affiliations: list[str], title: str, seats: int
    ) -> Election:
        singles = [(c,) for c in range(self.n)]
        get = singles.__getitem__
        new = tuple.__new__  # Ballot is a named tuple; this skips its Python-level __new__
        ballots: list[Ballot] = []
        plain: list[tuple[tuple[int, ...], int]] = []
        if self.rows is not None:
            pass
        elif self.read_plain is not None:
            plain = self.read_plain
            for flat, weight in plain:
                ballots.append(new(Ballot, (weight, tuple(map(get, flat[:-1])))))
        elif not self.grouped:
            for flat, weight in self.papers.items():
                plain.append((flat, weight))
                ballots.append(new(Ballot, (weight, tuple(map(get, flat[:-1])))))
        else:
            for key, weight in self.papers.items():
                if key and isinstance(key[0], int):
                    ballots.append(Ballot(weight, tuple(map(get, key[:-1]))))
                else:
                    ballots.append(Ballot(weight, key))
        invalid: dict[InvalidReason, int] = {}
        if self.empty:
            invalid[InvalidReason.EMPTY] = self.empty
        if self.no_first:
            invalid[InvalidReason.NO_FIRST_PREFERENCE] = self.no_first
        election = Election(
            candidates=names,
            seats=seats,
            ballots=ballots,
            withdrawn=frozenset(self.withdrawn),
            title=title,
            invalid=invalid,
            options=self.options,
            affiliations=affiliations if any(affiliations) else [],
            equal_preference_line=self.equal_line,
            plain=None if self.grouped else (ballots, plain),
        )
        if self.rows is not None:
            deferred_ballots(election, self.rows)
        return election

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
        if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
            raise BltError(line_no, f"expected 'candidates seats', found {content!r}")
        n, seats = int(parts[0]), int(parts[1])
        if n < 1:
            raise BltError(line_no, "an election needs at least one candidate")
        if seats < 1:
            raise BltError(line_no, "an election needs at least one seat")
        # Every candidate needs a name further on: on a line of its own, or as a quoted string.
        room = len(self.lines) - self.at + self.quoted_strings
        if n > room:
            raise BltError(
                line_no,
                f"the header gives {n} candidates, but the rest of the file has room "
                f"for at most {room} names",
            )
        if seats > n:
            raise BltError(line_no, f"the header gives {seats} seats but only {n} candidates")
        return n, seats

    def _prelude(self) -> None:
        """Options and withdrawn candidates, up to the first ballot (left unread)."""
        while self.at < len(self.lines):
            line = self.lines[self.at].strip()
            line_no = self.at + 1
            content = _strip_comment(line)
            if not content:
                self.at += 1
                continue
            if content.startswith("["):
                self._options(line_no, content)
            elif content.startswith("-") and not _ends_ballot(content):
                self._withdrawn_line(line_no, content)
            else:
                return
            self.at += 1

    def _ballots(self) -> None:
        """The ballot lines and the ``0`` that ends them; the fast way when they are plain."""
        start = self.at
        end = self._terminator(start)
        if end is not None and self._plain_ballots(start, end):
            self.at = end + 1
            self.lines[start:end] = repeat("", end - start)  # free them; line numbers stay
            return
        while True:
            line_no, line = self._next_content("the line '0' that ends the ballots")
            content = _strip_comment(line) if "#" in line or "//" in line else line
            if content == "0":
                return
            if content.startswith("["):
                raise BltError(line_no, "options must come before the ballots")
            if content.startswith("-") and not _ends_ballot(content):
                self._withdrawn_line(line_no, content)
                raise BltError(line_no, "withdrawn candidates must be listed before the ballots")
            if content:
                self._ballot(line_no, content)

    def _terminator(self, start: int) -> int | None:
        found = []
        for form in ("0", "0\r"):
            with contextlib.suppress(ValueError):
                found.append(self.lines.index(form, start))
        return min(found) if found else None

    def _plain_ballots(self, start: int, end: int) -> bool:
        """Read ``lines[start:end]`` if every one is ``weight numbers 0`` (digits and spaces
        only): each distinct line is read once. Returns False, having read nothing, when any
        line needs the line-by-line reading (comments, ids, equal preferences, errors)."""
        counts = Counter(self.lines[start:end])
        if "".join(counts).translate(_PLAIN_BALLOTS):
            return False
        if len(counts) >= self.arrays_from:
            from governance.elections.counting.rows import read_lines  # NumPy only if used

            read = read_lines(list(counts), list(counts.values()), self.n)
            if read is not None:
                self.rows, self.empty = read
                return True
        # Each token maps straight to its 0-based candidate, and the closing "0" to the sentinel
        # len(candidates) that closes every flat ranking; anything else is a KeyError.
        names = {str(c + 1): c for c in range(self.n)}
        names["0"] = self.n
        index = names.__getitem__
        plain: list[tuple[tuple[int, ...], int]] = []
        keep = plain.append
        empty = 0
        end = self.n
        try:
            for raw, repeats in counts.items():
                head, _, rest = raw.partition(" ")
                flat = tuple(map(index, rest.split()))
                if not flat:
                    if head.strip() or rest:
                        return False
                    continue
                if flat[-1] != end or (len(flat) > 1 and len(set(flat)) != len(flat)):
                    return False
                weight = int(head) * repeats
                if len(flat) == 1:
                    empty += weight
                elif weight:
                    keep((flat, weight))
        except (KeyError, ValueError):  # no such candidate, "01", a tab or leading space
            return False
        # Distinct lines nearly always hold distinct rankings; they can differ only in their
        # weight or spacing, and are merged then.
        if len({flat for flat, _ in plain}) != len(plain):
            merged: dict[tuple[int, ...], int] = {}
            for flat, weight in plain:
                merged[flat] = merged.get(flat, 0) + weight
            plain = list(merged.items())
        self.read_plain = plain
        self.empty = empty
        return True

    # -- options and withdrawn candidates ------------------------------------------------

    def _candidate(self, line_no: int, token: str, what: str = "preference") -> int:
        """The 0-based index a token names (a number from 1, or a nickname)."""
        if token.isascii() and token.isdigit():
            number = int(token)
            if not 1 <= number <= self.n:
                raise BltError(line_no, f"{what} {number} names no candidate (there are {self.n})")
            return number - 1
        if token in self.nicks:
            return self.nicks[token]
        raise BltError(line_no, f"{token!r} is neither a candidate number nor a nickname")

    def _options(self, line_no: int, content: str) -> None:
        found = _OPTION.findall(content)
        if not found or _OPTION.sub("", content).strip():
            raise BltError(line_no, f"cannot read the option line {content!r}")
        for option in found:
            key, *values = option.split() or [""]
            if key == "withdrawn":
                for value in values:
                    self.withdrawn.add(self._candidate(line_no, value, "withdrawn candidate"))
            elif key == "nick":
                if len(values) != self.n:
                    raise BltError(
                        line_no, f"[nick] gives {len(values)} nicknames for {self.n} candidates"
                    )
                if len(set(values)) != len(values):
                    raise BltError(line_no, "[nick] gives the same nickname twice")
                self.nicks = {nick: i for i, nick in enumerate(values)}
                self.options[key] = values
            elif key == "tie":
                order = [self._candidate(line_no, v, "[tie] candidate") for v in values]
                if sorted(order) != list(range(self.n)):
                    raise BltError(line_no, f"[tie] must name each of the {self.n} candidates once")
                self.options[key] = values
            elif key in _CHANGES_READING or not key:
                raise BltError(
                    line_no,
                    f"the option [{key}] is not supported: it changes how the file is read "
                    "(supported: [withdrawn], [nick], [tie], and others kept as they are)",
                )
            else:
                self.options[key] = values

    def _withdrawn_line(self, line_no: int, content: str) -> None:
        for part in content.split():
            number = part[1:]
            if not (number.isascii() and number.isdigit()):
                raise BltError(
                    line_no, f"a withdrawn line holds only negative numbers, found {content!r}"
                )
            self.withdrawn.add(self._candidate(line_no, number, "withdrawn candidate"))

    # -- one ballot, the careful way -----------------------------------------------------

    def _ballot(self, line_no: int, content: str) -> None:
        parts = content.split()
        head = parts[0]
        if head.startswith("("):
            parts = self._ballot_id(line_no, content)
            head = parts[0]
            if head != "1":
                raise BltError(line_no, f"a ballot with an id has weight 1, not {head!r}")
        if head.startswith("-") and head[1:].isdigit():
            raise BltError(line_no, f"a ballot's weight cannot be negative, found {head!r}")
        if not (head.isascii() and head.isdigit()):
            raise BltError(line_no, f"a ballot starts with a whole-number weight, not {head!r}")
        if parts[-1] != "0" or len(parts) < 2:
            raise BltError(line_no, "a ballot line must end with 0")
        weight = int(head)
        groups: list[tuple[int, ...]] = []
        skipped = False
        for item in parts[1:-1]:
            if item == "0":
                raise BltError(line_no, "a 0 in the middle of a ballot (0 ends a ballot)")
            if item == "-":  # OpenSTV's skipped preference: a gap, so reading stops here
                skipped = True
                continue
            names = item.split("=")
            if "" in names:
                raise BltError(line_no, f"cannot read the equal preference {item!r}")
            group = tuple(sorted(self._candidate(line_no, p) for p in names))
            if not skipped:
                groups.append(group)
        flat = [c for group in groups for c in group]
        if len(set(flat)) != len(flat):
            seen: set[int] = set()
            for c in flat:
                if c in seen:
                    raise BltError(line_no, f"candidate {c + 1} appears more than once in a ballot")
                seen.add(c)
        if weight == 0:
            return
        if not groups:
            if skipped and len(parts) > 2 and parts[1] == "-":
                self.no_first += weight
            else:
                self.empty += weight
            return
        if all(len(g) == 1 for g in groups):
            key = (*flat, self.n)
            self.papers[key] = self.papers.get(key, 0) + weight
            return
        if self.equal_line is None:
            self.equal_line = line_no
        ranking = tuple(groups)
        self.grouped = True
        self.papers[ranking] = self.papers.get(ranking, 0) + weight

    def _ballot_id(self, line_no: int, content: str) -> list[str]:
        close = content.find(")")
        if close < 0:
            raise BltError(line_no, f"a ballot id is not closed: {content!r}")
        ballot_id = content[1:close].strip()
        if not ballot_id:
            raise BltError(line_no, "an empty ballot id '()'")
        if ballot_id in self.ids:
            raise BltError(line_no, f"the ballot id ({ballot_id}) is used twice")
        self.ids.add(ballot_id)
        rest = content[close + 1 :].split()
        if not rest:
            raise BltError(line_no, "a ballot id with no ballot after it")
        return rest

    # -- names, title and what follows ---------------------------------------------------

    def _names(self, n: int) -> tuple[list[str], list[str], str]:
        entries = [
            _Entry(index + 1, line.strip())
            for index, line in enumerate(self.lines[self.at :], start=self.at)
            if line.strip()
        ]
        chosen = self._candidate_lines(entries, n)
        if chosen is None:
            return self._names_on_few_lines(entries, n)
        names: list[str] = []
        affiliations: list[str] = []
        for entry in chosen:
            entry.checked()
            if len(entry.strings) > 2:
                raise BltError(
                    entry.line_no,
                    f"{len(entry.strings)} quoted strings on one line; a candidate's line "
                    "holds a name, or a name and then its affiliation",
                )
            names.append(entry.strings[0])
            affiliations.append(entry.strings[1] if len(entry.strings) == 2 else "")
        after = [e for e in entries if e.line_no > chosen[-1].line_no and not e.hash]
        if not after:
            raise BltError(
                chosen[-1].line_no,
                f"no title after the {n} candidate names (lines {chosen[0].line_no} to "
                f"{chosen[-1].line_no}); if a name is missing, the title was taken for it",
            )
        title_entry, trailing = after[0].checked(), after[1:]
        self._check_title(chosen, title_entry, trailing, n)
        return names, affiliations, " ".join(title_entry.strings)

    def _candidate_lines(self, entries: list[_Entry], n: int) -> list[_Entry] | None:
        """The ``n`` lines that name the candidates, or None if there are too few lines.

        A line starting with ``#`` or ``//`` is a comment when the names are quoted; among
        unquoted names it is a comment only if the other lines still hold every name and a
        title, and otherwise it is a name.
        """
        content = [e for e in entries if not e.hash]
        quoted = bool(content) and content[0].quoted
        chosen: list[_Entry] = []
        remaining = len(content)
        for entry in entries:
            if len(chosen) == n:
                break
            if entry.hash:
                if quoted or remaining >= (n - len(chosen)) + 1:
                    continue
            else:
                remaining -= 1
            chosen.append(entry)
        return chosen if len(chosen) == n else None

    def _names_on_few_lines(
        self, entries: list[_Entry], n: int
    ) -> tuple[list[str], list[str], str]:
        """The original format lets several quoted names share a line: used only when there
        are fewer lines than names and no line pairs a name with an affiliation."""
        content = [e.checked() for e in entries if not e.hash]
        strings = [s for e in content if e.quoted for s in e.strings]
        several = any(len(e.strings) > 2 for e in content)
        if several and all(e.quoted for e in content) and len(strings) >= n + 1:
            if len(strings) > n + 1 + _MAX_TRAILING:
                raise BltError(
                    content[0].line_no,
                    f"{len(strings)} quoted strings after the ballots: {n} names, a title "
                    f"and at most {_MAX_TRAILING} more were expected",
                )
            return strings[:n], [], strings[n]
        last = entries[-1].line_no if entries else len(self.lines)
        where = f"lines {entries[0].line_no} to {last}" if len(entries) > 1 else f"line {last}"
        found = len(content)
        raise BltError(
            last if entries else len(self.lines),
            f"the header gives {n} candidates, but {found} name line"
            f"{'' if found == 1 else 's'} follow the ballots"
            + (f" ({where})" if entries else "")
            + f"; {n} names and then a title are needed",
        )

    @staticmethod
    def _check_title(chosen: list[_Entry], title: _Entry, trailing: list[_Entry], n: int) -> None:
        shapes = {e.shape() for e in chosen}
        before = {e.shape() for e in chosen[:-1]}
        if n >= 3 and len(before) == 1 and "plain" not in before and chosen[-1].shape() == "plain":
            layout = '"Name" "Party"' if "pair" in before else '"Name ""Party"""'
            raise BltError(
                chosen[-1].line_no,
                f"this line has no affiliation, unlike the {n - 1} candidate lines before it: "
                f"a name missing, and the title taken for it? (A candidate without a party is "
                f"written {layout} with an empty party)",
            )
        if len(shapes) == 1 and "plain" not in shapes and title.shape() in shapes:
            raise BltError(
                title.line_no,
                "a name with an affiliation where the title should be: more candidate "
                f"lines than the {n} the header gives",
            )
        if not chosen[0].quoted and trailing:
            for entry in trailing[:1]:
                if not entry.quoted:
                    raise BltError(
                        entry.line_no,
                        f"unquoted text after the title (line {title.line_no}): more names "
                        f"than the {n} the header gives? A source or comment is quoted",
                    )
