"""Helpers for the register tests: importing CSV text and reading the report."""

from __future__ import annotations

import io

from sqlmodel import Session

from governance.members import importing
from governance.members.import_store import report_lines
from governance.members.models import RegisterImport
from governance.organisations.models import Organisation
from tests.members.conftest import TODAY


def check(db: Session, org: Organisation, text: str | bytes) -> RegisterImport:
    data = text.encode() if isinstance(text, str) else text
    return importing.check(
        db, org, io.BytesIO(data), filename="members.csv", actor="test", today=TODAY
    )


def apply(db: Session, org: Organisation, found: RegisterImport) -> RegisterImport:
    return importing.apply(
        db,
        org,
        found.id or 0,
        fingerprint_given=importing.fingerprint(found),
        actor="test",
        today=TODAY,
    )


def report(db: Session, found: RegisterImport) -> dict[str, dict[str, str]]:
    """Report lines by row number."""
    return {line["row"]: line for line in report_lines(db, found.id or 0)}


def load(db: Session, org: Organisation, text: str) -> RegisterImport:
    return apply(db, org, check(db, org, text))
