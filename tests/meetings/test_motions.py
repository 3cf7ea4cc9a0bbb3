"""Motions through the API: drafting, the roll frozen at opening, one vote per member, closing
with a stored result that the stored votes reproduce, and the refusals that record nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from governance.errors import Problem
from governance.meetings import motion_votes
from governance.meetings.kinds import MeetingKind, MeetingStatus
from governance.meetings.motion_models import Choice, Motion, MotionVoter, NamedVote, SecretVote
from governance.members.models import Member
from governance.members.offices import Office
from tests.factories import audit_actions
from tests.meetings.motion_support import (
    add_members,
    api,
    coop,
    meeting,
    member_client,
    office_holders,
    plain_coop,
    secretary_client,
    set_meeting_status,
    travel_to,
    trust,
)

MOTION = {
    "kind": "ordinary_resolution",
    "title": "Adopt the accounts",
    "text": "That the accounts be adopted.",
}


def create(client: Any, org: Any, meeting_id: int, **changes: Any) -> dict[str, Any]:
    response = client.post(f"{api(org)}/meetings/{meeting_id}/motions", json={**MOTION, **changes})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def open_advance(client: Any, org: Any, motion_id: int) -> dict[str, Any]:
    response = client.post(f"{api(org)}/motions/{motion_id}/open-advance")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def votes_stored(db: Session) -> int:
    """Votes in the database, read in a session of its own (``db``'s objects stay loaded, so
    using them later does not open a transaction that would hold SQLite's write lock)."""
    assert db.bind is not None
    with Session(db.bind) as fresh:
        secret = fresh.exec(select(func.count()).select_from(SecretVote)).one()
        named = fresh.exec(select(func.count()).select_from(NamedVote)).one()
    return int(secret) + int(named)


def test_a_members_vote_in_advance_is_counted_once_and_explained(
    db: Session, make_client: Any, engine: Any
) -> None:
    org = plain_coop(db)
    members = add_members(db, org, "MEMBERS", 6)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    motion = create(staff, org, agm.id)
    assert motion["status"] == "draft" and motion["rule"] == "more than half of members voting"
    opened = open_advance(staff, org, motion["id"])
    assert opened["eligible"] == {"members": 6}
    assert opened["advance_closes_at"] is not None

    choices = ["for", "for", "for", "against", "abstain"]
    for member, choice in zip(members, choices, strict=False):
        browser = member_client(make_client, engine, member)
        response = browser.api(
            "POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": choice}
        )
        assert response.status_code == 201, response.text
        assert response.json()["channel"] == "online"
    again = member_client(make_client, engine, members[0]).api(
        "POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "against"}
    )
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/already-voted"
    assert votes_stored(db) == 5

    closed = staff.post(f"{api(org)}/motions/{motion['id']}/close")
    assert closed.status_code == 200, closed.text
    result = closed.json()
    assert result["passed"] is True and result["reproducible"] is True
    (check,) = result["decision"]["checks"]
    assert (
        check["eligible"],
        check["for"],
        check["against"],
        check["abstain"],
        check["absent"],
    ) == (6, 3, 1, 1, 1)
    assert result["counts"]["voted_by"] == {"online": 5}
    assert "Abstentions are not votes cast: 4 votes were cast." in result["decision"]["explanation"]

    # Anyone may read the result; nobody may vote any more.
    public = make_client().get(f"{api(org)}/motions/{motion['id']}/result")
    assert public.status_code == 200 and public.json()["passed"] is True
    page = make_client().get(f"/o/{org.slug}/motions/{motion['id']}/result")
    assert page.status_code == 200 and "Carried" in page.text
    late = member_client(make_client, engine, members[5]).api(
        "POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "for"}
    )
    assert late.status_code == 409 and late.json()["type"] == "/problems/poll-closed"
    actions = audit_actions(db)
    for action in ("motion.created", "motion.opened_for_advance", "motion.closed"):
        assert action in actions


def test_the_roll_is_the_body_when_voting_opened(
    db: Session, make_client: Any, engine: Any
) -> None:
    org = coop(db)
    add_members(db, org, "WORKERS", 3)
    add_members(db, org, "CUSTOMERS", 5)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    motion = create(staff, org, agm.id, kind="special_resolution")
    open_advance(staff, org, motion["id"])
    (latecomer,) = add_members(db, org, "INVESTORS", 1)
    response = member_client(make_client, engine, latecomer).api(
        "POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "for"}
    )
    assert response.status_code == 403 and response.json()["type"] == "/problems/not-on-roll"
    assert votes_stored(db) == 0
    listed = staff.get(f"{api(org)}/meetings/{agm.id}/motions").json()
    assert listed[0]["eligible"] == {"members": 8}


def test_votes_on_draft_closed_or_other_organisations_motions_are_refused(
    db: Session, make_client: Any, engine: Any
) -> None:
    org = plain_coop(db)
    (member,) = add_members(db, org, "MEMBERS", 1)
    other = plain_coop(db, "other-coop")
    (stranger,) = add_members(db, other, "MEMBERS", 1, prefix="stranger")
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    motion = create(staff, org, agm.id)
    browser = member_client(make_client, engine, member)
    draft = browser.api("POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "for"})
    assert draft.status_code == 404
    open_advance(staff, org, motion["id"])
    # Another organisation's member: through their own organisation's path or this one's.
    outsider = member_client(make_client, engine, stranger)
    assert (
        outsider.api(
            "POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "for"}
        ).status_code
        == 404
    )
    assert (
        outsider.api(
            "POST", f"{api(other)}/motions/{motion['id']}/votes", json={"choice": "for"}
        ).status_code
        == 404
    )
    # Another organisation's secretary cannot see or close it.
    other_staff = secretary_client(make_client, db, other)
    assert other_staff.get(f"{api(org)}/motions/{motion['id']}").status_code == 404
    assert other_staff.post(f"{api(other)}/motions/{motion['id']}/close").status_code == 404
    # A bad choice is refused before anything happens.
    bad = browser.api("POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "maybe"})
    assert bad.status_code == 400
    # Voting in advance closes at its time.
    travel_to(agm.starts_at + timedelta(minutes=1))
    browser = member_client(make_client, engine, member)
    closed = browser.api("POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "for"})
    assert closed.status_code == 409 and closed.json()["type"] == "/problems/poll-closed"
    assert votes_stored(db) == 0


def test_votes_need_the_csrf_token(db: Session, make_client: Any, engine: Any) -> None:
    org = plain_coop(db)
    (member,) = add_members(db, org, "MEMBERS", 1)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    motion = create(staff, org, agm.id)
    open_advance(staff, org, motion["id"])
    browser = member_client(make_client, engine, member)
    browser.get("/health")
    forged = browser.post(f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "for"})
    assert forged.status_code == 403
    page = browser.post(f"/o/{org.slug}/motions/{motion['id']}/vote", data={"choice": "for"})
    assert page.status_code == 403
    assert votes_stored(db) == 0
    ok = browser.form(f"/o/{org.slug}/motions/{motion['id']}/vote", {"choice": "for"})
    assert ok.status_code == 200 and "Your vote is recorded" in ok.text


def test_a_ballot_for_several_motions_is_all_or_nothing(
    db: Session, make_client: Any, engine: Any
) -> None:
    org = plain_coop(db)
    (member,) = add_members(db, org, "MEMBERS", 1)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    first = create(staff, org, agm.id, title="First")
    second = create(staff, org, agm.id, title="Second")
    for motion in (first, second):
        open_advance(staff, org, motion["id"])
    browser = member_client(make_client, engine, member)
    browser.api("POST", f"{api(org)}/motions/{second['id']}/votes", json={"choice": "against"})
    ballot = {
        "votes": [
            {"motion_id": first["id"], "choice": "for"},
            {"motion_id": second["id"], "choice": "for"},
        ]
    }
    refused = browser.api("POST", f"{api(org)}/meetings/{agm.id}/ballot", json=ballot)
    assert refused.status_code == 409
    assert votes_stored(db) == 1  # only the earlier vote on the second motion
    again = browser.api(
        "POST", f"{api(org)}/meetings/{agm.id}/ballot", json={"votes": ballot["votes"][:1]}
    )
    assert again.status_code == 201 and again.json()[0]["channel"] == "online"
    assert votes_stored(db) == 2


def test_a_tampered_vote_makes_the_result_unreproducible(
    db: Session, make_client: Any, engine: Any
) -> None:
    org = plain_coop(db)
    members = add_members(db, org, "MEMBERS", 3)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    motion = create(staff, org, agm.id)
    open_advance(staff, org, motion["id"])
    for member in members:
        member_client(make_client, engine, member).api(
            "POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "for"}
        )
    assert staff.post(f"{api(org)}/motions/{motion['id']}/close").json()["reproducible"] is True
    vote_id = db.exec(select(SecretVote.id)).first()
    db.execute(update(SecretVote).where(col(SecretVote.id) == vote_id).values(choice="against"))
    db.commit()
    assert (
        make_client().get(f"{api(org)}/motions/{motion['id']}/result").json()["reproducible"]
        is False
    )


def test_a_secret_vote_keeps_no_link_to_the_voter(
    db: Session, make_client: Any, engine: Any
) -> None:
    org = plain_coop(db)
    (member,) = add_members(db, org, "MEMBERS", 1)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    motion = create(staff, org, agm.id)
    open_advance(staff, org, motion["id"])
    member_client(make_client, engine, member).api(
        "POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "against"}
    )
    assert set(SecretVote.model_fields) == {"id", "motion_id", "body", "class_id", "choice"}
    (vote,) = db.exec(select(SecretVote)).all()
    assert len(vote.id) == 32 and vote.choice == "against"
    (row,) = db.exec(select(MotionVoter)).all()
    assert row.status == "voted" and row.channel == "online" and row.voted_on is not None
    db.commit()


def test_named_votes_of_governors_are_published(db: Session, make_client: Any, engine: Any) -> None:
    org = trust(db)
    governors = add_members(db, org, "PUBLIC", 4)
    office_holders(db, org, Office.GOVERNOR, governors)
    council = meeting(db, org, MeetingKind.COUNCIL_OF_GOVERNORS)
    staff = secretary_client(make_client, db, org)
    motion = create(staff, org, council.id, kind="significant_transaction", secret=False)
    open_advance(staff, org, motion["id"])
    for governor, choice in zip(governors, ["for", "for", "against"], strict=False):
        response = member_client(make_client, engine, governor).api(
            "POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": choice}
        )
        assert response.status_code == 201
    result = staff.post(f"{api(org)}/motions/{motion['id']}/close").json()
    assert result["passed"] is True
    public = make_client().get(f"{api(org)}/motions/{motion['id']}/result").json()
    assert sorted(v["choice"] for v in public["named_votes"]) == ["against", "for", "for"]
    assert {v["name"] for v in public["named_votes"]} == {g.display_name for g in governors[:3]}


def test_motion_kinds_must_fit_the_organisation_and_the_meeting(
    db: Session, make_client: Any
) -> None:
    org = plain_coop(db)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    url = f"{api(org)}/meetings/{agm.id}/motions"
    wrong_type = staff.post(url, json={**MOTION, "kind": "significant_transaction"})
    assert (
        wrong_type.status_code == 422 and wrong_type.json()["type"] == "/problems/kind-not-allowed"
    )
    needs_first = staff.post(url, json={**MOTION, "kind": "second_meeting_confirmation"})
    assert (
        needs_first.status_code == 422
        and needs_first.json()["type"] == "/problems/follow-up-needed"
    )
    unknown = staff.post(url, json={**MOTION, "kind": "ordinary_resolution", "extra": 1})
    assert unknown.status_code == 400
    ft = trust(db)
    amm = meeting(db, ft, MeetingKind.FT_ANNUAL_MEMBERS)
    ft_staff = secretary_client(make_client, db, ft)
    at_amm = ft_staff.post(
        f"{api(ft)}/meetings/{amm.id}/motions", json={**MOTION, "kind": "ft_constitution_amendment"}
    )
    assert at_amm.status_code == 422 and at_amm.json()["type"] == "/problems/wrong-meeting"


def test_the_poll_in_the_meeting_and_a_show_of_hands(
    db: Session, make_client: Any, engine: Any
) -> None:
    org = plain_coop(db)
    members = add_members(db, org, "MEMBERS", 10)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    motion = create(staff, org, agm.id)
    open_advance(staff, org, motion["id"])
    member_client(make_client, engine, members[0]).api(
        "POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "against"}
    )
    early = staff.post(f"{api(org)}/motions/{motion['id']}/open-poll")
    assert early.status_code == 409 and early.json()["type"] == "/problems/meeting-not-open"
    travel_to(agm.starts_at + timedelta(minutes=5))
    set_meeting_status(engine, agm, MeetingStatus.OPEN)
    assert staff.post(f"{api(org)}/motions/{motion['id']}/open-poll").status_code == 200
    phone = member_client(make_client, engine, members[1]).api(
        "POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": "against"}
    )
    assert phone.json()["channel"] == "in_meeting"
    too_many = staff.post(
        f"{api(org)}/motions/{motion['id']}/hands",
        json={"counts": [{"body": "members", "votes_for": 8, "against": 1, "abstain": 0}]},
    )
    assert too_many.status_code == 422 and too_many.json()["type"] == "/problems/too-many-hands"
    hands = staff.post(
        f"{api(org)}/motions/{motion['id']}/hands",
        json={"counts": [{"body": "members", "votes_for": 5, "against": 1, "abstain": 1}]},
    )
    assert hands.status_code == 200, hands.text
    result = staff.post(f"{api(org)}/motions/{motion['id']}/close").json()
    (check,) = result["decision"]["checks"]
    assert (check["for"], check["against"], check["abstain"]) == (5, 3, 1)
    assert result["counts"]["voted_by"] == {"in_meeting": 1, "online": 1}
    assert result["passed"] is True and result["reproducible"] is True
    assert "motion.hands_recorded" in audit_actions(db)


def test_a_tie_fails_unless_the_chair_has_and_gives_a_casting_vote(
    db: Session, make_client: Any, engine: Any
) -> None:
    for slug, allowed in (("no-casting", False), ("casting", True)):
        org = plain_coop(db, slug, chair_casting_vote=allowed)
        members = add_members(db, org, "MEMBERS", 4, prefix=slug)
        agm = meeting(db, org, MeetingKind.COOP_AGM)
        staff = secretary_client(make_client, db, org)
        motion = create(staff, org, agm.id)
        open_advance(staff, org, motion["id"])
        for member, choice in zip(members, ["for", "for", "against", "against"], strict=True):
            member_client(make_client, engine, member).api(
                "POST", f"{api(org)}/motions/{motion['id']}/votes", json={"choice": choice}
            )
        closed = staff.post(f"{api(org)}/motions/{motion['id']}/close").json()
        assert closed["passed"] is False and closed["decision"]["checks"][0]["tie"] is True
        casting = staff.post(
            f"{api(org)}/motions/{motion['id']}/casting-vote",
            json={"body": "members", "choice": "for"},
        )
        if not allowed:
            assert (
                casting.status_code == 409 and casting.json()["type"] == "/problems/no-casting-vote"
            )
            continue
        assert casting.status_code == 200, casting.text
        assert casting.json()["passed"] is True and casting.json()["reproducible"] is True
        twice = staff.post(
            f"{api(org)}/motions/{motion['id']}/casting-vote",
            json={"body": "members", "choice": "against"},
        )
        assert twice.status_code == 409
        assert "motion.casting_vote_given" in audit_actions(db)


def test_racing_votes_by_one_member_count_once(db: Session, make_client: Any, engine: Any) -> None:
    org = plain_coop(db)
    (member,) = add_members(db, org, "MEMBERS", 1)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    motion = create(staff, org, agm.id)
    open_advance(staff, org, motion["id"])

    def attempt(choice: str) -> str:
        with Session(engine, expire_on_commit=False) as session:
            found = session.get(Motion, motion["id"])
            voter = session.get(Member, member.id)
            assert found is not None and voter is not None
            try:
                motion_votes.vote(session, found, voter, Choice(choice))
            except Problem as refused:
                return refused.slug
            return "recorded"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, ["for", "against"] * 6))
    assert outcomes.count("recorded") == 1
    assert set(outcomes) == {"recorded", "already-voted"}
    assert votes_stored(db) == 1


def test_null_for_a_field_that_cannot_be_empty_is_a_clear_400(
    db: Session, make_client: Any, engine: Any
) -> None:
    org = plain_coop(db)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    motion = create(staff, org, agm.id)
    for field in ("secret", "title", "text"):
        refused = staff.patch(f"{api(org)}/motions/{motion['id']}", json={field: None})
        assert refused.status_code == 400, (field, refused.text)
        assert "leave it out" in refused.text
    changed = staff.patch(f"{api(org)}/motions/{motion['id']}", json={"secret": False})
    assert changed.status_code == 200 and changed.json()["secret"] is False
