"""Proxies: the limit per holder, revocation until the meeting starts, directed and
discretionary votes, precedence between a member's own vote and their proxy's, and quorum."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.meetings import hooks, proxies
from governance.meetings.kinds import MeetingKind, MeetingStatus
from governance.meetings.models import Meeting
from governance.members.models import Member
from tests.factories import audit_actions
from tests.meetings.motion_support import (
    Org,
    add_members,
    api,
    meeting,
    member_client,
    plain_coop,
    secretary_client,
    set_meeting_status,
    travel_to,
)

MOTION = {
    "kind": "ordinary_resolution",
    "title": "Adopt the accounts",
    "text": "That the accounts be adopted.",
}


def setup_agm(
    db: Session, make_client: Any, members: int = 8
) -> tuple[Org, Meeting, Any, list[int]]:
    org = plain_coop(db)
    add_members(db, org, "MEMBERS", members)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    staff = secretary_client(make_client, db, org)
    ids = []
    for title in ("First", "Second"):
        created = staff.post(
            f"{api(org)}/meetings/{agm.id}/motions", json={**MOTION, "title": title}
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
        assert staff.post(f"{api(org)}/motions/{ids[-1]}/open-advance").status_code == 200
    return org, agm, staff, ids


def appoint(client: Any, org: Org, agm: Meeting, holder: Member | None, **extra: Any) -> Any:
    body: dict[str, Any] = (
        {"holder": "chair"}
        if holder is None
        else {
            "holder": "member",
            "holder_reference": holder.reference,
            "holder_last_name": holder.last_name.upper(),
        }
    )
    return client.api("POST", f"{api(org)}/meetings/{agm.id}/proxy", json={**body, **extra})


def start_meeting(
    engine: Engine, agm: Meeting, staff: Any, org: Org, motion_ids: list[int]
) -> None:
    travel_to(agm.starts_at + timedelta(minutes=1))
    set_meeting_status(engine, agm, MeetingStatus.OPEN)
    for motion_id in motion_ids:
        assert staff.post(f"{api(org)}/motions/{motion_id}/open-poll").status_code == 200


def test_a_holder_may_hold_at_most_the_limit(db: Session, make_client: Any, engine: Engine) -> None:
    org, agm, _staff, _ids = setup_agm(db, make_client)
    holder, *others = org.members["MEMBERS"]
    for appointer in others[:5]:
        response = appoint(member_client(make_client, engine, appointer), org, agm, holder)
        assert response.status_code == 201, response.text
        assert response.json()["holder"] == "member"
    sixth = appoint(member_client(make_client, engine, others[5]), org, agm, holder)
    assert sixth.status_code == 409 and sixth.json()["type"] == "/problems/proxy-limit"
    # Replacing one's own proxy does not count twice against the holder.
    again = appoint(member_client(make_client, engine, others[0]), org, agm, holder)
    assert again.status_code == 201
    with Session(engine) as fresh:
        summary = dict(proxies.holders_summary(fresh, agm.id or 0))
    assert summary == {f"{holder.display_name} ({holder.reference})": 5}
    # Nobody can be their own proxy, and the holder must be a member found by number and surname.
    me = member_client(make_client, engine, others[6])
    assert appoint(me, org, agm, others[6]).status_code == 422
    wrong = me.api(
        "POST",
        f"{api(org)}/meetings/{agm.id}/proxy",
        json={
            "holder": "member",
            "holder_reference": holder.reference,
            "holder_last_name": "Nobody",
        },
    )
    assert wrong.status_code == 422 and wrong.json()["type"] == "/problems/unknown-holder"


def test_revocable_until_the_meeting_starts_and_never_used_after(
    db: Session, make_client: Any, engine: Engine
) -> None:
    org, agm, staff, ids = setup_agm(db, make_client)
    holder, appointer, other = org.members["MEMBERS"][:3]
    me = member_client(make_client, engine, appointer)
    assert appoint(me, org, agm, holder).status_code == 201
    revoked = me.api("POST", f"{api(org)}/meetings/{agm.id}/proxy/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert me.get(f"{api(org)}/meetings/{agm.id}/proxy").json() is None
    proxy_id = revoked.json()["id"]
    assert appoint(member_client(make_client, engine, other), org, agm, holder).status_code == 201

    start_meeting(engine, agm, staff, org, ids)
    late = member_client(make_client, engine, other).api(
        "POST", f"{api(org)}/meetings/{agm.id}/proxy/revoke"
    )
    assert late.status_code == 409 and late.json()["type"] == "/problems/proxy-fixed"
    too_late = appoint(member_client(make_client, engine, appointer), org, agm, holder)
    assert too_late.status_code == 409

    holding = member_client(make_client, engine, holder)
    used_revoked = holding.api(
        "POST", f"{api(org)}/motions/{ids[0]}/proxy-votes", json={"choices": {str(proxy_id): "for"}}
    )
    assert (
        used_revoked.status_code == 409 and used_revoked.json()["type"] == "/problems/proxy-revoked"
    )
    done = holding.api("POST", f"{api(org)}/motions/{ids[0]}/proxy-votes", json={"choice": "for"})
    assert done.status_code == 200 and done.json() == {"cast": 1, "skipped": []}
    result = staff.post(f"{api(org)}/motions/{ids[0]}/close").json()
    assert result["counts"]["voted_by"] == {"proxy": 1}
    assert {"proxy.appointed", "proxy.revoked", "motion.proxy_votes_cast"} <= set(audit_actions(db))


def test_directed_and_discretionary_proxies(db: Session, make_client: Any, engine: Engine) -> None:
    org, agm, staff, ids = setup_agm(db, make_client)
    holder, directed, free = org.members["MEMBERS"][:3]
    appoint(
        member_client(make_client, engine, directed),
        org,
        agm,
        holder,
        directions={str(ids[0]): "against"},
    )
    appoint(member_client(make_client, engine, free), org, agm, holder)
    start_meeting(engine, agm, staff, org, ids)
    holding = member_client(make_client, engine, holder)
    held = holding.get(f"{api(org)}/motions/{ids[0]}/proxies-held").json()
    assert sorted((p["direction"] or "", p["voted"]) for p in held) == [
        ("", False),
        ("against", False),
    ]
    # The holder says "for": the directed proxy still votes against; the holder votes too.
    cast = holding.api("POST", f"{api(org)}/motions/{ids[0]}/proxy-votes", json={"choice": "for"})
    assert cast.json()["cast"] == 2
    assert (
        holding.api(
            "POST", f"{api(org)}/motions/{ids[0]}/votes", json={"choice": "for"}
        ).status_code
        == 201
    )
    # With no choice given, only directed proxies are used; here none are directed.
    none_given = holding.api("POST", f"{api(org)}/motions/{ids[1]}/proxy-votes", json={})
    assert none_given.json()["cast"] == 0 and len(none_given.json()["skipped"]) == 2
    result = staff.post(f"{api(org)}/motions/{ids[0]}/close").json()
    (check,) = result["decision"]["checks"]
    assert (check["for"], check["against"]) == (2, 1)


def test_a_members_own_vote_comes_first_whichever_way_round(
    db: Session, make_client: Any, engine: Engine
) -> None:
    org, agm, staff, ids = setup_agm(db, make_client)
    holder, early_voter, relier = org.members["MEMBERS"][:3]
    for appointer in (early_voter, relier):
        assert (
            appoint(member_client(make_client, engine, appointer), org, agm, holder).status_code
            == 201
        )
    # Voting in advance, with a proxy appointed: the member's own vote counts.
    own = member_client(make_client, engine, early_voter).api(
        "POST", f"{api(org)}/motions/{ids[0]}/votes", json={"choice": "against"}
    )
    assert own.status_code == 201
    start_meeting(engine, agm, staff, org, ids)
    holding = member_client(make_client, engine, holder)
    cast = holding.api(
        "POST", f"{api(org)}/motions/{ids[0]}/proxy-votes", json={"choice": "for"}
    ).json()
    assert cast["cast"] == 1
    assert [s["reason"] for s in cast["skipped"]] == ["already-voted"]
    # The proxy voted for the other member first: their own vote is refused, saying why.
    refused = member_client(make_client, engine, relier).api(
        "POST", f"{api(org)}/motions/{ids[0]}/votes", json={"choice": "against"}
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Your proxy has already voted for you on this motion."
    result = staff.post(f"{api(org)}/motions/{ids[0]}/close").json()
    (check,) = result["decision"]["checks"]
    assert (check["for"], check["against"]) == (1, 1)
    assert result["reproducible"] is True


def test_the_chair_and_a_non_member_hold_proxies_voted_at_the_desk(
    db: Session, make_client: Any, engine: Engine
) -> None:
    org, agm, staff, ids = setup_agm(db, make_client)
    one, two, three = org.members["MEMBERS"][:3]
    assert appoint(member_client(make_client, engine, one), org, agm, None).status_code == 201
    for appointer in (two, three):
        response = member_client(make_client, engine, appointer).api(
            "POST",
            f"{api(org)}/meetings/{agm.id}/proxy",
            json={
                "holder": "person",
                "holder_name": "Pat  Carer",
                "directions": {str(ids[1]): "abstain"},
            },
        )
        assert response.status_code == 201 and response.json()["holder_name"] == "Pat Carer"
    start_meeting(engine, agm, staff, org, ids)

    def counted(present: frozenset[int]) -> int:
        with Session(engine) as fresh:
            agm_row = fresh.get(Meeting, agm.id)
            assert agm_row is not None
            return hooks.proxies_present(fresh, agm_row, present)

    assert counted(frozenset({one.id or 0})) == 0  # the chair's appointer is present
    assert counted(frozenset()) == 1  # the chair is always there
    marked = staff.post(
        f"{api(org)}/meetings/{agm.id}/proxy-holders-present", json={"holder_name": "pat carer"}
    )
    assert marked.json() == {"proxies": 2}
    assert counted(frozenset()) == 3
    chair = staff.post(f"{api(org)}/motions/{ids[0]}/chair-proxy-votes", json={"choice": "for"})
    assert chair.json() == {"cast": 1, "skipped": []}
    person = staff.post(
        f"{api(org)}/motions/{ids[1]}/chair-proxy-votes",
        json={"choice": "for", "holder_name": "Pat Carer"},
    )
    assert person.json()["cast"] == 2
    result = staff.post(f"{api(org)}/motions/{ids[1]}/close").json()
    assert result["decision"]["checks"][0]["abstain"] == 2  # as directed, whatever the desk chose


def test_proxies_only_for_members_meetings_and_members_of_the_organisation(
    db: Session, make_client: Any, engine: Engine
) -> None:
    org, agm, _staff, _ids = setup_agm(db, make_client)
    (member,) = org.members["MEMBERS"][:1]
    other = plain_coop(db, "other-coop")
    (stranger,) = add_members(db, other, "MEMBERS", 1, prefix="stranger")
    outsider = member_client(make_client, engine, stranger)
    assert appoint(outsider, org, agm, member).status_code == 404
    board = meeting(db, org, MeetingKind.COOP_GENERAL)
    set_meeting_status(engine, board, MeetingStatus.DRAFT)
    hidden = member_client(make_client, engine, member).api(
        "POST", f"{api(org)}/meetings/{board.id}/proxy", json={"holder": "chair"}
    )
    assert hidden.status_code == 404  # a draft meeting is not there for members
