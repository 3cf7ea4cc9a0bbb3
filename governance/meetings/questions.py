"""Members' questions before a meeting, and their answers.

A member may ask while the meeting is called and its deadline has not passed; each member's
questions are rate-limited. Staff answer at or after the meeting, or rule a question out of
order with a reason. An answer is published when staff choose; the asker is named only if they
agreed when asking.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from governance import audit
from governance.auth.ratelimit import Limit, enforce
from governance.db import utcnow
from governance.errors import Conflict, Invalid
from governance.meetings.kinds import MeetingStatus, QuestionStatus
from governance.meetings.models import Meeting, Question
from governance.members.models import Member, MemberStatus
from governance.organisations.models import Organisation
from governance.security import Keys
from governance.web.forms import MAX_ID

QUESTIONS_PER_MEMBER = Limit("meeting-question:member", 5, 60 * 60)


def questions_open(meeting: Meeting) -> bool:
    deadline = meeting.questions_deadline
    return meeting.status == MeetingStatus.CALLED and deadline is not None and utcnow() < deadline


def question_of(session: Session, meeting: Meeting, question_id: int) -> Question:
    question = session.get(Question, question_id) if 1 <= question_id <= MAX_ID else None
    if question is None or question.meeting_id != meeting.id:
        raise Invalid("no-such-question", "There is no such question for this meeting.")
    return question


def questions_of(
    session: Session, meeting: Meeting, *, published_only: bool = False
) -> list[Question]:
    query = select(Question).where(Question.meeting_id == meeting.id)
    if published_only:
        query = query.where(col(Question.published_at).is_not(None))
    return list(session.exec(query.order_by(col(Question.submitted_at), col(Question.id))).all())


def asked_by(session: Session, meeting: Meeting, member: Member) -> list[Question]:
    return list(
        session.exec(
            select(Question)
            .where(Question.meeting_id == meeting.id, Question.member_id == member.id)
            .order_by(col(Question.id))
        ).all()
    )


def submit(
    session: Session,
    keys: Keys,
    organisation: Organisation,
    meeting: Meeting,
    member: Member,
    *,
    text: str,
    name_published: bool,
) -> Question:
    """Record a member's question (commits). Refused after the deadline, or for anyone who is
    not an active member of the organisation; nothing is written then."""
    if member.organisation_id != organisation.id or member.status != MemberStatus.ACTIVE:
        raise Invalid("not-a-member", "Only members can ask questions.")
    if meeting.questions_deadline is None:
        raise Conflict("questions-not-invited", "This meeting does not take questions in advance.")
    if not questions_open(meeting):
        raise Conflict("questions-closed", "The deadline for questions to this meeting has passed.")
    actor = f"member:{member.id}"
    enforce(session, keys, QUESTIONS_PER_MEMBER, str(member.id), actor=actor)
    question = Question(
        meeting_id=meeting.id or 0,
        member_id=member.id or 0,
        text=text,
        name_published=name_published,
    )
    session.add(question)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="meeting.question_submitted",
        organisation_id=organisation.id,
        object_type="meeting_question",
        object_id=question.id,
        detail={"meeting_id": meeting.id},
    )
    session.commit()
    return question


def _record(
    session: Session,
    organisation: Organisation,
    question: Question,
    action: str,
    actor: str,
    **detail: object,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"meeting.question_{action}",
        organisation_id=organisation.id,
        object_type="meeting_question",
        object_id=question.id,
        detail={"meeting_id": question.meeting_id, **detail},
    )


def answer(
    session: Session,
    organisation: Organisation,
    question: Question,
    *,
    text: str,
    publish: bool,
    actor: str,
) -> Question:
    if question.status == QuestionStatus.REJECTED:
        raise Conflict("question-rejected", "A question ruled out of order cannot be answered.")
    now = utcnow()
    question.answer = text
    question.status = QuestionStatus.ANSWERED
    question.answered_at = now
    question.answered_by = actor
    if publish:
        question.published_at = question.published_at or now
    session.add(question)
    _record(session, organisation, question, "answered", actor, published=publish)
    session.commit()
    return question


def reject(
    session: Session, organisation: Organisation, question: Question, *, reason: str, actor: str
) -> Question:
    if question.status != QuestionStatus.SUBMITTED:
        raise Conflict("question-decided", "Only a question not yet answered can be ruled out.")
    question.status = QuestionStatus.REJECTED
    question.answer = reason
    question.answered_at = utcnow()
    question.answered_by = actor
    session.add(question)
    _record(session, organisation, question, "rejected", actor, reason=reason)
    session.commit()
    return question


def publish(
    session: Session, organisation: Organisation, question: Question, *, actor: str
) -> Question:
    if question.status != QuestionStatus.ANSWERED:
        raise Conflict("not-answered", "Only an answered question can be published.")
    if question.published_at is not None:
        return question
    question.published_at = utcnow()
    session.add(question)
    _record(session, organisation, question, "published", actor)
    session.commit()
    return question
