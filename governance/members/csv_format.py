"""The register's CSV columns, and turning one CSV row into checked values (pure).

Files are UTF-8 with or without a byte-order mark and quoted as Excel quotes (the csv module's
default dialect). The header names the columns, in any order and any case; a column we do not
know is an error for the whole file, so a misspelt heading never drops data silently.
docs/registers.md describes each column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from governance.members.eligibility import StaffContract
from governance.members.normalise import clean_email, format_postcode, tidy, valid_email


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("reference", "the organisation's own member number; imports match on it", True),
    Column("first_name", "given name", True),
    Column("last_name", "family name", True),
    Column("email", "email address (needed for online voting)"),
    Column("date_of_birth", "YYYY-MM-DD or DD/MM/YYYY; needed except for staff"),
    Column("constituency", "code of the constituency, staff class or member class"),
    Column("area_code", "code of the electoral area the member lives in (public members)"),
    Column("address_line1", "postal address, first line"),
    Column("address_line2", "postal address, second line"),
    Column("town", "town or city"),
    Column("postcode", "postcode"),
    Column("phone", "mobile number, for text messages"),
    Column("joined_on", "date joined (default: the day of the import)"),
    Column("contact_email", "yes/no: may be contacted by email"),
    Column("contact_post", "yes/no: may be contacted by post"),
    Column("contact_sms", "yes/no: may be contacted by text message"),
    Column("hide_from_public_register", "yes/no: leave out of the public register"),
    Column("gender", "as the member describes it (for representativeness)"),
    Column("ethnicity", "ethnic group (for representativeness)"),
    Column("deprivation_decile", "1 (most deprived) to 10, for the member's home area"),
    Column("contract", "staff only: permanent or fixed_term"),
    Column("contract_months", "staff only: length of a fixed-term contract in months"),
    Column("service_start", "staff only: start of continuous service"),
    Column("last_attended_on", "patients and carers only: last use of the trust's services"),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED = tuple(c.name for c in COLUMNS if c.required)

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


class HeaderError(ValueError):
    """The header row cannot be used; nothing in the file is imported."""


class RowError(ValueError):
    """One row cannot be used; ``code`` is the refusal reason for the report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def read_header(header: list[str]) -> dict[str, int]:
    """Column name -> position. Raises HeaderError for unknown, repeated or missing columns."""
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip().lower().replace(" ", "_").replace("-", "_")
        if not name:
            continue
        if name not in COLUMN_NAMES:
            raise HeaderError(f"unknown column {raw.strip()!r} (column {index + 1})")
        if name in positions:
            raise HeaderError(f"the column {name!r} appears twice")
        positions[name] = index
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        raise HeaderError(f"missing column(s): {', '.join(missing)}")
    return positions


def parse_date(text: str) -> date:
    """ISO dates, or day/month/year as UK spreadsheets write them."""
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _UK.match(text)
        if not match:
            raise ValueError(text)
        day, month, year = (int(g) for g in match.groups())
    return date(year, month, day)


@dataclass(slots=True)
class RowData:
    """One member as a row gives them; None means the column was absent or blank."""

    reference: str
    first_name: str
    last_name: str
    email: str | None
    date_of_birth: date | None
    constituency: str | None
    area_code: str | None
    address_line1: str | None
    address_line2: str | None
    town: str | None
    postcode: str | None
    phone: str | None
    joined_on: date | None
    contact_email: bool | None
    contact_post: bool | None
    contact_sms: bool | None
    hide_from_public_register: bool | None
    gender: str | None
    ethnicity: str | None
    deprivation_decile: int | None
    staff: StaffContract | None
    last_attended_on: date | None


def _date(name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return (
            date.fromisoformat(value) if len(value) == 10 and value[4] == "-" else parse_date(value)
        )
    except ValueError:
        raise RowError("bad-date", f"{name} is not a date: {value[:40]!r}") from None


def _yes_no(name: str, value: str) -> bool | None:
    if not value:
        return None
    lowered = value.lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise RowError("bad-value", f"{name} must be yes or no, not {value[:20]!r}")


def _whole(name: str, value: str, low: int, high: int) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise RowError("bad-value", f"{name} must be a whole number from {low} to {high}")
    return int(value)


class RowReader:
    """Reads rows laid out as one header said. Written for speed: an import reads every row."""

    def __init__(self, positions: dict[str, int]) -> None:
        self.positions = positions
        self._indexes = [positions.get(name, -1) for name in COLUMN_NAMES]

    def read(self, row: list[str]) -> RowData:
        """Checked values of one row, or RowError with the first problem found."""
        size = len(row)
        cells = [row[i].strip() if 0 <= i < size else "" for i in self._indexes]
        (
            reference, first_name, last_name, email, date_of_birth, constituency, area_code,
            address_line1, address_line2, town, postcode, phone, joined_on, contact_email,
            contact_post, contact_sms, hide, gender, ethnicity, decile, contract,
            contract_months, service_start, last_attended_on,
        ) = cells  # fmt: skip
        if not (reference and first_name and last_name):
            missing = [n for n, v in zip(REQUIRED, cells[:3], strict=True) if not v]
            raise RowError("missing-field", f"missing {', '.join(missing)}")
        if email:
            email = clean_email(email)
            if not valid_email(email):
                raise RowError("bad-email", f"email is not an email address: {email[:60]!r}")
        return RowData(
            reference=reference[:64],
            first_name=tidy(first_name, 100),
            last_name=tidy(last_name, 100),
            email=email or None,
            date_of_birth=_date("date_of_birth", date_of_birth),
            constituency=tidy(constituency, 32) or None,
            area_code=tidy(area_code, 20) or None,
            address_line1=tidy(address_line1, 200) or None,
            address_line2=tidy(address_line2, 200) or None,
            town=tidy(town, 100) or None,
            postcode=format_postcode(postcode) if postcode else None,
            phone=tidy(phone, 32) or None,
            joined_on=_date("joined_on", joined_on),
            contact_email=_yes_no("contact_email", contact_email),
            contact_post=_yes_no("contact_post", contact_post),
            contact_sms=_yes_no("contact_sms", contact_sms),
            hide_from_public_register=_yes_no("hide_from_public_register", hide),
            gender=tidy(gender, 40) or None,
            ethnicity=tidy(ethnicity, 80) or None,
            deprivation_decile=_whole("deprivation_decile", decile, 1, 10),
            staff=_staff(contract, contract_months, service_start),
            last_attended_on=_date("last_attended_on", last_attended_on),
        )


def _staff(contract: str, months_text: str, start_text: str) -> StaffContract | None:
    if not (contract or months_text or start_text):
        return None
    kind = contract.lower().replace("-", "_").replace(" ", "_")
    if kind not in {"", "permanent", "fixed_term"}:
        raise RowError("bad-value", "contract must be permanent or fixed_term")
    return StaffContract(
        None if not kind else kind == "permanent",
        _whole("contract_months", months_text, 1, 600),
        _date("service_start", start_text),
    )
