"""Private fields never reach a public page or feed.

The test seeds everything that must stay private (askers who did not agree to be named, emails,
addresses, unpublished and withheld answers, open questions, drafts, private responses, the
detail of eligibility declarations, staff accounts) beside what must be published, then reads
every public page and every list as JSON, CSV and Atom, and looks for each private string.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from xml.etree import ElementTree

from sqlmodel import Session

from governance.accountability import consultations, governors, service, update_requests
from governance.accountability.access import Staff
from governance.accountability.models import DeclarationKind
from governance.accountability.public import LISTINGS
from governance.accountability.schemas import (
    AnswerIn,
    ConsultationIn,
    DecisionIn,
    DecisionPublishIn,
    DeclarationIn,
    PlanIn,
    RequestIn,
    ResponseIn,
    TakenIn,
    ViewsIn,
    VoteIn,
)
from governance.organisations.constitution import Role
from tests.accountability.support import governor, local, member_in, set_clock, trust
from tests.factories import KEYS, make_org, make_user

PRIVATE = [
    "zebedee",  # an asker who did not agree to be named (first name, any case)
    "Privatename",
    "secret.asker@example.org",
    "1 Hidden Lane",
    "07700 900123",
    "LS99 9ZZ",
    "gwen.governor@example.org",  # a governor's staff account
    "sec@example.org",
    "OPEN-QUESTION-TEXT",
    "WITHHELD-ANSWER-TEXT",
    "names a patient",  # the reason an answer was withheld
    "DRAFT-DECISION-TITLE",
    "DRAFT-PLAN-TITLE",
    "DRAFT-PLAN-VIEWS",
    "PRIVATE-RESPONSE-TEXT",
    "Rhoda",  # a member who responded to a consultation
    "ELIGIBILITY-PRIVATE-DETAIL",
    "M00001",  # the asker's membership number
]
PUBLIC = [
    "PUBLISHED-ANSWER-TEXT",
    "Yolanda Consenting",
    "KEY-DECISION-TAKEN",
    "KEY-DECISION-UPCOMING",
    "Ann Archer",
    "SHARED-RESPONSE-TEXT",
    "Trustee of the food bank",
]


def seed(db: Session) -> Any:
    org = trust(db)
    set_clock(local(date(2025, 4, 14)))
    zebedee = member_in(
        db,
        org,
        "NORTH",
        first="Zebedee",
        last="Privatename",
        email="secret.asker@example.org",
        reference="M00001",
    )
    zebedee.address_line1, zebedee.phone, zebedee.postcode = (
        "1 Hidden Lane",
        "07700 900123",
        "LS99 9ZZ",
    )
    db.add(zebedee)
    db.commit()
    yolanda = member_in(db, org, "NORTH", first="Yolanda", last="Consenting")
    rhoda = member_in(db, org, "NORTH", first="Rhoda", last="Responder")
    sharer = member_in(db, org, "NORTH", first="Sharon", last="Sharer")
    gwen, gwen_user, _ = governor(db, org, "NORTH", first="Gwen", last="Governor")
    assert gwen_user is not None
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]})
    sec = Staff(org, secretary, frozenset({Role.SECRETARY}))
    gov = Staff(org, gwen_user, frozenset({Role.GOVERNOR}))

    def ask(member: Any, body: str, named: bool = False) -> Any:
        data = RequestIn(subject=f"About {body}", body=body, name_published=named)
        return update_requests.raise_request(
            db, KEYS, org, member, data, ip="192.0.2.1", base_url="http://x.test"
        )

    answered = ask(zebedee, "A private question")
    update_requests.answer(
        db, gov, answered, AnswerIn(answer="PUBLISHED-ANSWER-TEXT"), base_url="x"
    )
    named = ask(yolanda, "A named question", named=True)
    update_requests.answer(db, gov, named, AnswerIn(answer="Also answered."), base_url="x")
    withheld = ask(zebedee, "Another question")
    update_requests.answer(
        db,
        gov,
        withheld,
        AnswerIn(
            answer="WITHHELD-ANSWER-TEXT", publish=False, withheld_reason="It names a patient."
        ),
        base_url="x",
    )
    ask(zebedee, "OPEN-QUESTION-TEXT")

    service.create_decision(
        db,
        org,
        DecisionIn(
            title="DRAFT-DECISION-TITLE", decision_maker="Board", decision_date=date(2025, 9, 1)
        ),
        actor=sec.actor,
    )
    upcoming = service.create_decision(
        db,
        org,
        DecisionIn(
            title="KEY-DECISION-UPCOMING", decision_maker="Board", decision_date=date(2025, 9, 1)
        ),
        actor=sec.actor,
    )
    service.publish_decision(db, org, upcoming, DecisionPublishIn(), actor=sec.actor)
    taken = service.create_decision(
        db,
        org,
        DecisionIn(
            title="KEY-DECISION-TAKEN", decision_maker="Council", decision_date=date(2025, 4, 14)
        ),
        actor=sec.actor,
    )
    service.take_decision(
        db,
        org,
        taken,
        TakenIn(
            taken_on=date(2025, 4, 14),
            outcome="Agreed",
            votes=[VoteIn(name="Ann Archer", role="governor", vote="for")],
        ),
        actor=sec.actor,
    )
    plan = service.create_plan(db, org, PlanIn(year=2026, title="DRAFT-PLAN-TITLE"), actor="u")
    service.record_views(
        db,
        org,
        plan,
        ViewsIn(governors_views="DRAFT-PLAN-VIEWS", gathered_on=date(2025, 4, 1)),
        actor="u",
    )

    consultation = consultations.open_consultation(
        db,
        gov,
        ConsultationIn(
            title="Opening hours",
            question="Should we open later?",
            closes_on=date(2025, 5, 30),
            constituencies=["NORTH"],
        ),
    )
    consultations.respond(
        db, KEYS, org, consultation, member=rhoda, data=ResponseIn(body="PRIVATE-RESPONSE-TEXT")
    )
    consultations.respond(
        db,
        KEYS,
        org,
        consultation,
        member=sharer,
        data=ResponseIn(body="SHARED-RESPONSE-TEXT", publish_text=True),
    )

    for kind, content in (
        (DeclarationKind.INTERESTS, "Trustee of the food bank"),
        (DeclarationKind.ELIGIBILITY, "ELIGIBILITY-PRIVATE-DETAIL"),
    ):
        governors.add_declaration(
            db,
            sec,
            DeclarationIn(
                member=gwen.reference, kind=kind, content=content, declared_on=date(2025, 4, 1)
            ),
        )
    return org, consultation


def public_urls(slug: str, consultation_id: int) -> list[str]:
    base = f"/o/{slug}/transparency"
    urls = [
        base,
        f"{base}/health/2025",
        f"{base}/health/2025.csv",
        f"{base}/annual-report/2025",
        f"/o/{slug}/consultations/{consultation_id}",
    ]
    for name in LISTINGS:
        urls += [
            f"{base}/{name}",
            f"{base}/{name}.json",
            f"{base}/{name}.csv",
            f"{base}/{name}.atom",
        ]
    return urls


def test_private_fields_reach_no_public_page_or_feed(db: Session, make_client: Any) -> None:
    org, consultation = seed(db)
    client = make_client()
    seen: list[str] = []
    for url in public_urls(org.slug, consultation.id):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.text
        for secret in PRIVATE:
            assert secret.lower() not in text.lower(), f"{secret!r} leaked on {url}"
        seen.append(text)
    everything = "\n".join(seen)
    for shown in PUBLIC:
        assert shown in everything, f"{shown!r} should be public"


def test_each_organisation_publishes_only_its_own(db: Session, make_client: Any) -> None:
    org, _ = seed(db)
    other = make_org(db, "other-trust")
    client = make_client()
    for name in LISTINGS:
        text = client.get(f"/o/{other.slug}/transparency/{name}.json").text
        for shown in PUBLIC:
            assert shown not in text, (name, shown)
    assert client.get(f"/o/{org.slug}/transparency/nothing.json").status_code == 404
    assert client.get(f"/o/{org.slug}/transparency/requests.xml").status_code == 404


def test_public_rows_carry_only_their_lists_fields(db: Session) -> None:
    org, _ = seed(db)
    for listing in LISTINGS.values():
        for row in listing.rows(db, org):
            assert tuple(row) == listing.keys, listing.name


def test_every_feed_is_valid_atom_with_ids_and_times(db: Session, make_client: Any) -> None:
    org, _ = seed(db)
    client = make_client()
    atom = "{http://www.w3.org/2005/Atom}"
    for name in LISTINGS:
        response = client.get(f"/o/{org.slug}/transparency/{name}.atom")
        assert response.headers["content-type"].startswith("application/atom+xml")
        root = ElementTree.fromstring(response.content)
        entries = root.findall(f"{atom}entry")
        ids = [e.findtext(f"{atom}id") for e in entries]
        assert len(set(ids)) == len(ids) and all(ids), name
        assert all(e.findtext(f"{atom}updated") for e in entries), name
        listed = client.get(f"/o/{org.slug}/transparency/{name}.json").json()
        assert listed["count"] == len(entries) == len(listed["items"]), name
