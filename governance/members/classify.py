"""The one classification pass an import's dry run and its apply step share.

Each row of the file becomes a :class:`Decision`: create, update, unchanged or refused (with a
reason). Rows are read in batches; for each batch the members it names are looked up in one or
two queries. The pass is deterministic for a given file and register, and it judges every row
against the register as it stood before the import (changes the apply step has already made
are either to rows of this file, caught as duplicates in the file, or remembered), so the apply
does exactly what the dry run reported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import IO, Any

from sqlalchemy import Row, and_, select
from sqlmodel import Session, col

from governance.members import bulk
from governance.members.csv_format import HeaderError, RowData, RowError, RowReader, read_header
from governance.members.eligibility import STAFF_KINDS, Applicant, Refusal, RegisterShape, place
from governance.members.models import Member, MembershipPeriod, MemberStatus, StartReason
from governance.members.normalise import postcode_key, search_key
from governance.members.seen_keys import SeenKeys
from governance.organisations.constitution import Constitution
from governance.spreadsheet import restore

BATCH = 2000

# Header column -> the member columns it sets.
COLUMN_FIELDS: dict[str, tuple[str, ...]] = {
    "first_name": ("first_name", "first_name_key"),
    "last_name": ("last_name", "last_name_key"),
    "email": ("email",),
    "date_of_birth": ("date_of_birth",),
    "address_line1": ("address_line1",),
    "address_line2": ("address_line2",),
    "town": ("town",),
    "postcode": ("postcode", "postcode_key"),
    "phone": ("phone",),
    "gender": ("gender",),
    "ethnicity": ("ethnicity",),
    "deprivation_decile": ("deprivation_decile",),
    "last_attended_on": ("last_attended_on",),
    "area_code": ("area_id",),
    "contact_email": ("contact_email",),
    "contact_post": ("contact_post",),
    "contact_sms": ("contact_sms",),
    "hide_from_public_register": ("hide_from_public_register",),
}
YES_NO = ("contact_email", "contact_post", "contact_sms", "hide_from_public_register")
COMPARED = tuple(name for fields in COLUMN_FIELDS.values() for name in fields)
LEFT_REASONS = {
    MemberStatus.ERASED.value: ("member-erased", "this member asked to be erased"),
    MemberStatus.OPTED_OUT.value: ("opted-out", "this member opted out of membership"),
}


@dataclass
class Decision:
    row: int
    action: str  # create, update, unchanged, refused
    reference: str
    reason: str = ""
    message: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    member_id: int | None = None
    constituency_id: int | None = None  # to start in (create) or move to (update)
    start_reason: str = StartReason.JOINED.value
    joined_on: date | None = None


@dataclass
class Totals:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0

    def add(self, decision: Decision) -> None:
        self.rows += 1
        name = {"create": "created", "update": "updated"}.get(decision.action, decision.action)
        setattr(self, name, getattr(self, name) + 1)


@dataclass(frozen=True)
class Existing:
    id: int
    reference: str
    status: str
    constituency_id: int | None
    values: dict[str, Any]


class Classifier:
    """Classifies the rows of one file for one organisation, as of one day."""

    def __init__(
        self,
        session: Session,
        organisation_id: int,
        shape: RegisterShape,
        constitution: Constitution,
        area_ids: dict[str, int],
        *,
        today: date,
        now: datetime,
    ) -> None:
        self.session = session
        self.organisation_id = organisation_id
        self.shape = shape
        self.constitution = constitution
        self.area_ids = area_ids
        self.area_codes = {v: k for k, v in area_ids.items()}
        self.today = today
        self.now = now
        self.seen = SeenKeys(session)
        self.replaced_emails: dict[str, Existing] = {}
        self.present: frozenset[str] = frozenset()
        self.fields: tuple[str, ...] = ()

    def decisions(self, text: IO[str]) -> Iterator[list[Decision]]:
        """Batches of decisions, in file order. Raises HeaderError for an unusable header."""
        rows = csv.reader(text)
        try:
            header = next(rows)
        except StopIteration:
            raise HeaderError("the file is empty") from None
        positions = read_header(header)
        reader = RowReader(positions)
        self.present = frozenset(positions)
        self.fields = tuple(
            name for column, names in COLUMN_FIELDS.items() if column in positions for name in names
        )
        number = 1
        while True:
            batch = list(islice(rows, BATCH))
            if not batch:
                return
            parsed: list[tuple[int, RowData | RowError]] = []
            for values in batch:
                number += 1
                if not any(cell.strip() for cell in values):
                    continue
                try:
                    parsed.append((number, reader.read([restore(v) for v in values])))
                except RowError as error:
                    parsed.append((number, error))
            yield self._classify(parsed)

    def _classify(self, parsed: list[tuple[int, RowData | RowError]]) -> list[Decision]:
        good = [data for _, data in parsed if isinstance(data, RowData)]
        self.seen.load(
            [f"r:{d.reference}" for d in good] + [f"e:{d.email}" for d in good if d.email]
        )
        by_reference = self._existing(
            bulk.one_of(self.session, col(Member.reference), [d.reference for d in good])
        )
        emails = [d.email for d in good if d.email]
        by_email = (
            {
                e.values["email"]: e
                for e in self._existing(
                    bulk.one_of(self.session, col(Member.email), emails)
                ).values()
            }
            if emails
            else {}
        )
        result = []
        for number, data in parsed:
            if isinstance(data, RowError):
                result.append(Decision(number, "refused", "", data.code, data.message))
            else:
                result.append(self._decide(number, data, by_reference, by_email))
        return result

    def _existing(self, condition: Any) -> dict[str, Existing]:
        columns = [col(getattr(Member, name)) for name in COMPARED]
        rows = self.session.execute(
            select(
                col(Member.id),
                col(Member.reference),
                col(Member.status),
                col(MembershipPeriod.constituency_id),
                *columns,
            )
            .outerjoin(
                MembershipPeriod,
                and_(
                    col(MembershipPeriod.member_id) == Member.id,
                    col(MembershipPeriod.end_date).is_(None),
                ),
            )
            .where(col(Member.organisation_id) == self.organisation_id, condition)
        ).all()
        return {row[1]: self._as_existing(row) for row in rows}

    @staticmethod
    def _as_existing(row: Row[Any]) -> Existing:
        cells = tuple(row)
        return Existing(
            cells[0], cells[1], cells[2], cells[3], dict(zip(COMPARED, cells[4:], strict=True))
        )

    def _decide(
        self,
        number: int,
        data: RowData,
        by_reference: dict[str, Existing],
        by_email: dict[str, Existing],
    ) -> Decision:
        reference = data.reference
        earlier = self.seen.first_use(f"r:{reference}", number)
        if earlier is not None:
            return self._refuse(
                number, reference, "duplicate-row", f"same reference as row {earlier}"
            )
        if data.email:
            earlier = self.seen.first_use(f"e:{data.email}", number)
            if earlier is not None:
                return self._refuse(
                    number, reference, "duplicate-row", f"same email as row {earlier}"
                )
        existing = by_reference.get(reference)
        if existing is not None and existing.status != MemberStatus.ACTIVE.value:
            code, message = LEFT_REASONS.get(
                existing.status, ("member-left", f"this member has left ({existing.status})")
            )
            return self._refuse(number, reference, code, message)
        placement = place(
            self._applicant(data, existing), self.shape, self.constitution, self.today
        )
        if isinstance(placement, Refusal):
            return self._refuse(number, reference, placement.reason.value, placement.message)
        staff_row = placement.constituency.kind in STAFF_KINDS
        if data.email:
            other = self.replaced_emails.get(data.email) or by_email.get(data.email)
            if other is not None and other.reference != reference:
                if (
                    self._is_staff(other)
                    and not staff_row
                    and self.constitution.staff_excluded_from_public
                ):
                    return self._refuse(
                        number,
                        reference,
                        "staff-member",
                        f"{data.email} belongs to staff member {other.reference}",
                    )
                return self._refuse(
                    number, reference, "duplicate-member", f"same email as member {other.reference}"
                )
        if (
            existing is not None
            and self._is_staff(existing)
            and not staff_row
            and self.constitution.staff_excluded_from_public
        ):
            return self._refuse(
                number, reference, "staff-member", "this member is in the staff constituency"
            )
        if data.joined_on and data.joined_on > self.today:
            return self._refuse(number, reference, "bad-date", "joined_on is in the future")
        values = self._values(data, placement.area.code if placement.area else None)
        target = placement.constituency.id
        if existing is None:
            return self._create(number, data, values, target, staff_row)
        return self._update(number, existing, values, target)

    def _applicant(self, data: RowData, existing: Existing | None) -> Applicant:
        code = data.constituency
        area = data.area_code
        dob = data.date_of_birth
        if existing is not None:
            if "area_code" not in self.present:
                area = self.area_codes.get(existing.values["area_id"])
            if code is None and "area_code" not in self.present and existing.constituency_id:
                current = self.shape.by_id.get(existing.constituency_id)
                code = current.code if current else None
            if dob is None and "date_of_birth" not in self.present:
                dob = existing.values["date_of_birth"]
        return Applicant(
            date_of_birth=dob,
            area_code=area,
            constituency_code=code,
            staff=data.staff,
            patient_or_carer=data.last_attended_on is not None,
            last_attended_on=data.last_attended_on,
        )

    def _is_staff(self, existing: Existing) -> bool:
        current = self.shape.by_id.get(existing.constituency_id or 0)
        return current is not None and current.kind in STAFF_KINDS

    def _values(self, data: RowData, area_code: str | None) -> dict[str, Any]:
        values: dict[str, Any] = {
            "first_name": data.first_name,
            "first_name_key": search_key(data.first_name),
            "last_name": data.last_name,
            "last_name_key": search_key(data.last_name),
            "email": data.email,
            "date_of_birth": data.date_of_birth,
            "address_line1": data.address_line1,
            "address_line2": data.address_line2,
            "town": data.town,
            "postcode": data.postcode,
            "postcode_key": postcode_key(data.postcode) if data.postcode else None,
            "phone": data.phone,
            "gender": data.gender,
            "ethnicity": data.ethnicity,
            "deprivation_decile": data.deprivation_decile,
            "last_attended_on": data.last_attended_on,
            "area_id": self.area_ids.get(area_code) if area_code else None,
        }
        for name in YES_NO:
            values[name] = getattr(data, name)
        return values

    def _create(
        self, number: int, data: RowData, values: dict[str, Any], target: int, staff: bool
    ) -> Decision:
        if values["contact_email"] is None:
            values["contact_email"] = data.email is not None
        if values["contact_post"] is None:
            values["contact_post"] = data.email is None
        for name in ("contact_sms", "hide_from_public_register"):
            if values[name] is None:
                values[name] = False
        return Decision(
            number,
            "create",
            data.reference,
            values=values,
            constituency_id=target,
            start_reason=(StartReason.ENROLLED if staff else StartReason.JOINED).value,
            joined_on=data.joined_on or self.today,
        )

    def _update(
        self, number: int, existing: Existing, values: dict[str, Any], target: int
    ) -> Decision:
        changed = []
        update: dict[str, Any] = {}
        for name in self.fields:
            new = values[name]
            old = existing.values[name]
            if new is None and name in YES_NO:
                new = old
            update[name] = new
            if new != old and not name.endswith("_key"):
                changed.append(name)
        moving = target != existing.constituency_id
        if moving:
            code = self.shape.by_id[target].code
            changed.append(f"constituency to {code}")
        if not changed:
            return Decision(number, "unchanged", existing.reference, member_id=existing.id)
        if existing.values["email"] and existing.values["email"] != update.get(
            "email", existing.values["email"]
        ):
            self.replaced_emails[existing.values["email"]] = existing
        return Decision(
            number,
            "update",
            existing.reference,
            message="changes " + ", ".join(changed).replace("_", " "),
            values=update,
            member_id=existing.id,
            constituency_id=target if moving else None,
        )

    @staticmethod
    def _refuse(number: int, reference: str, code: str, message: str) -> Decision:
        return Decision(number, "refused", reference, code, message)


def text_of(raw: io.RawIOBase) -> io.TextIOWrapper:
    """UTF-8 text with or without a byte-order mark, newlines left for the csv module."""
    return io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding="utf-8-sig", newline="")
