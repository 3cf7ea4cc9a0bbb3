"""Importing a register from CSV: a dry run that reports, then an apply that does just that.

The dry run stores the file (in pieces) and a report of every row that would be created,
updated or refused, and notes the register's version. The apply step claims that version
(refusing if anything changed the register since), runs the same classification pass over the
stored file, and writes in batches with Core ``executemany`` statements, all in one
transaction. Re-running a file that was applied finds every row unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from typing import IO

from sqlalchemy import Table, bindparam, select, update
from sqlmodel import Session, col
from sqlmodel import select as select_model

from governance import audit
from governance.db import utcnow
from governance.errors import Conflict, Invalid
from governance.members import bulk, configuration, history
from governance.members.classify import Classifier, Decision, Totals, text_of
from governance.members.csv_format import HeaderError
from governance.members.import_store import (
    ReportWriter,
    StoredReader,
    StoringReader,
    drop_upload,
)
from governance.members.models import ElectoralArea, Member, MemberStatus, RegisterImport
from governance.members.state import claim_version, current_version
from governance.organisations.models import Organisation

MEMBERS: Table = Member.__table__  # type: ignore[attr-defined]
ANALYZE_AFTER = 5000  # rows created or updated
Progress = Callable[[int], None] | None


def fingerprint(found: RegisterImport) -> str:
    """What the apply step must quote: the file's hash and the register version it was
    checked against."""
    return f"{found.register_version}.{found.sha256}"


def _classifier(session: Session, organisation: Organisation, today: date) -> Classifier:
    assert organisation.id is not None
    area_ids = {
        a.code: a.id
        for a in session.exec(
            select_model(ElectoralArea).where(ElectoralArea.organisation_id == organisation.id)
        ).all()
        if a.id is not None
    }
    return Classifier(
        session,
        organisation.id,
        configuration.shape(session, organisation),
        organisation.constitution,
        area_ids,
        today=today,
        now=utcnow(),
    )


def _read_error(error: Exception) -> Invalid:
    if isinstance(error, UnicodeDecodeError):
        return Invalid(
            "not-utf8", "The file is not UTF-8 text; save it as 'CSV UTF-8' and try again."
        )
    return Invalid("bad-header", f"The file cannot be imported: {error}.")


def check(
    session: Session,
    organisation: Organisation,
    source: IO[bytes],
    *,
    filename: str,
    actor: str,
    today: date,
    progress: Progress = None,
) -> RegisterImport:
    """The dry run: store the file, classify every row, keep the report. Changes no member."""
    assert organisation.id is not None
    found = RegisterImport(
        organisation_id=organisation.id,
        filename=filename[:200],
        sha256="",
        register_version=current_version(session, organisation.id),
        created_by=actor,
    )
    session.add(found)
    session.flush()
    assert found.id is not None
    reader = StoringReader(source, session, found.id, progress)
    report = ReportWriter()
    totals = Totals()
    try:
        for batch in _classifier(session, organisation, today).decisions(text_of(reader)):
            for decision in batch:
                totals.add(decision)
                if decision.action != "unchanged":
                    report.write(
                        decision.row,
                        decision.action,
                        decision.reference,
                        decision.reason,
                        decision.message,
                    )
    except (HeaderError, UnicodeDecodeError, csv.Error) as error:
        session.rollback()
        raise _read_error(error) from None
    report.store(session, found.id)
    found.sha256 = reader.hash.hexdigest()
    found.size_bytes = reader.size
    for name in ("rows", "created", "updated", "unchanged", "refused"):
        setattr(found, name, getattr(totals, name))
    session.add(found)
    audit.record(
        session,
        actor=actor,
        action="register.import_checked",
        organisation_id=organisation.id,
        object_type="register_import",
        object_id=found.id,
        detail={"rows": totals.rows, "refused": totals.refused},
    )
    session.commit()
    return found


def apply(
    session: Session,
    organisation: Organisation,
    import_id: int,
    *,
    fingerprint_given: str,
    actor: str,
    today: date,
    progress: Progress = None,
) -> RegisterImport:
    """Do what the dry run reported, in one transaction, or refuse and change nothing."""
    assert organisation.id is not None
    found = get(session, organisation.id, import_id)
    if found.status == "applied":
        raise Conflict("import-applied", "This file has been applied already.")
    if found.status != "checked":
        raise Conflict("import-stale", "This check is out of date; check the file again.")
    if fingerprint_given != fingerprint(found):
        raise Conflict("fingerprint-mismatch", "That is not the report of this file's check.")
    if not claim_version(session, organisation.id, found.register_version):
        session.rollback()
        found.status = "stale"
        session.add(found)
        session.commit()
        raise Conflict(
            "register-changed",
            "The register has changed since this file was checked. Check it again to see what "
            "it would do now.",
        )
    bulk.prepare(session)
    reader = StoredReader(session, found.id or 0, progress=progress)
    totals = Totals()
    writer = _Writer(session, organisation.id, today)
    for batch in _classifier(session, organisation, today).decisions(text_of(reader)):
        for decision in batch:
            totals.add(decision)
        writer.write(batch)
    expected = (found.rows, found.created, found.updated, found.unchanged, found.refused)
    actual = (totals.rows, totals.created, totals.updated, totals.unchanged, totals.refused)
    if reader.hash.hexdigest() != found.sha256 or actual != expected:
        session.rollback()
        raise Conflict("import-differs", "The stored file no longer matches its check.")
    now = utcnow()
    found.status = "applied"
    found.applied_by = actor
    found.applied_at = now
    session.add(found)
    drop_upload(session, found.id or 0)
    audit.record(
        session,
        actor=actor,
        action="register.import_applied",
        organisation_id=organisation.id,
        object_type="register_import",
        object_id=found.id,
        detail={"created": totals.created, "updated": totals.updated, "refused": totals.refused},
    )
    session.commit()
    if totals.created + totals.updated >= ANALYZE_AFTER:
        bulk.refresh_statistics(session)
    return found


class _Writer:
    """Turns decisions into batched inserts and updates."""

    def __init__(self, session: Session, organisation_id: int, today: date) -> None:
        self.session = session
        self.organisation_id = organisation_id
        self.today = today
        self.now = utcnow()

    def write(self, batch: list[Decision]) -> None:
        creates = [d for d in batch if d.action == "create"]
        updates = [d for d in batch if d.action == "update"]
        if creates:
            self._create(creates)
        if updates:
            self._apply_updates(updates)

    def _create(self, creates: list[Decision]) -> None:
        rows = [
            {
                **d.values,
                "organisation_id": self.organisation_id,
                "reference": d.reference,
                "status": MemberStatus.ACTIVE.value,
                "joined_on": d.joined_on,
                "created_at": self.now,
                "updated_at": self.now,
                "consent_recorded_at": self.now,
                "consent_source": "import",
            }
            for d in creates
        ]
        bulk.insert_many(self.session, MEMBERS, rows)
        ids = dict(
            self.session.execute(
                select(MEMBERS.c.reference, MEMBERS.c.id).where(
                    MEMBERS.c.organisation_id == self.organisation_id,
                    bulk.one_of(self.session, MEMBERS.c.reference, [d.reference for d in creates]),
                )
            ).all()
        )
        bulk.insert_many(
            self.session,
            history.PERIOD,
            [
                {
                    "organisation_id": self.organisation_id,
                    "member_id": ids[d.reference],
                    "constituency_id": d.constituency_id,
                    "start_date": d.joined_on,
                    "start_reason": d.start_reason,
                    "recorded_at": self.now,
                }
                for d in creates
            ],
        )

    def _apply_updates(self, updates: list[Decision]) -> None:
        names = sorted(updates[0].values)
        if names:
            statement = (
                update(MEMBERS)
                .where(MEMBERS.c.id == bindparam("member_id_"))
                .values({name: bindparam(name) for name in [*names, "updated_at"]})
            )
            self.session.execute(
                statement,
                [{**d.values, "member_id_": d.member_id, "updated_at": self.now} for d in updates],
            )
        moves = [(d.member_id, d.constituency_id) for d in updates if d.constituency_id]
        if moves:
            history.move(
                self.session,
                self.organisation_id,
                [(m, c) for m, c in moves if m is not None and c is not None],
                on=self.today,
                today=self.today,
            )


def get(session: Session, organisation_id: int, import_id: int) -> RegisterImport:
    found = session.get(RegisterImport, import_id)
    if found is None or found.organisation_id != organisation_id:
        raise Invalid("unknown-import", "There is no such import.")
    return found


def recent(session: Session, organisation_id: int, limit: int = 20) -> list[RegisterImport]:
    return list(
        session.exec(
            select_model(RegisterImport)
            .where(RegisterImport.organisation_id == organisation_id)
            .order_by(col(RegisterImport.id).desc())
            .limit(limit)
        ).all()
    )
