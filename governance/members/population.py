"""Representativeness: the eligible population per constituency, the membership against it,
and churn (joiners and leavers per month)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from sqlalchemy import ColumnElement, case, delete, func
from sqlmodel import Session, col, select

from governance import audit, spreadsheet
from governance.db import dialect_name
from governance.errors import Invalid
from governance.members import configuration, history
from governance.members.models import (
    Constituency,
    EndReason,
    Member,
    MembershipPeriod,
    PopulationFigure,
    StartReason,
)
from governance.members.representativeness import (
    AGE_BANDS,
    DECILES,
    UNKNOWN,
    ComparisonRow,
    Dimension,
    compare,
    decimal_text,
    suppress,
)
from governance.members.state import bump_version
from governance.organisations.models import Organisation

POPULATION_COLUMNS = ("constituency", "dimension", "category", "population")
JOINING = (StartReason.JOINED.value, StartReason.ENROLLED.value, StartReason.REJOINED.value)
LEAVING = tuple(r.value for r in EndReason if r is not EndReason.MOVED)
MAX_ERRORS = 50


def _rows(text: IO[str]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(text)
    header = [h.strip().lower() for h in next(reader, [])]
    if sorted(header) != sorted(POPULATION_COLUMNS):
        raise Invalid(
            "bad-header",
            f"The population file needs exactly the columns {', '.join(POPULATION_COLUMNS)}.",
        )
    for number, row in enumerate(reader, start=2):
        if any(cell.strip() for cell in row):
            yield (
                number,
                {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)},
            )


def _check(row: dict[str, str], codes: dict[str, Constituency]) -> str | None:
    if row["constituency"].upper() not in codes:
        return f"unknown constituency {row['constituency']!r}"
    if row["dimension"] not in {d.value for d in Dimension}:
        return f"dimension must be one of {', '.join(d.value for d in Dimension)}"
    if not row["category"]:
        return "missing category"
    if row["dimension"] == Dimension.AGE_BAND and row["category"] not in {b[0] for b in AGE_BANDS}:
        return f"age bands are {', '.join(b[0] for b in AGE_BANDS)}"
    if row["dimension"] == Dimension.DEPRIVATION_DECILE and row["category"] not in DECILES:
        return "deprivation deciles are 1 to 10"
    if not row["population"].isdigit():
        return "population must be a whole number"
    return None


def upload(session: Session, organisation: Organisation, source: IO[bytes], *, actor: str) -> int:
    """Replace the figures for each constituency and dimension the file gives; all or nothing.
    The number of figures saved."""
    assert organisation.id is not None
    codes = {c.code.upper(): c for c in configuration.constituencies(session, organisation.id)}
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    figures: dict[tuple[int, str, str], int] = {}
    errors: list[dict[str, str]] = []
    try:
        for number, row in _rows(text):
            problem = _check(row, codes)
            if problem is None:
                constituency_id = codes[row["constituency"].upper()].id or 0
                key = (constituency_id, row["dimension"], " ".join(row["category"].split()))
                if key in figures:
                    problem = "this constituency, dimension and category appear twice"
                else:
                    figures[key] = int(row["population"])
            if problem:
                errors.append({"field": f"row {number}", "message": problem})
                if len(errors) >= MAX_ERRORS:
                    break
    except (UnicodeDecodeError, csv.Error) as error:
        raise Invalid("bad-file", f"The file cannot be read: {error}.") from None
    if errors:
        raise Invalid(
            "bad-population",
            f"{len(errors)} row(s) of the population file are wrong; nothing was saved.",
            extra={"errors": errors},
        )
    bump_version(session, organisation.id)
    for constituency_id, dimension in {(k[0], k[1]) for k in figures}:
        session.execute(
            delete(PopulationFigure).where(
                col(PopulationFigure.constituency_id) == constituency_id,
                col(PopulationFigure.dimension) == dimension,
            )
        )
    for (constituency_id, dimension, category), count in figures.items():
        session.add(
            PopulationFigure(
                organisation_id=organisation.id,
                constituency_id=constituency_id,
                dimension=dimension,
                category=category,
                count=count,
            )
        )
    audit.record(
        session,
        actor=actor,
        action="population.uploaded",
        organisation_id=organisation.id,
        object_type="organisation",
        object_id=organisation.id,
        detail={"figures": len(figures)},
    )
    session.commit()
    return len(figures)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_band(day: date) -> ColumnElement[str]:
    """SQL for the age band of ``member.date_of_birth`` on ``day``."""
    dob = col(Member.date_of_birth)
    whens: list[tuple[ColumnElement[bool], str]] = [(dob.is_(None), UNKNOWN)]
    for label, _low, high in AGE_BANDS:
        if high is not None:
            whens.append((dob > _years_before(day, high + 1), label))
    return case(*whens, else_=AGE_BANDS[-1][0])


def _expression(dimension: Dimension, day: date) -> Any:
    if dimension is Dimension.AGE_BAND:
        return _age_band(day)
    return {
        Dimension.GENDER: col(Member.gender),
        Dimension.ETHNICITY: col(Member.ethnicity),
        Dimension.DEPRIVATION_DECILE: col(Member.deprivation_decile),
    }[dimension]


def membership_profile(
    session: Session, organisation_id: int, dimension: Dimension, day: date
) -> dict[int, dict[str, int]]:
    """Current members per constituency and category of one dimension."""
    expression = _expression(dimension, day)
    rows = session.exec(
        select(MembershipPeriod.constituency_id, expression, func.count())
        .join(Member, col(Member.id) == MembershipPeriod.member_id)
        .where(MembershipPeriod.organisation_id == organisation_id, history.current_on(day))
        .group_by(col(MembershipPeriod.constituency_id), expression)
    ).all()
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for constituency_id, category, count in rows:
        label = UNKNOWN if category is None or category == "" else str(category)
        result[constituency_id][label] = result[constituency_id].get(label, 0) + int(count)
    return result


def population(session: Session, organisation_id: int) -> dict[tuple[int, str], dict[str, int]]:
    figures = session.exec(
        select(PopulationFigure).where(PopulationFigure.organisation_id == organisation_id)
    ).all()
    result: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for figure in figures:
        result[(figure.constituency_id, figure.dimension)][figure.category] = figure.count
    return result


@dataclass(frozen=True)
class Section:
    constituency: Constituency
    dimension: Dimension
    rows: list[ComparisonRow]


def comparison(
    session: Session, organisation: Organisation, day: date, *, public: bool
) -> list[Section]:
    """Membership against population for every constituency and dimension with figures."""
    assert organisation.id is not None
    figures = population(session, organisation.id)
    sections = []
    for dimension in Dimension:
        members = membership_profile(session, organisation.id, dimension, day)
        order = [b[0] for b in AGE_BANDS] if dimension is Dimension.AGE_BAND else list(DECILES)
        for constituency in configuration.constituencies(session, organisation.id):
            pop = figures.get((constituency.id or 0, dimension.value))
            if not pop:
                continue
            rows = compare(pop, members.get(constituency.id or 0, {}), order=order, public=public)
            sections.append(Section(constituency, dimension, rows))
    return sections


def _month(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def churn(
    session: Session, organisation_id: int, since: date, *, public: bool
) -> list[tuple[str, int | None, int | None]]:
    """(month, joiners, leavers) for each month from ``since``; moves are not counted."""
    dialect = dialect_name(session)
    joined_month = _month(col(MembershipPeriod.start_date), dialect)
    left_month = _month(col(MembershipPeriod.end_date), dialect)
    joined = session.exec(
        select(joined_month, func.count())
        .where(
            MembershipPeriod.organisation_id == organisation_id,
            col(MembershipPeriod.start_date) >= since,
            col(MembershipPeriod.start_reason).in_(JOINING),
        )
        .group_by(joined_month)
    ).all()
    left = session.exec(
        select(left_month, func.count())
        .where(
            MembershipPeriod.organisation_id == organisation_id,
            col(MembershipPeriod.end_date) >= since,
            col(MembershipPeriod.end_reason).in_(LEAVING),
        )
        .group_by(left_month)
    ).all()
    joiners = {str(month): int(n) for month, n in joined}
    leavers = {str(month): int(n) for month, n in left}
    months = sorted(set(joiners) | set(leavers))
    if public:
        return [(m, suppress(joiners.get(m, 0)), suppress(leavers.get(m, 0))) for m in months]
    return [(m, joiners.get(m, 0), leavers.get(m, 0)) for m in months]


def comparison_csv(sections: list[Section]) -> str:
    buffer = io.StringIO()
    buffer.write(spreadsheet.BOM)
    writer = spreadsheet.writer(buffer)
    writer.writerow(
        [
            "constituency", "dimension", "category", "population", "population_share",
            "members", "member_share", "gap_points", "members_per_1000",
        ]
    )  # fmt: skip
    for section in sections:
        for row in section.rows:
            writer.writerow(
                [
                    section.constituency.code,
                    section.dimension.value,
                    row.category,
                    row.population,
                    decimal_text(row.population_share),
                    "fewer than 10" if row.members is None else row.members,
                    decimal_text(row.member_share),
                    decimal_text(row.gap),
                    decimal_text(row.per_thousand),
                ]
            )
    return buffer.getvalue()
