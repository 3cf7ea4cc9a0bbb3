"""End to end through the API: a multi-stakeholder co-op's AGM with votes in advance, proxies,
phones in the meeting, a show of hands and weighted classes, then the second meeting that
confirms its amalgamation; and an FT constitution amendment touching the governors' role, voted
by council and board, then put to the annual members' meeting (approved once, refused once)."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.db import utcnow
from governance.members.models import Member
from governance.members.offices import Office
from tests.factories import audit_actions
from tests.meetings.motion_support import (
    Org,
    add_members,
    api,
    coop,
    member_client,
    office_holders,
    secretary_client,
    travel_to,
    trust,
)


class Desk:
    """The secretary at the chair's desk, speaking to the API."""

    def __init__(self, client: Any, org: Org) -> None:
        self.client = client
        self.org = org

    def call(self, path: str, body: Any = None, *, expect: int = 200) -> Any:
        response = self.client.post(f"{api(self.org)}{path}", json=body)
        assert response.status_code == expect, response.text
        return response.json()

    def meeting(self, kind: str, title: str, starts_in: timedelta) -> dict[str, Any]:
        starts = (utcnow() + starts_in).replace(microsecond=0)
        created = self.call(
            "/meetings",
            {"kind": kind, "title": title, "starts_at": starts.isoformat()},
            expect=201,
        )
        self.call(f"/meetings/{created['id']}/notice", {})
        created["starts"] = starts
        return created

    def motion(self, meeting_id: int, kind: str, title: str, **extra: Any) -> int:
        body = {"kind": kind, "title": title, "text": f"That {title.lower()}.", **extra}
        return int(self.call(f"/meetings/{meeting_id}/motions", body, expect=201)["id"])

    def start(self, meeting: dict[str, Any]) -> None:
        travel_to(meeting["starts"] + timedelta(minutes=1))
        self.call(f"/meetings/{meeting['id']}/open")


def vote(
    make_client: Any, engine: Engine, org: Org, member: Member, motion_id: int, choice: str
) -> str:
    response = member_client(make_client, engine, member).api(
        "POST", f"{api(org)}/motions/{motion_id}/votes", json={"choice": choice}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["channel"])


def test_a_cooperative_agm_with_proxies_and_weighted_classes(
    db: Session, make_client: Any, engine: Engine
) -> None:
    org = coop(db)
    workers = add_members(db, org, "WORKERS", 6)
    customers = add_members(db, org, "CUSTOMERS", 12)
    investors = add_members(db, org, "INVESTORS", 4)
    desk = Desk(secretary_client(make_client, db, org), org)
    agm = desk.meeting("coop_agm", "Annual general meeting 2026", timedelta(days=20))
    accounts = desk.motion(agm["id"], "ordinary_resolution", "The accounts be adopted")
    rules = desk.motion(agm["id"], "rule_change", "Rule 12 be replaced")
    merger = desk.motion(agm["id"], "amalgamation", "We amalgamate with Hill Co-op")
    for motion_id in (accounts, rules, merger):
        assert desk.call(f"/motions/{motion_id}/open-advance")["eligible"] == {"members": 22}

    # In advance: three workers vote online on everything; a customer appoints the chair with
    # directions, two customers appoint a worker (one directed), an investor appoints a customer.
    for worker in workers[:3]:
        browser = member_client(make_client, engine, worker)
        ballot = {"votes": [{"motion_id": m, "choice": "for"} for m in (accounts, rules, merger)]}
        assert (
            browser.api("POST", f"{api(org)}/meetings/{agm['id']}/ballot", json=ballot).status_code
            == 201
        )

    def appoint(member: Member, body: dict[str, Any]) -> None:
        response = member_client(make_client, engine, member).api(
            "POST", f"{api(org)}/meetings/{agm['id']}/proxy", json=body
        )
        assert response.status_code == 201, response.text

    holder = workers[3]
    as_holder = {
        "holder": "member",
        "holder_reference": holder.reference,
        "holder_last_name": holder.last_name,
    }
    appoint(
        customers[0], {"holder": "chair", "directions": {str(rules): "against", str(merger): "for"}}
    )
    appoint(customers[1], {**as_holder, "directions": {str(rules): "for"}})
    appoint(customers[2], as_holder)
    appoint(
        investors[0],
        {
            "holder": "member",
            "holder_reference": customers[3].reference,
            "holder_last_name": customers[3].last_name,
        },
    )

    # The meeting: quorum counts the proxies held by those present.
    desk.start(agm)
    for motion_id in (accounts, rules, merger):
        desk.call(f"/motions/{motion_id}/open-poll")
    for present in (holder, customers[3], workers[4]):
        desk.call(
            f"/meetings/{agm['id']}/attendance",
            {"member_reference": present.reference, "mode": "in_person"},
            expect=201,
        )
    quorum = desk.client.get(f"{api(org)}/meetings/{agm['id']}/quorum").json()
    assert quorum["present"] == 3 and quorum["proxies"] == 4

    # Phones in the room.
    assert vote(make_client, engine, org, workers[4], accounts, "against") == "in_meeting"
    for customer in customers[4:9]:
        vote(make_client, engine, org, customer, accounts, "for")
        vote(make_client, engine, org, customer, rules, "against")
        vote(make_client, engine, org, customer, merger, "for")
    vote(make_client, engine, org, investors[1], rules, "for")
    vote(make_client, engine, org, investors[1], merger, "against")

    # Proxies: the worker holds two, the customer one, the chair one.
    holding = member_client(make_client, engine, holder)
    for motion_id, choice in ((accounts, "for"), (rules, "against"), (merger, "for")):
        done = holding.api(
            "POST", f"{api(org)}/motions/{motion_id}/proxy-votes", json={"choice": choice}
        )
        assert done.json()["cast"] == 2
        holding.api("POST", f"{api(org)}/motions/{motion_id}/votes", json={"choice": choice})
    member_client(make_client, engine, customers[3]).api(
        "POST", f"{api(org)}/motions/{rules}/proxy-votes", json={"choice": "for"}
    )
    for motion_id in (rules, merger):
        desk.call(f"/motions/{motion_id}/chair-proxy-votes", {"choice": "abstain"})

    # A show of hands on the accounts, counted class by class.
    desk.call(
        f"/motions/{accounts}/hands",
        {
            "counts": [
                {"body": "members", "class_code": "WORKERS", "votes_for": 1, "against": 0},
                {"body": "members", "class_code": "CUSTOMERS", "votes_for": 1, "against": 1},
                {"body": "members", "class_code": "INVESTORS", "votes_for": 0, "against": 2},
            ]
        },
    )
    without_class = desk.client.post(
        f"{api(org)}/motions/{accounts}/hands",
        json={"counts": [{"body": "members", "votes_for": 1, "against": 0}]},
    )
    assert without_class.status_code == 422

    results = {m: desk.call(f"/motions/{m}/close") for m in (accounts, rules, merger)}
    for result in results.values():
        assert result["reproducible"] is True

    # The accounts: workers 3 online + 1 proxy holder + 1 hand for, 1 against on a phone;
    # customers 5 phones + 2 proxies + 1 hand for, 1 hand against; investors 2 hands against.
    (check,) = results[accounts]["decision"]["checks"]
    classes = {c["name"]: c for c in check["weighted"]["classes"]}
    assert (classes["Workers"]["for"], classes["Workers"]["against"]) == (5, 1)
    assert (classes["Customers"]["for"], classes["Customers"]["against"]) == (8, 1)
    assert (classes["Investors"]["for"], classes["Investors"]["against"]) == (0, 2)
    expected = Fraction(1, 2) * Fraction(5, 6) + Fraction(2, 5) * Fraction(8, 9) + 0
    assert Fraction(check["share_for"]) == expected
    assert results[accounts]["passed"] is True

    # The rule change: workers 3 for online, the holder against; customers 5 against on their
    # phones, the chair's proxy directed against, the holder's proxies one directed for and one
    # against at his discretion; investors one for on a phone and one for by proxy.
    (check,) = results[rules]["decision"]["checks"]
    classes = {c["name"]: c for c in check["weighted"]["classes"]}
    assert (classes["Workers"]["for"], classes["Workers"]["against"]) == (3, 1)
    assert (classes["Customers"]["for"], classes["Customers"]["against"]) == (1, 7)
    assert (classes["Investors"]["for"], classes["Investors"]["against"]) == (2, 0)
    assert results[rules]["passed"] is False
    assert any("Weighted share for" in line for line in results[rules]["decision"]["explanation"])

    # The amalgamation is carried at this meeting and must be confirmed at a second one.
    assert results[merger]["passed"] is True
    assert results[merger]["standing"] == "awaiting_follow_up"
    assert results[merger]["decision"]["follow_up"] == "second_meeting_confirmation"
    desk.call(f"/meetings/{agm['id']}/close")

    second = desk.meeting("coop_general", "Second meeting on the amalgamation", timedelta(days=20))
    confirm = desk.motion(
        second["id"],
        "second_meeting_confirmation",
        "The amalgamation be confirmed",
        follows_motion_id=merger,
    )
    again = desk.client.post(
        f"{api(org)}/meetings/{second['id']}/motions",
        json={
            "kind": "second_meeting_confirmation",
            "title": "Again",
            "text": "Again.",
            "follows_motion_id": merger,
        },
    )
    assert again.status_code == 409
    desk.call(f"/motions/{confirm}/open-advance")
    for member, choice in ((workers[0], "for"), (customers[0], "for"), (investors[0], "against")):
        vote(make_client, engine, org, member, confirm, choice)
    assert desk.call(f"/motions/{confirm}/close")["passed"] is True
    final = make_client().get(f"{api(org)}/motions/{merger}/result").json()
    assert final["standing"] == "confirmed"
    page = make_client().get(f"/o/{org.slug}/motions/{merger}/result")
    assert "confirmed by the further vote" in page.text
    actions = audit_actions(db)
    assert actions.count("motion.closed") == 4 and "motion.hands_recorded" in actions


def test_an_ft_amendment_through_council_board_and_the_annual_members_meeting(
    db: Session, make_client: Any, engine: Engine
) -> None:
    org = trust(db)
    public = add_members(db, org, "PUBLIC", 12)
    staff_members = add_members(db, org, "STAFF", 4)
    governors, directors = public[:6], staff_members
    office_holders(db, org, Office.GOVERNOR, governors)
    office_holders(db, org, Office.DIRECTOR, directors)
    desk = Desk(secretary_client(make_client, db, org), org)
    council = desk.meeting(
        "council_of_governors", "Council of governors", timedelta(days=14)
    )  # 5 clear working days even around bank holidays
    changes = {}
    for title in ("The governors' role be widened", "The council meet monthly"):
        changes[title] = desk.motion(
            council["id"], "ft_amendment_governors_role", title, secret=False
        )
        opened = desk.call(f"/motions/{changes[title]}/open-advance")
        assert opened["eligible"] == {"directors": 4, "governors": 6}

    # Both amendments: 4 governors for, 1 against, 1 abstains; 3 directors for, 1 against.
    for motion_id in changes.values():
        for governor, choice in zip(governors, ["for"] * 4 + ["against", "abstain"], strict=True):
            vote(make_client, engine, org, governor, motion_id, choice)
        for director, choice in zip(directors, ["for", "for", "for", "against"], strict=True):
            vote(make_client, engine, org, director, motion_id, choice)
    desk.start(council)
    for motion_id in changes.values():
        result = desk.call(f"/motions/{motion_id}/close")
        assert result["passed"] is True and result["standing"] == "awaiting_follow_up"
        bodies = {
            c["body"]: (c["for"], c["against"], c["abstain"]) for c in result["decision"]["checks"]
        }
        assert bodies == {"governors": (4, 1, 1), "directors": (3, 1, 0)}
        names = make_client().get(f"{api(org)}/motions/{motion_id}/result").json()["named_votes"]
        assert len(names) == 10  # governors and directors are named
    desk.call(f"/meetings/{council['id']}/close")

    amm = desk.meeting("ft_annual_members", "Annual members' meeting", timedelta(days=20))
    approve, refuse = (
        desk.motion(
            amm["id"],
            "ft_amendment_members_approval",
            f"Members approve: {title}",
            follows_motion_id=motion_id,
        )
        for title, motion_id in changes.items()
    )
    for motion_id in (approve, refuse):
        assert desk.call(f"/motions/{motion_id}/open-advance")["eligible"] == {"members": 16}
    for member, choice in zip(
        public[6:], ["for", "for", "for", "against", "abstain", "abstain"], strict=True
    ):
        vote(make_client, engine, org, member, approve, choice)
    for member, choice in zip(
        public[6:], ["for", "for", "against", "against", "abstain", "for"], strict=True
    ):
        vote(make_client, engine, org, member, refuse, choice)  # 3 for, 2 against
    desk.start(amm)
    desk.call(f"/motions/{refuse}/open-poll")
    vote(make_client, engine, org, staff_members[0], refuse, "against")

    approved = desk.call(f"/motions/{approve}/close")
    assert approved["passed"] is True and approved["standing"] == "carried"
    refused = desk.call(f"/motions/{refuse}/close")
    assert refused["passed"] is False and refused["decision"]["checks"][0]["tie"] is True
    assert refused["standing"] == "not_carried"
    standings = {
        title: make_client().get(f"{api(org)}/motions/{motion_id}/result").json()["standing"]
        for title, motion_id in changes.items()
    }
    assert standings == {
        "The governors' role be widened": "confirmed",
        "The council meet monthly": "lapsed",
    }
    page = make_client().get(f"/o/{org.slug}/motions/{changes['The council meet monthly']}/result")
    assert "lapsed when the further vote refused it" in page.text
