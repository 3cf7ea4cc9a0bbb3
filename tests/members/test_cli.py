"""``governance register import`` and ``register export``, run as a secretary's operator runs them:
the installed command in a process of its own, on the test's database (a fresh SQLite file, or
PostgreSQL when the suite runs there), checked against the register and the audit log, and
against the register page's own export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from governance.audit import AuditEntry
from governance.members.models import Member, RegisterImport
from governance.organisations.models import Organisation
from governance.settings import Settings
from tests.commands import Shell
from tests.members.helpers import load
from tests.members.web import secretary_client

CSV = (
    "reference,first_name,last_name,email,date_of_birth,area_code\n"
    "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001\n"
    "R2,Bob,Jones,bob@example.org,2015-01-01,E05000001\n"
)


@pytest.fixture
def shell(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, settings: Settings, db: Session
) -> Shell:
    """A shell on this test's database; the test's own session has let go of it."""
    db.commit()
    return Shell(tmp_path, tmp_path_factory, database_url=settings.database_url)


def cli_actions(db: Session) -> list[tuple[str, str]]:
    entries = db.exec(
        select(AuditEntry.actor, AuditEntry.action)
        .where(col(AuditEntry.actor) == "cli")
        .order_by(col(AuditEntry.seq))
    ).all()
    db.commit()
    return [(actor, action) for actor, action in entries]


def references(db: Session) -> list[str]:
    found = sorted(m.reference for m in db.exec(select(Member)).all())
    db.commit()
    return found


def test_register_import_checks_then_applies(
    shell: Shell, db: Session, trust: Organisation, tmp_path: Path
) -> None:
    source = tmp_path / "members.csv"
    source.write_text(CSV, encoding="utf-8")
    report = tmp_path / "report.csv"
    checked = shell.run("register", "import", "riverside", str(source), "--report", str(report))
    assert checked.ok().stdout.splitlines() == [
        "2 rows: 1 to create, 0 to update, 0 unchanged, 1 refused.",
        "  row 2: R1 would be created",
        "  row 3: R2 refused: Members must be at least 16 years old. (under-age)",
        f"The whole report is in {report}.",
        "Nothing has changed. Run again with --apply to apply the file.",
    ]
    assert checked.stderr == ""  # no progress bar when standard error is not a terminal
    assert report.read_text(encoding="utf-8").splitlines() == [
        "row,action,reference,reason,message",
        "2,create,R1,,",
        "3,refused,R2,under-age,Members must be at least 16 years old.",
    ]
    assert references(db) == []
    assert cli_actions(db) == [("cli", "register.import_checked")]

    applied = shell.run("register", "import", "riverside", str(source), "--apply").ok()
    assert (
        applied.stdout.splitlines()[-1] == "Applied: 1 created, 0 updated, 0 unchanged, 1 refused."
    )
    assert references(db) == ["R1"]
    assert cli_actions(db)[-2:] == [
        ("cli", "register.import_checked"),
        ("cli", "register.import_applied"),
    ]
    imports = db.exec(select(RegisterImport).order_by(col(RegisterImport.id))).all()
    db.commit()
    assert [(i.status, i.created_by, i.applied_by) for i in imports] == [
        ("checked", "cli", None),
        ("applied", "cli", "cli"),
    ]

    again = shell.run("register", "import", "riverside", str(source), "--apply").ok()
    assert (
        again.stdout.splitlines()[0] == "2 rows: 0 to create, 0 to update, 1 unchanged, 1 refused."
    )
    assert references(db) == ["R1"]


def test_register_import_lists_a_few_rows_of_each_kind(
    shell: Shell, db: Session, trust: Organisation, tmp_path: Path
) -> None:
    rows = [f"M{n},First{n},Last{n},m{n}@example.org,1970-01-01,E05000001" for n in range(25)]
    source = tmp_path / "many.csv"
    source.write_text(
        "reference,first_name,last_name,email,date_of_birth,area_code\n" + "\n".join(rows) + "\n"
    )
    checked = shell.run("register", "import", "riverside", str(source)).ok()
    lines = checked.stdout.splitlines()
    assert lines[0] == "25 rows: 25 to create, 0 to update, 0 unchanged, 0 refused."
    assert sum(line.startswith("  row ") for line in lines) == 20
    assert "  ... and 5 more would be created" in lines
    assert "Add --report FILE to write the whole report." in lines


def test_register_import_shows_its_progress_on_a_terminal(
    shell: Shell, db: Session, trust: Organisation, tmp_path: Path
) -> None:
    rows = [f"P{n},First,Last,p{n}@example.org,1970-01-01,E05000001" for n in range(3000)]
    source = tmp_path / "large.csv"
    source.write_text(
        "reference,first_name,last_name,email,date_of_birth,area_code\n" + "\n".join(rows) + "\n"
    )
    written = shell.on_a_terminal("register", "import", "riverside", str(source), "--apply")
    checking, applying = written.index("Checking large.csv"), written.index("Applying large.csv")
    assert "100%" in written[checking:applying] and "100%" in written[applying:]
    assert "3000 rows: 3000 to create" in written
    assert "Applied: 3000 created, 0 updated, 0 unchanged, 0 refused." in written


def test_register_import_refuses_what_it_cannot_use(
    shell: Shell, trust: Organisation, tmp_path: Path
) -> None:
    good = tmp_path / "members.csv"
    good.write_text(CSV, encoding="utf-8")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("name\nAnn\n", encoding="utf-8")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("reference,first_name,last_name\nR1,Zoë,Smith\n".encode("latin-1"))
    nowhere, missing, column, encoding, no_org = shell.run_all(
        [
            ["register", "import", "nowhere", str(good)],
            ["register", "import", "riverside", str(tmp_path / "absent.csv")],
            ["register", "import", "riverside", str(unknown)],
            ["register", "import", "riverside", str(latin), "--apply"],
            ["register", "import"],
        ]
    )
    nowhere.refused("there is no organisation 'nowhere'", status=1)
    missing.refused("File '", status=2)
    missing.refused("absent.csv' does not exist. See 'governance register import --help'.")
    column.refused("unknown column 'name'", status=1)
    encoding.refused("The file is not UTF-8 text; save it as 'CSV UTF-8' and try again.", status=1)
    no_org.refused("Missing argument 'ORG'", status=2)
    elsewhere = Shell(tmp_path / "elsewhere", shell.factory)
    elsewhere.run("register", "import", "riverside", str(good)).refused("there is no database at")


def test_register_export_writes_the_pages_file(
    shell: Shell, db: Session, make_client: Any, trust: Organisation, tmp_path: Path
) -> None:
    load(db, trust, CSV)
    page = secretary_client(db, make_client, trust).get("/o/riverside/register/export.csv")
    assert page.status_code == 200
    db.commit()
    target = tmp_path / "register.csv"
    to_stdout, to_file, former = shell.run_all(
        [
            ["register", "export", "riverside"],
            ["register", "export", "riverside", "--out", str(target)],
            ["register", "export", "riverside", "--former", "-o", str(tmp_path / "former.csv")],
        ]
    )
    assert to_stdout.ok().stdout.encode() == page.content.replace(b"\r\n", b"\n")
    assert to_file.ok().stdout == f"Register of riverside written to {target}.\n"
    assert target.read_bytes() == page.content
    lines = (tmp_path / "former.csv").read_text(encoding="utf-8-sig").splitlines()
    assert former.ok() and lines[0].endswith(",status,left_on") and len(lines) == 2
    assert cli_actions(db) == [("cli", "register.exported")] * 3
    nowhere, no_directory = shell.run_all(
        [
            ["register", "export", "nowhere"],
            ["register", "export", "riverside", "--out", str(tmp_path / "no" / "such.csv")],
        ]
    )
    nowhere.refused("there is no organisation 'nowhere'", status=1)
    no_directory.refused(f"there is no directory {tmp_path / 'no'}", status=1)
    assert not (tmp_path / "no").exists()
