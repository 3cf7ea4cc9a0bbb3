"""``governance register import`` and ``register export`` (the group in members/cli.py)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from sqlmodel import Session, select

from governance.members.cli import register
from governance.members.models import Member
from governance.organisations.models import Organisation
from governance.settings import Settings

CSV = (
    "reference,first_name,last_name,email,date_of_birth,area_code\n"
    "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001\n"
    "R2,Bob,Jones,bob@example.org,2015-01-01,E05000001\n"
)


def run(settings: Settings, *args: str) -> Result:
    env = {
        "GOVERNANCE_ENV": "test",
        "GOVERNANCE_DATA_DIR": str(settings.data_dir),
        "GOVERNANCE_DATABASE_URL": settings.database_url,
        "GOVERNANCE_SECRET_KEY": settings.secret_key,
    }
    return CliRunner().invoke(register, list(args), env=env)


def test_import_checks_then_applies(
    settings: Settings, db: Session, trust: Organisation, tmp_path: Path
) -> None:
    source = tmp_path / "members.csv"
    source.write_text(CSV, encoding="utf-8")
    report = tmp_path / "report.csv"
    checked = run(settings, "import", "riverside", str(source), "--report", str(report))
    assert checked.exit_code == 0, checked.output
    assert "2 rows: 1 to create, 0 to update, 0 unchanged, 1 refused." in checked.output
    assert "row 3: R2 refused: Members must be at least 16 years old." in checked.output
    assert "Nothing changed" in checked.output
    assert (
        report.read_text(encoding="utf-8").splitlines()[0] == "row,action,reference,reason,message"
    )
    assert db.exec(select(Member)).all() == []
    db.commit()
    applied = run(settings, "import", "riverside", str(source), "--apply")
    assert applied.exit_code == 0, applied.output
    assert "Applied: 1 created, 0 updated." in applied.output
    assert [m.reference for m in db.exec(select(Member)).all()] == ["R1"]
    db.commit()


def test_import_explains_what_is_wrong(
    settings: Settings, trust: Organisation, tmp_path: Path
) -> None:
    source = tmp_path / "members.csv"
    source.write_text("name\nAnn\n", encoding="utf-8")
    result = run(settings, "import", "riverside", str(source))
    assert result.exit_code == 1 and "unknown column 'name'" in result.output
    assert run(settings, "import", "nowhere", str(source)).exit_code == 1


def test_export_writes_the_register(
    settings: Settings, trust: Organisation, tmp_path: Path
) -> None:
    source = tmp_path / "members.csv"
    source.write_text(CSV, encoding="utf-8")
    run(settings, "import", "riverside", str(source), "--apply")
    target = tmp_path / "out.csv"
    result = run(settings, "export", "riverside", str(target))
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("reference,first_name,last_name,email")
    assert lines[1].startswith("R1,Ann,Smith,ann@example.org,1970-01-01,NORTH,E05000001")
