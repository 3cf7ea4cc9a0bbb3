"""Staff of an organisation: granting and revoking roles, invitations, first passwords.

Callers authorise first (a secretary of the organisation, or a platform admin); these functions
enforce the rules about roles themselves. The returning officer must be independent of the
organisation (RULES.md: not a member, employee or director), so that role is recorded on a staff
account holding no other role there, and never alongside a member record with the same email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, update
from sqlmodel import Session, col, select

from governance import audit
from governance.auth import passwords, sessions
from governance.auth.models import RoleAssignment, StaffInvitation, User
from governance.auth.service import AccountError, actor_of, add_user, valid_email
from governance.db import utcnow
from governance.mail import queue_mail
from governance.members.models import Member
from governance.organisations.constitution import ROLES_NEEDING_TOTP, Role
from governance.organisations.models import Organisation
from governance.security import Keys, new_token
from governance.settings import Settings

INVITATION_LIFETIME = timedelta(days=7)
LINK_INVALID = "This link has expired or has already been used. Ask for a new invitation"


@dataclass(frozen=True)
class Person:
    """A staff account and the roles it holds in one organisation."""

    user: User
    assignments: list[RoleAssignment]


def people(session: Session, organisation: Organisation) -> list[Person]:
    rows = session.exec(
        select(RoleAssignment, User)
        .join(User, col(User.id) == col(RoleAssignment.user_id))
        .where(RoleAssignment.organisation_id == organisation.id)
        .order_by(col(User.name), col(User.id), col(RoleAssignment.role))
    ).all()
    grouped: dict[int, Person] = {}
    for assignment, user in rows:
        assert user.id is not None
        grouped.setdefault(user.id, Person(user, [])).assignments.append(assignment)
    return list(grouped.values())


def assignment_in(
    session: Session, organisation: Organisation, assignment_id: int
) -> RoleAssignment:
    """A role assignment of this organisation; any other id is "not found"."""
    assignment = session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.organisation_id != organisation.id:
        raise AccountError("There is no such role assignment", slug="not-found", status=404)
    return assignment


def staff_member(session: Session, organisation: Organisation, user_id: int) -> User:
    """A user who holds some role in this organisation; anyone else is "not found"."""
    held = session.exec(
        select(RoleAssignment.id).where(
            RoleAssignment.organisation_id == organisation.id, RoleAssignment.user_id == user_id
        )
    ).first()
    user = session.get(User, user_id) if held is not None else None
    if user is None:
        raise AccountError("There is no such person here", slug="not-found", status=404)
    return user


def _roles_held(session: Session, organisation: Organisation, user: User) -> set[str]:
    return set(
        session.exec(
            select(RoleAssignment.role).where(
                RoleAssignment.organisation_id == organisation.id,
                RoleAssignment.user_id == user.id,
            )
        ).all()
    )


def _check_independence(
    session: Session, organisation: Organisation, user: User, role: Role, held: set[str]
) -> None:
    if role is Role.RETURNING_OFFICER:
        if held - {Role.RETURNING_OFFICER}:
            raise AccountError(
                "The returning officer must be independent: this person already holds another "
                "role in the organisation",
                field="role",
                slug="returning-officer-independence",
            )
        is_member = session.exec(
            select(Member.id).where(
                Member.organisation_id == organisation.id,
                func.lower(Member.email) == user.email,
            )
        ).first()
        if is_member is not None:
            raise AccountError(
                "The returning officer must be independent: this person is a member",
                field="role",
                slug="returning-officer-independence",
            )
    elif Role.RETURNING_OFFICER in held:
        raise AccountError(
            "This person is the returning officer, who must hold no other role here",
            field="role",
            slug="returning-officer-independence",
        )


def _grant(
    session: Session, organisation: Organisation, user: User, role: Role, actor: User
) -> RoleAssignment:
    held = _roles_held(session, organisation, user)
    if role in held:
        raise AccountError(
            "This person already holds that role", field="role", slug="role-held", status=409
        )
    _check_independence(session, organisation, user, role, held)
    assert user.id is not None and organisation.id is not None
    assignment = RoleAssignment(user_id=user.id, organisation_id=organisation.id, role=role.value)
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        actor=actor_of(actor),
        action="auth.role_change",
        organisation_id=organisation.id,
        object_type="role_assignment",
        object_id=assignment.id,
        detail={"change": "grant", "user_id": user.id, "role": role.value},
    )
    if role in ROLES_NEEDING_TOTP and not user.totp_enabled:
        # Their current sessions were made without a second factor, which the role now needs.
        sessions.end_all_for_user(session, user.id)
    return assignment


def _check_grantable(session: Session, organisation: Organisation, user: User, role: Role) -> None:
    """Refuse now what granting would refuse later (a role held, the officer's independence)."""
    held = _roles_held(session, organisation, user)
    if role in held:
        raise AccountError(
            "This person already holds that role", field="role", slug="role-held", status=409
        )
    _check_independence(session, organisation, user, role, held)


def grant_role(
    session: Session, *, organisation: Organisation, user: User, role: Role, actor: User
) -> RoleAssignment:
    try:
        assignment = _grant(session, organisation, user, role, actor)
    except AccountError:
        session.rollback()
        raise
    session.commit()
    return assignment


def revoke_role(
    session: Session, *, organisation: Organisation, assignment_id: int, actor: User
) -> RoleAssignment:
    assignment = assignment_in(session, organisation, assignment_id)
    if assignment.role == Role.SECRETARY:
        secretaries = session.exec(
            select(func.count())
            .select_from(RoleAssignment)
            .where(
                RoleAssignment.organisation_id == organisation.id,
                RoleAssignment.role == Role.SECRETARY.value,
            )
        ).one()
        if secretaries <= 1:
            raise AccountError(
                "This is the organisation's only secretary. Give someone else the secretary "
                "role first",
                slug="last-secretary",
                status=409,
            )
    if (
        assignment.user_id == actor.id
        and assignment.role == Role.SECRETARY
        and not actor.is_platform_admin
    ):
        raise AccountError(
            "You cannot remove your own secretary role; ask another secretary",
            slug="own-secretary-role",
            status=409,
        )
    session.delete(assignment)
    audit.record(
        session,
        actor=actor_of(actor),
        action="auth.role_change",
        organisation_id=organisation.id,
        object_type="role_assignment",
        object_id=assignment.id,
        detail={"change": "revoke", "user_id": assignment.user_id, "role": assignment.role},
    )
    session.commit()
    return assignment


def invite(
    session: Session,
    keys: Keys,
    settings: Settings,
    *,
    organisation: Organisation,
    inviter: User,
    email: str,
    name: str,
    role: Role,
    now: datetime | None = None,
) -> User:
    """Invite the person with ``email`` to ``role``, creating their account if there is none.

    A new account (or one whose invitation was never taken up) gets the role and a single-use
    link to set a password; an existing account is only offered the role, by a link its owner
    must open signed in and accept, so no organisation can put roles on another's staff.
    """
    try:
        user = _invite(
            session,
            keys,
            settings,
            organisation=organisation,
            inviter=inviter,
            email=email,
            name=name,
            role=role,
            now=now or utcnow(),
        )
    except AccountError:
        session.rollback()
        raise
    session.commit()
    return user


def _invite(
    session: Session,
    keys: Keys,
    settings: Settings,
    *,
    organisation: Organisation,
    inviter: User,
    email: str,
    name: str,
    role: Role,
    now: datetime,
) -> User:
    address = valid_email(email)
    user = session.exec(select(User).where(User.email == address)).first()
    if user is None:
        user = add_user(session, email=address, name=name, password=None, actor=actor_of(inviter))
    needs_password = user.password_hash == passwords.UNUSABLE
    if needs_password and role.value not in _roles_held(session, organisation, user):
        _grant(session, organisation, user, role, inviter)
    elif not needs_password:
        _check_grantable(session, organisation, user, role)
    audit.record(
        session,
        actor=actor_of(inviter),
        action="auth.staff_invited",
        organisation_id=organisation.id,
        object_type="user",
        object_id=user.id,
        detail={
            "role": role.value,
            "new_account": needs_password,
            "awaiting_acceptance": not needs_password,
        },
    )
    if needs_password:
        _send_invitation(
            session,
            keys,
            settings=settings,
            organisation=organisation,
            user=user,
            role=role,
            now=now,
        )
    else:
        # An existing account belongs to someone who may work for other organisations: the
        # role is only offered, and granted when they accept it signed in as themselves.
        token = _new_invitation(session, keys, organisation, user, now, role=role)
        queue_mail(
            session,
            to=user.email,
            subject=f"You are invited to be {role.label.lower()} for {organisation.name}",
            text=(
                f"Hello,\n\n{inviter.name} has invited you to be {role.label.lower()} for "
                f"{organisation.name}.\nTo accept, open this link and sign in with your "
                f"existing account (it works once, for 7 days):\n\n"
                f"{settings.base_url}/invitation/{token}\n\n"
                "If you do not want the role, ignore this email: nothing changes until you "
                "accept.\n"
            ),
            organisation_id=organisation.id,
            purpose="staff-role-offer",
        )
    return user


def _new_invitation(
    session: Session,
    keys: Keys,
    organisation: Organisation,
    user: User,
    now: datetime,
    *,
    role: Role | None = None,
) -> str:
    """A fresh single-use link for ``user`` in this organisation (replacing an unused one)."""
    assert user.id is not None
    session.execute(
        delete(StaffInvitation).where(
            col(StaffInvitation.user_id) == user.id,
            col(StaffInvitation.organisation_id) == organisation.id,
            col(StaffInvitation.used_at).is_(None),
            col(StaffInvitation.role).is_(None)
            if role is None
            else col(StaffInvitation.role) == role.value,
        )
    )
    token = new_token()
    session.add(
        StaffInvitation(
            token_hmac=keys.token_hmac(token, "invitation"),
            user_id=user.id,
            organisation_id=organisation.id,
            role=role.value if role else None,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
    )
    return token


def pending_offers(session: Session, organisation: Organisation) -> list[tuple[str, str]]:
    """(email, role) of each role offered to an existing account and not yet accepted."""
    now = utcnow()
    rows = session.exec(
        select(User.email, StaffInvitation.role)
        .join(User, col(User.id) == col(StaffInvitation.user_id))
        .where(
            StaffInvitation.organisation_id == organisation.id,
            col(StaffInvitation.role).is_not(None),
            col(StaffInvitation.used_at).is_(None),
            col(StaffInvitation.expires_at) > now,
        )
        .order_by(col(User.email))
    ).all()
    return [(email, str(role)) for email, role in rows]


def accept_offer(
    session: Session, keys: Keys, *, token: str, user: User, now: datetime | None = None
) -> tuple[Organisation, RoleAssignment]:
    """The signed-in ``user`` accepts the role offered to them by ``token``."""
    now = now or utcnow()
    invitation = find_invitation(session, keys, token, now=now)
    if invitation is None or invitation.role is None or invitation.user_id != user.id:
        raise AccountError(LINK_INVALID, slug="link-invalid", status=410)
    organisation = session.get(Organisation, invitation.organisation_id)
    account = session.get(User, user.id)
    if organisation is None or account is None:
        raise AccountError(LINK_INVALID, slug="link-invalid", status=410)
    _spend(session, invitation, now)
    try:
        assignment = _grant(session, organisation, account, Role(invitation.role), account)
    except AccountError:
        session.rollback()
        raise
    audit.record(
        session,
        actor=actor_of(account),
        action="auth.role_offer_accepted",
        organisation_id=organisation.id,
        object_type="user",
        object_id=account.id,
        detail={"role": invitation.role},
    )
    session.commit()
    return organisation, assignment


def _send_invitation(
    session: Session,
    keys: Keys,
    *,
    settings: Settings,
    organisation: Organisation,
    user: User,
    role: Role,
    now: datetime,
) -> None:
    token = _new_invitation(session, keys, organisation, user, now)
    queue_mail(
        session,
        to=user.email,
        subject=f"Set up your account for {organisation.name}",
        text=(
            f"Hello {user.name},\n\nYou have been invited to be {role.label.lower()} for "
            f"{organisation.name}.\nChoose a password here (the link works once, for 7 days):\n\n"
            f"{settings.base_url}/invitation/{token}\n\n"
            "If you did not expect this, you can ignore this email.\n"
        ),
        organisation_id=organisation.id,
        purpose="staff-invitation",
        hidden=[token],
        keys=keys,
    )


def _spend(session: Session, invitation: StaffInvitation, now: datetime) -> None:
    """Mark the invitation used, once: a second use (a double submit, a race) is refused."""
    claimed = session.execute(
        update(StaffInvitation)
        .where(col(StaffInvitation.id) == invitation.id, col(StaffInvitation.used_at).is_(None))
        .values(used_at=now)
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        raise AccountError(LINK_INVALID, slug="link-invalid", status=410)


def find_invitation(
    session: Session, keys: Keys, token: str, *, now: datetime | None = None
) -> StaffInvitation | None:
    """The unused, unexpired invitation for ``token``, or None."""
    now = now or utcnow()
    if not token or len(token) > 128:
        return None
    invitation = session.exec(
        select(StaffInvitation).where(
            StaffInvitation.token_hmac == keys.token_hmac(token, "invitation")
        )
    ).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        return None
    return invitation


def accept_invitation(
    session: Session,
    keys: Keys,
    *,
    token: str,
    password: str,
    confirm: str,
    now: datetime | None = None,
) -> User:
    """Set the first password through an invitation link, which then stops working."""
    now = now or utcnow()
    invitation = find_invitation(session, keys, token, now=now)
    user = session.get(User, invitation.user_id) if invitation else None
    if invitation is None or user is None or invitation.role is not None:
        raise AccountError(LINK_INVALID, slug="link-invalid", status=410)
    if problem := passwords.password_problem(password, user.email):
        raise AccountError(problem, field="password")
    if password != confirm:
        raise AccountError("The passwords do not match", field="confirm_password")
    _spend(session, invitation, now)
    user.password_hash = passwords.hash_password(password)
    session.add(user)
    audit.record(
        session,
        actor=actor_of(user),
        action="auth.password_set",
        organisation_id=invitation.organisation_id,
        object_type="user",
        object_id=user.id,
    )
    session.commit()
    return user
