"""The democratic health report's arithmetic and small-number suppression (no database)."""

from __future__ import annotations

from governance.accountability.health import (
    WITHHELD,
    AttendanceFigures,
    ChurnFigures,
    ElectionFigures,
    HealthInput,
    MembershipFigures,
    RequestFigures,
    build,
    median,
)
from governance.accountability.notice import NoticeStatus


def data(**changes: object) -> HealthInput:
    values: dict[str, object] = {
        "organisation": "Riverside",
        "year": 2025,
        "elections": [
            ElectionFigures("Public governors", "North", 2, 5, True, 4000, 800),
            ElectionFigures("Staff governor", "Staff", 1, 1, False, 900, None),
            ElectionFigures("Tiny", "Patients", 1, 2, True, 40, 7),
        ],
        "membership": [
            MembershipFigures("North", 1500, 300000),
            MembershipFigures("South", 6, 100000),
            MembershipFigures("Staff", 900, None),
        ],
        "churn": ChurnFigures(start=2000, joined=400, left=100, end=2300),
        "requests": RequestFigures(12, 11, 9, 1, [3, 5, 20, 22, 8, 9, 10, 11, 4, 6, 7]),
        "decisions": {NoticeStatus.ON_TIME: 4, NoticeStatus.LATE: 1, NoticeStatus.MISSING: 1},
        "taken_without_notice": 1,
        "attendance": [AttendanceFigures("Ann Archer", "North", 4, 3)],
    }
    values.update(changes)
    return HealthInput(**values)  # type: ignore[arg-type]


def values(report: object, subject: str) -> dict[str, str]:
    return {r.measure: r.value for r in report.rows if r.subject == subject}  # type: ignore[attr-defined]


def test_turnout_contested_seats_and_candidates_per_seat() -> None:
    report = build(data(), public=True)
    north = values(report, "Public governors (North)")
    assert north["Turnout"] == "20.0%" and north["Candidates per seat"] == "2.50"
    assert values(report, "Staff governor (Staff)")["Contested"] == "no"
    total = values(report, "All elections")
    assert total["Seats"] == "4" and total["Seats contested"] == "3"
    assert total["Share of seats contested"] == "75.0%"
    assert total["Candidates per seat"] == "2.00"


def test_public_output_hides_small_counts_and_what_is_derived_from_them() -> None:
    public = build(data(), public=True)
    tiny = values(public, "Tiny (Patients)")
    assert tiny["Votes cast"] == "fewer than 10" and tiny["Turnout"] == WITHHELD
    south = values(public, "South")
    assert south["Members"] == "fewer than 10" and south["Members per 1,000 eligible"] == WITHHELD
    staff = build(data(), public=False)
    assert values(staff, "Tiny (Patients)")["Turnout"] == "17.5%"
    assert values(staff, "South")["Members"] == "6"
    assert "7" not in [r.value for r in public.rows if r.subject == "Tiny (Patients)"]


def test_membership_churn_and_requests() -> None:
    report = build(data(), public=True)
    assert values(report, "North")["Members per 1,000 eligible"] == "5.0"
    assert values(report, "Staff")["Eligible population"] == "not known"
    churn = values(report, "All members")
    assert churn["Left, as a share of members at the start"] == "5.0%"
    requests = values(report, "All constituencies")
    assert requests["Received"] == "12" and requests["Answered in time"] == "fewer than 10"
    assert requests["Share answered in time"] == "81.8%"
    assert requests["Median working days to answer"] == "8.0"
    few = build(data(requests=RequestFigures(3, 2, 2, 0, [4, 5])), public=True)
    assert values(few, "All constituencies")["Median working days to answer"] == WITHHELD
    assert (
        values(
            build(data(requests=RequestFigures(3, 2, 2, 0, [4, 5])), public=False),
            "All constituencies",
        )["Median working days to answer"]
        == "4.5"
    )


def test_decisions_attendance_and_charts() -> None:
    report = build(data(), public=True)
    decisions = values(report, "All key decisions")
    assert decisions["Key decisions"] == "6" and decisions["Published on time"] == "4"
    assert decisions["Taken without notice"] == "1"
    assert values(report, "Ann Archer (North)")["Council meetings attended"] == "3 of 4"
    charts = {c.id: c for c in report.charts}
    assert set(charts) == {"turnout", "membership", "decisions", "attendance"}
    assert [b.text for b in charts["turnout"].bars] == ["20.0%", "uncontested", WITHHELD]
    assert max(b.share for b in charts["membership"].bars if b.share) == 1


def test_median() -> None:
    assert median([]) is None
    assert median([5, 1, 3]) == 3
    assert median([1, 2, 3, 4]) == 2.5
