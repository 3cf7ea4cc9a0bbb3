"""Members requiring updates from their governors: raising, acknowledging, assigning,
answering, and chasing overdue requests.

A member asks the governors of the constituency they belong to today, and no other; the
request is acknowledged at once by email with the day it is due (``deadlines.py``). Governors
of that constituency, the one it is assigned to, the lead governor and the secretary may
answer it. Answers are published (``public.py``) without the asker's name unless they agreed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from litestar.exceptions import NotFoundException
from sqlmodel import Session, col, select

from governance.accountability import chasing, people
from governance.accountability.access import Staff, local_day
from governance.accountability.deadlines import AnswerRule, Stage
from governance.accountability.models import RequestStatus, UpdateRequest
from governance.accountability.schemas import AnswerIn, RequestIn
from governance.accountability.service import record
from governance.auth import ratelimit
from governance.auth.guards import roles_in
from governance.auth.models import User
from governance.db import utcnow
from governance.errors import Conflict, Invalid, Problem
from governance.mail import queue_mail
from governance.members import configuration
from governance.members.models import Constituency, Member
from governance.members.queries import current_constituencies
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from governance.security import Keys

PER_MEMBER = ratelimit.Limit("update-request:member", 5, 24 * 60 * 60)
PER_IP = ratelimit.Limit("update-request:ip", 30, 60 * 60)
OPEN = (RequestStatus.ACKNOWLEDGED.value, RequestStatus.ASSIGNED.value)


def answer_rule(organisation: Organisation) -> AnswerRule:
    constitution = organisation.constitution
    return AnswerRule(
        working_days=constitution.update_request_working_days,
        escalate_after=constitution.update_request_escalation_working_days,
    )


def constituency_of(session: Session, member: Member, day: date) -> Constituency | None:
    (found,) = current_constituencies(session, [member], day)
    return found


def _check_constituency(
    session: Session, organisation: Organisation, member: Member, asked: str | None, day: date
) -> Constituency:
    own = constituency_of(session, member, day) if member.active else None
    if own is None:
        raise Problem(403, "not-a-member", "Only current members can ask their governors.")
    if asked:
        wanted = configuration.by_code(session, organisation.id or 0, asked)
        if wanted is None or wanted.id not in people.constituency_family(session, own.id or 0):
            raise Problem(
                403,
                "not-your-constituency",
                "You can ask the governors of your own constituency only.",
            )
    return own


def raise_request(
    session: Session,
    keys: Keys,
    organisation: Organisation,
    member: Member,
    data: RequestIn,
    *,
    ip: str,
    base_url: str,
) -> UpdateRequest:
    """Record a member's request, acknowledge it and tell the constituency's governors."""
    assert organisation.id is not None and member.id is not None
    actor = f"member:{member.id}"
    ratelimit.enforce(session, keys, PER_IP, ip, actor=actor, detail={"limit": "update-request"})
    ratelimit.enforce(session, keys, PER_MEMBER, str(member.id), actor=actor)
    now = utcnow()
    today = local_day(organisation, now)
    constituency = _check_constituency(session, organisation, member, data.constituency, today)
    assert constituency.id is not None
    request = UpdateRequest(
        organisation_id=organisation.id,
        member_id=member.id,
        constituency_id=constituency.id,
        kind=data.kind,
        subject=data.subject,
        body=data.body,
        name_published=data.name_published,
        received_at=now,
        received_on=today,
        due_on=answer_rule(organisation).due_on(today),
    )
    session.add(request)
    session.flush()
    link = f"{base_url}/o/{organisation.slug}/my-requests"
    if member.email:
        queue_mail(
            session,
            to=member.email,
            subject=f"Your question to the governors of {organisation.name}",
            text=(
                f"Hello {member.first_name},\n\nThe governors for {constituency.name} have "
                f'received your question "{data.subject}" (reference R{request.id}). They '
                f"will answer by {request.due_on:%A %-d %B %Y}.\n\nYou can follow it here:\n"
                f"{link}\n"
            ),
            organisation_id=organisation.id,
            purpose="update-request-acknowledged",
        )
    staff_link = f"{base_url}/o/{organisation.slug}/accountability/requests/{request.id}"
    for user in people.governor_users(session, organisation.id, today, constituency.id):
        queue_mail(
            session,
            to=user.email,
            subject=f"A member of {constituency.name} has asked the governors",
            text=(
                f"Hello {user.name},\n\nA member of {constituency.name} has asked: "
                f'"{data.subject}". It is due to be answered by '
                f"{request.due_on:%A %-d %B %Y}.\n\n{staff_link}\n"
            ),
            organisation_id=organisation.id,
            purpose="update-request-received",
        )
    record(
        session, organisation, actor, "request_raised", request,
        constituency_id=constituency.id, due_on=request.due_on,
    )  # fmt: skip
    session.commit()
    return request


def requests(
    session: Session,
    organisation: Organisation,
    *,
    statuses: Iterable[str] = (),
    member_id: int | None = None,
) -> list[UpdateRequest]:
    query = select(UpdateRequest).where(UpdateRequest.organisation_id == organisation.id)
    wanted = list(statuses)
    if wanted:
        query = query.where(col(UpdateRequest.status).in_(wanted))
    if member_id is not None:
        query = query.where(UpdateRequest.member_id == member_id)
    return list(
        session.exec(query.order_by(col(UpdateRequest.due_on), col(UpdateRequest.id))).all()
    )


def may_answer(session: Session, who: Staff, request: UpdateRequest) -> bool:
    """The secretary, the lead governor, the assignee or a governor of the constituency."""
    user_id = who.user.id or 0
    if who.is_secretary or request.assigned_user_id == user_id:
        return True
    lead = people.lead_governor(session, who.organisation.id or 0)
    if lead is not None and lead.user_id == user_id:
        return True
    return who.is_governor and people.represents(
        session,
        who.organisation.id or 0,
        user_id,
        request.constituency_id,
        local_day(who.organisation),
    )


def assign(session: Session, who: Staff, request: UpdateRequest, user_id: int) -> UpdateRequest:
    """Give the request to one governor (or the secretary) to answer."""
    organisation = who.organisation
    assert organisation.id is not None
    if request.status not in OPEN:
        raise Conflict("request-closed", "This request has been answered or withdrawn.")
    if not may_answer(session, who, request):
        raise NotFoundException()
    assignee = session.get(User, user_id)
    if assignee is None or not roles_in(session, assignee, organisation.id) & {
        Role.GOVERNOR,
        Role.SECRETARY,
    }:
        raise Invalid("not-a-governor", "Assign the request to a governor or the secretary.")
    request.assigned_user_id = user_id
    request.assigned_at = utcnow()
    request.status = RequestStatus.ASSIGNED
    session.add(request)
    record(session, organisation, who.actor, "request_assigned", request, to=f"user:{user_id}")
    session.commit()
    return request


def answer(
    session: Session, who: Staff, request: UpdateRequest, data: AnswerIn, *, base_url: str
) -> UpdateRequest:
    organisation = who.organisation
    if request.status not in OPEN:
        raise Conflict("request-closed", "This request has been answered or withdrawn.")
    if not may_answer(session, who, request):
        raise NotFoundException()
    if not data.publish and not data.withheld_reason:
        raise Invalid("reason-needed", "Say why the answer is not to be published.")
    now = utcnow()
    request.answer = data.answer
    request.answered_at = now
    request.answered_on = local_day(organisation, now)
    request.answered_by = who.actor
    request.answered_by_name = who.user.name
    request.withheld_reason = None if data.publish else data.withheld_reason
    request.status = RequestStatus.ANSWERED
    session.add(request)
    member = session.get(Member, request.member_id)
    if member is not None and member.email:
        queue_mail(
            session,
            to=member.email,
            subject=f"The governors' answer: {request.subject}",
            text=(
                f"Hello {member.first_name},\n\n{who.user.name} has answered your question "
                f'"{request.subject}" (reference R{request.id}):\n\n{data.answer}\n\n'
                f"{base_url}/o/{organisation.slug}/my-requests\n"
            ),
            organisation_id=organisation.id,
            purpose="update-request-answered",
        )
    record(
        session, organisation, who.actor, "request_answered", request,
        published=data.publish, overdue=request.answered_on > request.due_on,
    )  # fmt: skip
    session.commit()
    return request


def withdraw(
    session: Session, organisation: Organisation, member: Member, request: UpdateRequest
) -> None:
    if request.member_id != member.id:
        raise NotFoundException()
    if request.status not in OPEN:
        raise Conflict("request-closed", "This request has been answered or withdrawn.")
    request.status = RequestStatus.WITHDRAWN
    session.add(request)
    record(session, organisation, f"member:{member.id}", "request_withdrawn", request)
    session.commit()


def chase(session: Session, organisation: Organisation, *, base_url: str) -> int:
    """Remind the governors of overdue requests, then escalate to the lead governor and the
    secretary; each stage once per request. Returns the number of stages sent."""
    assert organisation.id is not None
    rule = answer_rule(organisation)
    today = local_day(organisation)
    sent = 0
    for request in requests(session, organisation, statuses=OPEN):
        if request.due_on >= today:
            continue
        for stage in rule.stages_due(request.due_on, today):
            recipients = _recipients(session, organisation, request, stage, today)
            if not chasing.claim(
                session,
                organisation_id=organisation.id,
                subject="update_request",
                subject_id=request.id or 0,
                stage=stage.value,
                recipients=len(recipients),
            ):
                continue
            _send(session, organisation, request, stage, recipients=recipients, base_url=base_url)
            if stage is Stage.ESCALATION:
                request.escalated_at = utcnow()
                session.add(request)
            record(
                session, organisation, "system", f"request_{stage.value}", request,
                recipients=len(recipients),
            )  # fmt: skip
            sent += 1
        session.commit()
    return sent


def _recipients(
    session: Session, organisation: Organisation, request: UpdateRequest, stage: Stage, day: date
) -> list[User]:
    organisation_id = organisation.id or 0
    if stage is Stage.REMINDER:
        found = people.governor_users(session, organisation_id, day, request.constituency_id)
        if request.assigned_user_id:
            assignee = session.get(User, request.assigned_user_id)
            found += [assignee] if assignee is not None else []
    else:
        found = people.lead_users(session, organisation_id) + people.users_with_role(
            session, organisation_id, Role.SECRETARY
        )
    unique: dict[int, User] = {u.id or 0: u for u in found}
    return list(unique.values())


def _send(
    session: Session,
    organisation: Organisation,
    request: UpdateRequest,
    stage: Stage,
    *,
    recipients: list[User],
    base_url: str,
) -> None:
    link = f"{base_url}/o/{organisation.slug}/accountability/requests/{request.id}"
    if stage is Stage.REMINDER:
        subject = f'Overdue: a member\'s question "{request.subject}"'
        lead = "was due to be answered"
    else:
        subject = f'Escalated: a member\'s question "{request.subject}" is overdue'
        lead = "is overdue and has been escalated to you; it was due"
    for user in recipients:
        queue_mail(
            session,
            to=user.email,
            subject=subject,
            text=(
                f'Hello {user.name},\n\nThe question "{request.subject}" (reference '
                f"R{request.id}) {lead} by {request.due_on:%A %-d %B %Y} and has not been "
                f"answered.\n\n{link}\n"
            ),
            organisation_id=organisation.id,
            purpose=f"update-request-{stage.value}",
        )
