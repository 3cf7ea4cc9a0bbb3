"""Reports in every format, and the ``governance count`` command."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from governance.elections.counting import count
from governance.elections.counting.blt import read_blt
from governance.elections.counting.cli import count_command
from governance.elections.counting.model import Ballot, Election
from governance.elections.counting.report import FORMATS, render
from tests.elections.counting.refdata import stv_dir

WARD = "scotland-2017/blt/aberdeen_2017_ward9.blt"


def ward_path() -> Path:
    return stv_dir() / WARD


def run_governance(*args: str, probe: bool = False) -> tuple[int, str, str]:
    """The ``governance`` command as an operator runs it, in its own process (with ``probe``,
    it also prints, last, the heavy modules the process had imported)."""
    code = "import sys; from governance.cli import main; main(sys.argv[1:])"
    if probe:
        code = (
            "import atexit, sys\n"
            "heavy = ('sqlalchemy', 'sqlmodel', 'litestar', 'alembic', 'psycopg', 'jinja2')\n"
            "atexit.register(lambda: print('IMPORTED', [m for m in heavy if m in sys.modules]))\n"
            "from governance.cli import main\n"
            "main(sys.argv[1:])\n"
        )
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(count_command, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_shape_for_a_reference_ward() -> None:
    code, out, err = run(str(ward_path()), "--method", "scottish-stv", "--format", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["method"] == "scottish-stv"
    assert data["seats"] == 3
    assert data["valid_votes"] == "6811"
    assert data["quota"] == "1703"
    assert data["elected"] == ["Philip BELL (Con)", "Marie BOULTON (Ind)", "M. Tauqeer MALIK (Lab)"]
    assert data["excluded"][0] == "Robbie BOWMAN (Libtn)"
    first, second = data["stages"][:2]
    assert first["stage"] == 1
    assert first["totals"]["Philip BELL (Con)"] == "2714.00000"
    assert first["non_transferable"] == "0.00000"
    assert second["action"] == "surplus"
    assert second["totals"]["Marie BOULTON (Ind)"] == "1449.41637"
    assert len(data["stages"]) == 8
    assert data["ties"] == []
    assert data["invalid"] == {}
    assert data["seed"] is None
    assert data["version"]
    assert data["title"] == "Lower Deeside Ward"


def test_json_places_follow_the_rule() -> None:
    election = Election(
        ["A", "B", "C"], 1, [Ballot(3, ((0,),)), Ballot(2, ((1,),)), Ballot(2, ((2,),))]
    )
    mer = json.loads(render(count(election, "mer2014-stv", "s"), "json"))
    assert mer["stages"][0]["totals"]["A"] == "3.00"
    assert mer["quota"] == "4"
    # ERS97 starts at 7 / 2 = 3.50 and reduces the quota as papers exhaust; the result
    # reports the quota in force at the end, each stage the quota it used.
    ers = json.loads(render(count(election, "ers97-stv", "s"), "json"))
    assert ers["stages"][0]["extra"]["quota"] == "3.50"
    assert ers["quota"] == "2.50"
    fptp = json.loads(render(count(election, "fptp", "s"), "json"))
    assert fptp["stages"][0]["totals"] == {"A": "3", "B": "2", "C": "2"}
    assert fptp["quota"] is None


def test_ties_and_seed_are_reported() -> None:
    election = Election(
        ["A", "B", "C"], 1, [Ballot(3, ((0,),)), Ballot(2, ((1,),)), Ballot(2, ((2,),))]
    )
    data = json.loads(render(count(election, "scottish-stv", "seed-1"), "json"))
    (tie,) = data["ties"]
    assert tie["stage"] == 2
    assert tie["between"] == ["B", "C"]
    assert tie["broken_by"] == "lot"
    assert tie["chosen"] in ("B", "C")
    assert data["seed"] == "seed-1"
    text = render(count(election, "scottish-stv", "seed-1"), "text")
    assert "Tie at stage 2 (exclusion) between B, C" in text
    assert "Seed for lots: seed-1" in text


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("method", ["fptp", "scottish-stv", "mer2014-stv", "ers97-stv"])
def test_every_format_renders(fmt: str, method: str) -> None:
    code, out, err = run(str(ward_path()), "--method", method, "--format", fmt, "--seed", "1")
    assert (code, err) == (0, "")
    assert "Marie BOULTON (Ind)" in out


def test_text_report_is_a_stage_table() -> None:
    result = count(read_blt(ward_path()), "scottish-stv")
    text = render(result, "text", "Lower Deeside")
    lines = text.splitlines()
    assert lines[0] == "Lower Deeside"
    header = next(line for line in lines if line.startswith("Candidate"))
    assert "Stage 1" in header and "Stage 8" in header
    assert any(line.startswith("Non-transferable") for line in lines)
    total = next(line for line in lines if line.startswith("Total"))
    assert total.split()[1:] == ["6811.00000"] * 8
    assert "Elected (stage 6)" in next(line for line in lines if line.startswith("Marie"))


def test_csv_is_the_stage_table() -> None:
    rows = list(
        csv.reader(io.StringIO(render(count(read_blt(ward_path()), "scottish-stv"), "csv")))
    )
    assert rows[0][:3] == ["Candidate", "Stage 1", "Stage 2"]
    assert rows[1][1:3] == ["First preferences", "Surplus of Philip BELL (Con)"]
    assert rows[2] == [
        "Philip BELL (Con)",
        "2714.00000",
        *["1703.00000"] * 7,
        "Elected (stage 1)",
    ]
    assert rows[-1][0] == "Total"


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_is_an_accessible_fragment() -> None:
    election = read_blt(ward_path())
    election.candidates[0] = "<script>alert(1)</script>"
    html = render(count(election, "scottish-stv"), "html", election.title)
    parser = _Cells()
    parser.feed(html)
    tags = [tag for tag, _ in parser.tags]
    assert "script" not in tags and "style" not in tags
    assert "&lt;script&gt;" in html
    assert tags.count("caption") == 1
    headers = [attrs for tag, attrs in parser.tags if tag == "th"]
    assert headers and all(attrs.get("scope") in ("col", "row") for attrs in headers)
    assert not any(attrs.get("style") for _, attrs in parser.tags)
    assert not any(name.startswith("on") for _, attrs in parser.tags for name in attrs)


def test_malformed_file_exits_with_status_2_and_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.blt"
    bad.write_text("3 1\n1 1 2 9 0\n0\n")
    code, out, err = run(str(bad), "--method", "scottish-stv")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "line 2: preference 9 names no candidate (there are 3)" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "nope"], "unknown method 'nope'"),
        (["--method", "fptp", "--format", "xml"], "'xml' is not one of"),
        (["--method", "fptp", "--seats", "0"], "--seats"),
        ([], "missing option '--method' (or --write-blt to only convert the file)"),
        (["--method", "fptp", "--nicknames"], "--nicknames goes with --write-blt"),
    ],
)
def test_bad_options_exit_with_status_2_and_one_line(args: list[str], message: str) -> None:
    code, _, err = run(str(ward_path()), *args)
    assert code == 2
    assert err.count("\n") == 1 and message in err
    assert "Traceback" not in err


def test_missing_file_and_refused_ballots_exit_with_status_2(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "none.blt"), "--method", "fptp")
    assert code == 2 and "cannot read the file" in err
    equal = tmp_path / "equal.blt"
    equal.write_text('3 1\n2 1=2 3 0\n0\n"A"\n"B"\n"C"\n"T"\n')
    code, _, err = run(str(equal), "--method", "mer2014-stv")
    assert code == 2
    assert "line 2: mer2014-stv does not allow equal preferences" in err


def test_seats_option_overrides_the_file() -> None:
    code, out, _ = run(str(ward_path()), "--method", "fptp", "--seats", "1", "--format", "json")
    assert code == 0
    assert json.loads(out)["seats"] == 1


def test_count_command_as_a_process_imports_no_web_or_database_stack() -> None:
    code, out, err = run_governance(
        "count", str(ward_path()), "--method", "scottish-stv", probe=True
    )
    assert (code, err) == (0, "")
    assert "Elected, in order: Philip BELL (Con)" in out
    assert out.rstrip().splitlines()[-1] == "IMPORTED []"


def test_write_blt_converts_and_reads_back(tmp_path: Path) -> None:
    out_file = tmp_path / "plain.blt"
    code, out, err = run_governance("count", str(ward_path()), "--write-blt", str(out_file))
    assert (code, out, err) == (0, "", "")
    original = read_blt(ward_path())
    written = read_blt(out_file)
    assert written == original
    text = out_file.read_text(encoding="utf-8")
    assert text.splitlines()[-1] == '"Lower Deeside Ward"'
    code, out, err = run_governance(
        "count", str(ward_path()), "--write-blt", "-", "--nicknames", "--method", "fptp"
    )
    assert code == 0 and err == ""
    assert out.splitlines()[1] == "[nick c1 c2 c3 c4 c5 c6 c7 c8]"
    assert "Elected, in order:" in out


def test_write_blt_to_an_unwritable_place_exits_with_status_2(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "out.blt"
    code, _, err = run_governance("count", str(ward_path()), "--write-blt", str(target))
    assert code == 2
    assert err.startswith("Error: cannot write") and err.count("\n") == 1


def test_openstv_stage_view_numbers_each_batch() -> None:
    path = stv_dir() / "droop/blt/M135.blt"
    _, ours, _ = run(str(path), "--method", "ers97-stv", "--format", "json", "--seed", "s")
    _, theirs, _ = run(
        str(path), "--method", "ers97-stv", "--format", "json", "--seed", "s", "--stages", "openstv"
    )
    ours_stages, their_stages = json.loads(ours)["stages"], json.loads(theirs)["stages"]
    assert len(their_stages) > len(ours_stages)
    assert [s["stage"] for s in their_stages] == list(range(1, len(their_stages) + 1))
    assert their_stages[-1]["totals"] == ours_stages[-1]["totals"]
    assert json.loads(theirs)["elected"] == json.loads(ours)["elected"]
