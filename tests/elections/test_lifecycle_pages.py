"""The lifecycle's pages: scheduling with the timetable shown, the dashboard, the public page,
the declaration; CSRF on every form; another organisation's election is 404."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from governance.elections import declaration
from governance.elections.models import Candidate, CandidateStatus, Election
from governance.elections.timetable import MER2014, Step, statutory_timetable
from governance.settings import Settings
from governance.workdays import ENGLAND_AND_WALES
from tests.conftest import Client
from tests.elections.lifecycle_support import (
    election_at_poll,
    enrol,
    make_trust,
    refreshed,
    run_jobs_at,
    schedule_election,
    stand,
    vote,
    working_close_of_poll,
)
from tests.elections.poll_helpers import ELECTION_KEY
from tests.factories import (
    signed_in_client,
    travel_to,
)

PEOPLE = [("Ann", "Archer"), ("Ben", "Baker"), ("Cat", "Cooper")]


def test_scheduling_through_the_form(db: Session, make_client: Callable[[], Client]) -> None:
    trust = make_trust(db)
    secretary = signed_in_client(make_client, trust.secretary)
    officer = signed_in_client(make_client, trust.officer)
    slug = trust.org.slug
    form = secretary.get(f"/o/{slug}/elections/new")
    assert form.status_code == 200 and "Schedule an election" in form.text
    close = working_close_of_poll()
    latest = statutory_timetable(close, ENGLAND_AND_WALES, MER2014)
    fields = {
        "title": "Public governors",
        "constituency_id": str(trust.public.id),
        "seats": "2",
        "method": "mer2014-stv",
        "channels": ["online", "postal"],
        "close_of_poll": close.isoformat(),
        # One working day late: late is the only thing wrong with it (not a weekend or holiday).
        "date_notice_of_poll": ENGLAND_AND_WALES.add_working_days(
            latest[Step.NOTICE_OF_POLL], 1
        ).isoformat(),
    }
    checked = secretary.form(f"/o/{slug}/elections/new", {**fields, "action": "check"})
    assert checked.status_code == 200  # checking shows the timetable; it refuses nothing
    assert "Problem:" in checked.text and "Only the returning officer can accept it" in checked.text
    refused = secretary.form(f"/o/{slug}/elections/new", {**fields, "action": "schedule"})
    assert refused.status_code == 400
    assert db.exec(select(func.count()).select_from(Election)).one() == 0
    db.commit()
    # The returning officer sees a reason field for the late step, and gives one.
    shown = officer.form(f"/o/{slug}/elections/new", {**fields, "action": "check"})
    assert 'name="override_notice_of_poll"' in shown.text
    done = officer.form(
        f"/o/{slug}/elections/new",
        {**fields, "action": "schedule", "override_notice_of_poll": "Printer's holiday"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = officer.get(done.headers["location"])
    assert page.status_code == 200
    assert "Late, accepted: Printer&#39;s holiday" in page.text
    listing = secretary.get(f"/o/{slug}/elections/manage")
    assert "Public governors" in listing.text
    # The start page links to the elections area.
    assert f"/o/{slug}/elections/manage" in secretary.get(f"/o/{slug}").text
    # A form without its CSRF token is refused.
    assert secretary.post(f"/o/{slug}/elections/new", data=fields).status_code == 403


def test_dashboard_decisions_count_and_declaration(
    db: Session, engine: Engine, settings: Settings, make_client: Callable[[], Client]
) -> None:
    poll = election_at_poll(db, engine, settings, people=PEOPLE, standing=3, method="fptp")
    ids = [c.id for c in poll.candidates]
    for member, choice in zip(poll.members, [ids[0], ids[0], ids[1]], strict=True):
        vote(db, poll, member, [choice])
    run_jobs_at(db, engine, settings, poll.election.poll_close_at)
    slug = poll.trust.org.slug
    base = f"/o/{slug}/elections/{poll.election.id}"
    secretary = signed_in_client(make_client, poll.trust.secretary)
    officer = signed_in_client(make_client, poll.trust.officer)
    assert "Count the votes" not in secretary.get(f"{base}/manage").text
    dashboard = officer.get(f"{base}/manage")
    assert "Count the votes" in dashboard.text
    assert secretary.form(f"{base}/manage/count", {}).status_code == 404
    assert "The election private key" in dashboard.text
    wrong = officer.form(f"{base}/manage/count", {"seed": "", "election_key": "GSK1-nonsense"})
    assert wrong.status_code == 422 and "election_key-error" in wrong.text
    assert "GSK1-nonsense" not in wrong.text, "the key is never shown back"
    key = {"seed": "", "election_key": ELECTION_KEY.private}
    counted = officer.form(f"{base}/manage/count", key, follow_redirects=False)
    assert counted.status_code == 303
    shown = officer.get(counted.headers["location"])
    assert "The provisional result" in shown.text and "<svg" in shown.text
    declared = officer.form(f"{base}/manage/declare", {})
    assert declared.status_code == 200 and "The result is declared" in declared.text
    again = officer.form(f"{base}/manage/declare", {})
    assert again.status_code == 409 and "There is a problem" in again.text
    public = make_client().get(base)
    assert public.status_code == 200 and "Result" in public.text
    assert "ARCHER, Ann" in public.text
    assert make_client().get(f"{base}/declaration").status_code == 200


def test_deciding_a_nomination_on_the_dashboard(
    db: Session, engine: Engine, settings: Settings, make_client: Callable[[], Client]
) -> None:
    trust = make_trust(db)
    members = enrol(db, trust.org, trust.public, PEOPLE)
    election = schedule_election(db, trust)
    run_jobs_at(db, engine, settings, election.notice_at)
    candidate = stand(db, trust, election, members[0])
    db.commit()
    officer = signed_in_client(make_client, trust.officer)
    url = f"/o/{trust.org.slug}/elections/{election.id}/manage/candidates/{candidate.id}/decision"
    refused = officer.form(url, {"decision": "reject", "reason": "looks shifty"})
    assert refused.status_code == 422
    assert "may be rejected only because" in refused.text
    done = officer.form(url, {"decision": "reject", "reason": "late"})
    assert done.status_code == 200 and "The decision is recorded" in done.text
    db.expire_all()
    assert db.get(Candidate, candidate.id).status == CandidateStatus.REJECTED  # type: ignore[union-attr]
    db.commit()


def test_public_pages_follow_what_is_published(
    db: Session, engine: Engine, settings: Settings, make_client: Callable[[], Client]
) -> None:
    trust = make_trust(db)
    members = enrol(db, trust.org, trust.public, PEOPLE)
    election = schedule_election(db, trust)
    db.commit()
    visitor = make_client()
    base = f"/o/{trust.org.slug}/elections/{election.id}"
    assert visitor.get(base).status_code == 404  # before the notice
    assert "Public governors" not in visitor.get(f"/o/{trust.org.slug}/elections").text
    run_jobs_at(db, engine, settings, election.notice_at)
    page = visitor.get(base)
    assert page.status_code == 200 and "Stand for election" in page.text
    assert "Sign in as a member" in visitor.get(f"{base}/stand").text
    stand(db, trust, election, members[0])
    stand(db, trust, election, members[1])
    db.commit()
    assert "<h2>Statement of nominated candidates</h2>" not in visitor.get(base).text
    run_jobs_at(db, engine, settings, election.statement_at)
    page = visitor.get(base)
    assert "<h2>Statement of nominated candidates</h2>" in page.text
    assert page.text.index("ARCHER") < page.text.index("BAKER")
    assert visitor.get(f"{base}/declaration").status_code == 404


def test_another_organisation_cannot_see_or_touch_an_election(
    db: Session, engine: Engine, settings: Settings, make_client: Callable[[], Client]
) -> None:
    trust = make_trust(db)
    election = schedule_election(db, trust)
    other = make_trust(db, "hillside")
    db.commit()
    stranger = signed_in_client(make_client, other.officer)
    for path in (
        f"/o/{trust.org.slug}/elections/{election.id}/manage",
        f"/o/{trust.org.slug}/elections/new",
        f"/o/{trust.org.slug}/elections/manage",
        f"/o/{other.org.slug}/elections/{election.id}/manage",
    ):
        assert stranger.get(path).status_code == 404, path
    for path in (
        f"/o/{trust.org.slug}/elections/{election.id}/manage/cancel",
        f"/o/{other.org.slug}/elections/{election.id}/manage/cancel",
    ):
        assert stranger.form(path, {"reason": "mischief"}).status_code == 404, path
    travel_to(election.notice_at + timedelta(seconds=1))  # type: ignore[operator]
    assert make_client().get(f"/o/{other.org.slug}/elections/{election.id}").status_code == 404
    assert refreshed(db, election).status == "scheduled"


def test_cancelling_needs_a_reason(db: Session, make_client: Callable[[], Client]) -> None:
    trust = make_trust(db)
    election = schedule_election(db, trust)
    db.commit()
    officer = signed_in_client(make_client, trust.officer)
    url = f"/o/{trust.org.slug}/elections/{election.id}/manage/cancel"
    assert officer.form(url, {"reason": ""}).status_code == 422
    assert refreshed(db, election).status == "scheduled"
    done = officer.form(url, {"reason": "Seat abolished by the constitution"})
    assert done.status_code == 200 and "The election is cancelled" in done.text
    assert refreshed(db, election).cancelled_reason == "Seat abolished by the constitution"
    assert declaration.publication_of(db, election) is None
    db.commit()
