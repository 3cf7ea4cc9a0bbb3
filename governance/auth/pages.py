"""Sign-in and account pages (server-rendered; each form posts back with its CSRF token)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.response import Template
from markupsafe import Markup
from sqlmodel import Session

from governance.auth import magic, service, staff, tokens, totp
from governance.auth.guards import organisation_by_slug, organisations_for, roles_in
from governance.auth.middleware import Identity
from governance.auth.models import User
from governance.auth.schemas import (
    CodeForm,
    MemberSignInForm,
    PasswordChangeForm,
    SetPasswordForm,
    SignInForm,
    TokenForm,
)
from governance.auth.service import AccountError
from governance.auth.sessions import cleared_cookie, cookie
from governance.auth.web import (
    NOTICES,
    client_ip,
    landing_for,
    pending_step,
    presented_session,
    redirect,
    safe_next,
    user_agent,
)
from governance.members.models import Member
from governance.organisations.models import Organisation
from governance.web.forms import FormData, RowId, parse_form, render


def page(template: str, title: str, **kwargs: Any) -> Template:
    return render(f"auth/{template}", title, **kwargs)


# -- sign in -----------------------------------------------------------------------------------


@get("/sign-in", include_in_schema=False, sync_to_thread=True)
def sign_in_page(
    db: Session, identity: Identity, next: str = "", notice: str = ""
) -> Response[Any]:
    if step := pending_step(identity):
        return redirect(step)
    if identity.staff_signed_in and identity.user is not None:
        return redirect(safe_next(next) or landing_for(db, identity.user))
    return page(
        "sign_in.html", "Sign in", next=safe_next(next), email="", notice=NOTICES.get(notice)
    )


@post("/sign-in", include_in_schema=False, sync_to_thread=True)
def sign_in_submit(
    request: Request[Any, Any, Any], db: Session, state: State, data: FormData
) -> Response[Any]:
    form, errors = parse_form(SignInForm, data)
    email = str(data.get("email", ""))[:254]
    next_path = safe_next(str(data.get("next", "")))
    if form is None:
        return page(
            "sign_in.html", "Sign in", status=400, errors=errors, email=email, next=next_path
        )
    try:
        result = service.sign_in_with_password(
            db,
            state["keys"],
            state.settings,
            email=form.email,
            password=form.password,
            ip=client_ip(request),
            replacing=presented_session(request),
            user_agent=user_agent(request),
        )
    except AccountError as error:
        return page(
            "sign_in.html",
            "Sign in",
            status=400,
            errors={error.field or "email": error.message},
            email=email,
            next=next_path,
        )
    session_cookie = cookie(state.settings, result.token, pending=result.step != "done")
    if result.step == "code":
        target = "/sign-in/code" + (f"?next={quote(next_path)}" if next_path else "")
    elif result.step == "enrol":
        target = "/account/two-factor/setup"
    else:
        target = next_path or landing_for(db, result.user)
    return redirect(target, cookies=[session_cookie])


@get("/sign-in/code", include_in_schema=False, sync_to_thread=False)
def code_page(identity: Identity, next: str = "") -> Response[Any]:
    if pending_step(identity) != "/sign-in/code":
        return redirect("/sign-in")
    return page("code.html", "Enter your code", next=safe_next(next))


@post("/sign-in/code", include_in_schema=False, sync_to_thread=True)
def code_submit(
    request: Request[Any, Any, Any], db: Session, identity: Identity, state: State, data: FormData
) -> Response[Any]:
    if pending_step(identity) != "/sign-in/code" or identity.auth_session is None:
        return redirect("/sign-in")
    form, errors = parse_form(CodeForm, data)
    next_path = safe_next(str(data.get("next", "")))
    if form is None:
        return page("code.html", "Enter your code", status=400, errors=errors, next=next_path)
    try:
        token = service.complete_second_factor(
            db,
            state["keys"],
            state.settings,
            auth_session=identity.auth_session,
            code=form.code,
            ip=client_ip(request),
            replacing=presented_session(request),
            user_agent=user_agent(request),
        )
    except AccountError as error:
        if error.status == 401:
            return redirect("/sign-in")
        return page(
            "code.html",
            "Enter your code",
            status=400,
            errors={"code": error.message},
            next=next_path,
        )
    assert identity.user is not None
    target = next_path or landing_for(db, identity.user)
    return redirect(target, cookies=[cookie(state.settings, token)])


@post("/sign-out", include_in_schema=False, sync_to_thread=True)
def sign_out(
    request: Request[Any, Any, Any], db: Session, identity: Identity, state: State
) -> Response[Any]:
    target = "/sign-in?notice=signed-out"
    if identity.member is not None:
        organisation = db.get(Organisation, identity.member.organisation_id)
        target = f"/o/{organisation.slug}" if organisation else "/"
    service.sign_out(db, state["keys"], token=presented_session(request), user=identity.user)
    return redirect(target, cookies=[cleared_cookie(state.settings)])


# -- two-factor set-up -------------------------------------------------------------------------


def _enrolling_user(identity: Identity) -> User | Response[Any]:
    """The user who may see the set-up page, or where to send anyone else."""
    user = identity.user
    if user is None or identity.api_token is not None:
        return redirect("/sign-in")
    if user.totp_enabled:
        return redirect("/account" if identity.staff_signed_in else "/sign-in/code")
    return user


def _setup_page(
    db: Session, state: State, identity: Identity, user: User, *, status: int = 200, **extra: Any
) -> Template:
    secret = service.begin_totp_enrolment(db, state["keys"], user)
    uri = totp.provisioning_uri(secret, user.email)
    return page(
        "setup.html",
        "Set up two-factor sign-in",
        status=status,
        qr=Markup(totp.qr_svg(uri)),  # noqa: S704 - SVG made by segno from our own URI
        secret=totp.grouped(secret),
        forced=not identity.staff_signed_in,
        **extra,
    )


@get("/account/two-factor/setup", include_in_schema=False, sync_to_thread=True)
def setup_page(db: Session, identity: Identity, state: State) -> Response[Any]:
    user = _enrolling_user(identity)
    if isinstance(user, Response):
        return user
    return _setup_page(db, state, identity, user)


@post("/account/two-factor/setup", include_in_schema=False, sync_to_thread=True)
def setup_submit(
    request: Request[Any, Any, Any], db: Session, identity: Identity, state: State, data: FormData
) -> Response[Any]:
    user = _enrolling_user(identity)
    if isinstance(user, Response):
        return user
    form, errors = parse_form(CodeForm, data)
    if form is None:
        return _setup_page(db, state, identity, user, status=400, errors=errors)
    try:
        enrolment = service.confirm_totp_enrolment(
            db,
            state["keys"],
            state.settings,
            user=user,
            code=form.code,
            auth_session=identity.auth_session,
            ip=client_ip(request),
            replacing=presented_session(request),
            user_agent=user_agent(request),
        )
    except AccountError as error:
        return _setup_page(db, state, identity, user, status=400, errors={"code": error.message})
    cookies = [cookie(state.settings, enrolment.token)] if enrolment.token else []
    return page(
        "recovery_codes.html",
        "Your recovery codes",
        cookies=cookies,
        codes=enrolment.recovery_codes,
        continue_to=landing_for(db, user),
    )


# -- account -----------------------------------------------------------------------------------


def _account_user(identity: Identity) -> User | Response[Any]:
    """The signed-in member of staff using a browser, or where to send anyone else."""
    if step := pending_step(identity):
        return redirect(step)
    if identity.user is None or identity.api_token is not None or not identity.staff_signed_in:
        return redirect("/sign-in?next=/account")
    return identity.user


def _account_page(
    db: Session, identity: Identity, user: User, *, status: int = 200, **extra: Any
) -> Template:
    assert user.id is not None
    roles = [
        (organisation, sorted(roles_in(db, user, organisation.id or 0)))
        for organisation in organisations_for(db, user)
    ]
    return page(
        "account.html",
        "Your account",
        status=status,
        user=user,
        roles=roles,
        totp_required=service.totp_required(db, user),
        recovery_left=totp.recovery_codes_left(db, user) if user.totp_enabled else 0,
        api_tokens=tokens.active_tokens(db, user),
        token_organisations={o.id: o.name for o, _ in roles},
        token_scopes=[
            (
                scope,
                "Platform administrator"
                if scope == tokens.ADMIN_SCOPE
                else scope.replace("_", " ").capitalize(),
            )
            for scope in tokens.SCOPES
            if scope != tokens.ADMIN_SCOPE or user.is_platform_admin
        ],
        **extra,
    )


@get("/account", include_in_schema=False, sync_to_thread=True)
def account_page(db: Session, identity: Identity, notice: str = "") -> Response[Any]:
    user = _account_user(identity)
    if isinstance(user, Response):
        return user
    return _account_page(db, identity, user, notice=NOTICES.get(notice))


@post("/account/password", include_in_schema=False, sync_to_thread=True)
def change_password(db: Session, identity: Identity, state: State, data: FormData) -> Response[Any]:
    user = _account_user(identity)
    if isinstance(user, Response):
        return user
    form, errors = parse_form(PasswordChangeForm, data)
    if form is not None:
        try:
            service.change_password(
                db,
                state["keys"],
                user=user,
                current=form.current_password,
                new=form.new_password,
                confirm=form.confirm_password,
                keep_session_id=identity.auth_session.id if identity.auth_session else None,
            )
        except AccountError as error:
            errors = {error.field or "current_password": error.message}
        else:
            return redirect("/account?notice=password-changed")
    return _account_page(db, identity, user, status=400, errors=errors)


def _code_form(data: dict[str, str], field: str) -> tuple[str | None, dict[str, str]]:
    """The code from a one-field form whose input is named ``field``."""
    form, errors = parse_form(CodeForm, {"code": data.get(field, "")})
    if form is None:
        return None, {field: errors.get("code", "Enter the 6-digit code from your app")}
    return form.code, {}


@post("/account/two-factor/disable", include_in_schema=False, sync_to_thread=True)
def disable_two_factor(
    db: Session, identity: Identity, state: State, data: FormData
) -> Response[Any]:
    user = _account_user(identity)
    if isinstance(user, Response):
        return user
    code, errors = _code_form(data, "disable_code")
    if code is not None:
        try:
            service.disable_totp(db, state["keys"], user=user, code=code)
        except AccountError as error:
            errors = {"disable_code": error.message}
        else:
            return redirect("/account?notice=totp-disabled")
    return _account_page(db, identity, user, status=400, errors=errors)


@post("/account/recovery-codes", include_in_schema=False, sync_to_thread=True)
def new_recovery_codes(
    db: Session, identity: Identity, state: State, data: FormData
) -> Response[Any]:
    user = _account_user(identity)
    if isinstance(user, Response):
        return user
    code, errors = _code_form(data, "recovery_code_totp")
    if code is not None:
        try:
            codes = service.regenerate_recovery_codes(db, state["keys"], user=user, code=code)
        except AccountError as error:
            errors = {"recovery_code_totp": error.message}
        else:
            return page(
                "recovery_codes.html", "Your recovery codes", codes=codes, continue_to="/account"
            )
    return _account_page(db, identity, user, status=400, errors=errors)


@post("/account/tokens", include_in_schema=False, sync_to_thread=True)
def create_token(db: Session, identity: Identity, state: State, data: FormData) -> Response[Any]:
    user = _account_user(identity)
    if isinstance(user, Response):
        return user
    form, errors = parse_form(
        TokenForm, {k: v for k, v in data.items() if k not in ("scopes", "organisation")}
    )
    raw_scopes: Any = data.get("scopes", [])
    chosen = {str(v) for v in (raw_scopes if isinstance(raw_scopes, list) else [raw_scopes])}
    chosen.discard("")
    where = str(data.get("organisation", ""))
    organisation = next((o for o in organisations_for(db, user) if o.slug == where), None)
    if not chosen:
        errors["scopes"] = "Choose at least one thing the token may do"
    if organisation is None and (chosen - {tokens.ADMIN_SCOPE} or not user.is_platform_admin):
        errors["organisation"] = "Choose the organisation the token acts in"
    if form is not None and not errors:
        try:
            secret, token = tokens.create_token(
                db,
                state["keys"],
                user=user,
                name=form.token_name,
                expires_in_days=form.expires_in_days,
                organisation_id=organisation.id if organisation else None,
                scopes=chosen,
            )
        except AccountError as error:
            errors = {error.field if error.field in TOKEN_FIELDS else "token_name": error.message}
        else:
            return page(
                "token_created.html",
                "Your new API token",
                secret=secret,
                token=token,
                organisation=organisation,
            )
    return _account_page(
        db, identity, user, status=400, errors=errors, chosen_scopes=chosen, chosen_org=where
    )


TOKEN_FIELDS = ("token_name", "organisation", "scopes")


@post("/account/tokens/{token_id:int}/revoke", include_in_schema=False, sync_to_thread=True)
def revoke_token(db: Session, identity: Identity, token_id: RowId) -> Response[Any]:
    user = _account_user(identity)
    if isinstance(user, Response):
        return user
    try:
        tokens.revoke_token(db, user=user, token_id=token_id)
    except AccountError:
        raise NotFoundException() from None
    return redirect("/account?notice=token-revoked")


@post("/account/sign-out-everywhere", include_in_schema=False, sync_to_thread=True)
def sign_out_everywhere(db: Session, identity: Identity, state: State) -> Response[Any]:
    user = _account_user(identity)
    if isinstance(user, Response):
        return user
    service.sign_out_everywhere(db, user=user)
    return redirect(
        "/sign-in?notice=signed-out-everywhere", cookies=[cleared_cookie(state.settings)]
    )


# -- members: sign in by emailed link ------------------------------------------------------------


@get("/o/{slug:str}/member-sign-in", include_in_schema=False, sync_to_thread=True)
def member_sign_in_page(db: Session, slug: str) -> Template:
    organisation = organisation_by_slug(db, slug)
    return page("member_sign_in.html", "Sign in as a member", organisation=organisation, email="")


@post("/o/{slug:str}/member-sign-in", include_in_schema=False, sync_to_thread=True)
def member_sign_in_submit(
    request: Request[Any, Any, Any], db: Session, state: State, slug: str, data: FormData
) -> Template:
    organisation = organisation_by_slug(db, slug)
    form, errors = parse_form(MemberSignInForm, data)
    email = str(data.get("email", ""))[:254]
    if form is not None:
        try:
            address = service.valid_email(form.email)
        except AccountError as error:
            errors = {"email": error.message}
        else:
            magic.request_link(
                db,
                state["keys"],
                state.settings,
                organisation=organisation,
                email=address,
                ip=client_ip(request),
            )
            return page(
                "member_check_email.html",
                "Check your email",
                organisation=organisation,
                email=address,
            )
    return page(
        "member_sign_in.html",
        "Sign in as a member",
        status=400,
        organisation=organisation,
        email=email,
        errors=errors,
    )


def _link_invalid(message: str) -> Template:
    return page("link_invalid.html", "This link cannot be used", status=410, message=message)


@get("/magic/{token:str}", include_in_schema=False, sync_to_thread=True)
def magic_page(db: Session, state: State, token: str) -> Template:
    link = magic.find_link(db, state["keys"], token)
    member = db.get(Member, link.member_id) if link else None
    organisation = db.get(Organisation, member.organisation_id) if member else None
    if organisation is None:
        return _link_invalid(magic.LINK_INVALID)
    return page("magic_confirm.html", "Sign in", organisation=organisation, token=token)


@post("/magic/{token:str}", include_in_schema=False, sync_to_thread=True)
def magic_submit(
    request: Request[Any, Any, Any], db: Session, state: State, token: str
) -> Response[Any]:
    try:
        _member, organisation, session_token = magic.use_link(
            db,
            state["keys"],
            state.settings,
            token=token,
            ip=client_ip(request),
            replacing=presented_session(request),
            user_agent=user_agent(request),
        )
    except AccountError as error:
        return _link_invalid(error.message)
    return redirect(f"/o/{organisation.slug}", cookies=[cookie(state.settings, session_token)])


# -- staff invitations -------------------------------------------------------------------------


@get("/invitation/{token:str}", include_in_schema=False, sync_to_thread=True)
def invitation_page(db: Session, identity: Identity, state: State, token: str) -> Template:
    invitation = staff.find_invitation(db, state["keys"], token)
    if invitation is None:
        return _link_invalid(staff.LINK_INVALID)
    if invitation.role is not None:
        organisation = db.get(Organisation, invitation.organisation_id)
        signed_in = identity.staff_signed_in and identity.api_token is None
        return page(
            "role_offer.html",
            "Accept a role",
            token=token,
            organisation=organisation,
            role=invitation.role.replace("_", " "),
            signed_in_as_invitee=signed_in
            and identity.user is not None
            and identity.user.id == invitation.user_id,
            signed_in=signed_in,
            next=quote(f"/invitation/{token}"),
        )
    return page("invitation.html", "Choose a password", token=token)


@post("/invitation/{token:str}/accept", include_in_schema=False, sync_to_thread=True)
def role_offer_accept(db: Session, identity: Identity, state: State, token: str) -> Response[Any]:
    if not identity.staff_signed_in or identity.user is None or identity.api_token is not None:
        return redirect(f"/sign-in?next={quote(f'/invitation/{token}')}")
    try:
        organisation, _ = staff.accept_offer(db, state["keys"], token=token, user=identity.user)
    except AccountError as error:
        if error.status == 410:
            return _link_invalid(error.message)
        raise error.problem() from None
    assert organisation.id is not None
    return redirect("/account?notice=role-accepted")


@post("/invitation/{token:str}", include_in_schema=False, sync_to_thread=True)
def invitation_submit(db: Session, state: State, token: str, data: FormData) -> Response[Any]:
    form, errors = parse_form(SetPasswordForm, data)
    if form is not None:
        try:
            staff.accept_invitation(
                db,
                state["keys"],
                token=token,
                password=form.password,
                confirm=form.confirm_password,
            )
        except AccountError as error:
            if error.status == 410:
                return _link_invalid(error.message)
            errors = {error.field or "password": error.message}
        else:
            return redirect("/sign-in?notice=password-set")
    return page("invitation.html", "Choose a password", status=400, token=token, errors=errors)


def auth_pages() -> list[Any]:
    return [
        sign_in_page,
        sign_in_submit,
        code_page,
        code_submit,
        sign_out,
        setup_page,
        setup_submit,
        account_page,
        change_password,
        disable_two_factor,
        new_recovery_codes,
        create_token,
        revoke_token,
        sign_out_everywhere,
        member_sign_in_page,
        member_sign_in_submit,
        magic_page,
        magic_submit,
        invitation_page,
        role_offer_accept,
        invitation_submit,
    ]
