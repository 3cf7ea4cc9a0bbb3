"""Tenant isolation on every route family, driven by the application's route table.

A fully signed-in secretary of organisation A, and a signed-in member of A, call every route
whose path names an organisation with organisation B's slug, sending an empty body of the kind
the handler reads. Each must get 404 — except on a route that is not for their kind of account
at all (a member's own pages, for the secretary; staff pages, for the member), where they must
get exactly what a signed-out visitor gets, and that must be a refusal (401, or a redirect to
sign in). Routes that intentionally serve any organisation are listed in
tests/public_routes.py with the reason. New route families are covered as soon as they are
added to the app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from litestar import Litestar
from litestar.enums import RequestEncodingType
from sqlmodel import Session, select

from governance.auth.models import RoleAssignment
from governance.mail import OutboxMessage, rendered_text
from governance.organisations.constitution import Role
from tests.conftest import Client
from tests.factories import KEYS, make_member, make_org, make_user, signed_in_client
from tests.public_routes import PUBLIC_ORGANISATION_ROUTES

SKIP_METHODS = {"HEAD", "OPTIONS"}
SIGN_IN_LOCATIONS = re.compile(r"^/(sign-in|account/two-factor/setup)|/member-sign-in$")


@dataclass(frozen=True)
class OrgRoute:
    method: str
    template: str  # the path with parameters as {name}
    types: dict[str, type]
    body: str  # "json", "form", "multipart" or "" (the handler reads no body)


def _body_kind(handler: Any) -> str:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return ""
    media_type = getattr(data.kwarg_definition, "media_type", None)
    if media_type == RequestEncodingType.URL_ENCODED:
        return "form"
    if media_type == RequestEncodingType.MULTI_PART:
        return "multipart"
    return "json"


def organisation_routes(app: Litestar) -> list[OrgRoute]:
    """Every (method, route) whose path names an organisation."""
    found = []
    for route in app.routes:
        if "slug" not in route.path_parameters:
            continue
        template = route.path
        for name, definition in route.path_parameters.items():
            template = template.replace("{" + definition.full + "}", "{" + name + "}")
        types = {name: definition.type for name, definition in route.path_parameters.items()}
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - SKIP_METHODS):
                found.append(OrgRoute(method, template, types, _body_kind(handler)))
    return found


def fill(template: str, types: dict[str, type], slug: str) -> str:
    values: dict[str, Any] = {}
    for name, kind in types.items():
        if name == "slug":
            values[name] = slug
        elif kind is int:
            values[name] = 1
        elif kind.__name__ == "UUID":
            values[name] = uuid4()
        else:
            values[name] = "x"
    return template.format(**values)


def call(client: Client, route: OrgRoute, url: str) -> Any:
    """The request with an empty but well-formed body of the kind the handler reads."""
    if route.method == "GET":
        return client.get(url, follow_redirects=False)
    body: dict[str, Any] = {}
    if route.body == "json":
        body = {"json": {}}
    elif route.body == "form":
        body = {"data": {"_csrf": client.csrf()}}
    elif route.body == "multipart":
        body = {"data": {"_csrf": client.csrf()}, "files": {"_": ("", b"")}}
    return client.api(route.method, url, follow_redirects=False, **body)


def refused_as_stranger(response: Any) -> bool:
    """The answer for a route that is not for this kind of account at all."""
    if response.status_code == 401:
        return True
    location = response.headers.get("location", "").split("?")[0]
    return response.status_code in {302, 303} and bool(SIGN_IN_LOCATIONS.search(location))


def same_answer(one: Any, other: Any) -> bool:
    return one.status_code == other.status_code and one.headers.get(
        "location"
    ) == other.headers.get("location")


def member_client(db: Session, make_client: Any, slug: str) -> Client:
    """A member of ``slug`` signed in through the emailed-link pages."""
    org = make_org(db, slug)
    make_member(db, org, email="member@a.example")
    client = make_client()
    client.get(f"/o/{slug}/member-sign-in")
    client.form(f"/o/{slug}/member-sign-in", {"email": "member@a.example"})
    body = rendered_text(KEYS, db.exec(select(OutboxMessage)).one())
    db.commit()
    token = re.search(r"/magic/([A-Za-z0-9_-]+)", body).group(1)  # type: ignore[union-attr]
    client.get(f"/magic/{token}")
    client.form(f"/magic/{token}", {})
    assert client.get("/api/auth/me").json()["kind"] == "member"
    return client


def test_every_organisation_route_refuses_another_organisation(
    db: Session, app: Litestar, make_client: Any
) -> None:
    member = member_client(db, make_client, "org-a")
    org_b = make_org(db, "org-b")
    make_member(db, org_b, email="someone@b.example")
    make_user(db, "sec@b.example", roles={"org-b": [Role.SECRETARY]}, totp=True)
    secretary = signed_in_client(
        make_client, make_user(db, "sec@a.example", roles={"org-a": [Role.SECRETARY]}, totp=True)
    )
    assert secretary.get("/api/orgs/org-a").status_code == 200, "A's secretary is signed in"
    anonymous = make_client()

    failures = []
    checked = 0
    for route in organisation_routes(app):
        if (route.method, route.template) in PUBLIC_ORGANISATION_ROUTES:
            continue
        url = fill(route.template, route.types, "org-b")
        stranger = call(anonymous, route, url)
        answers = {"secretary": call(secretary, route, url), "member": call(member, route, url)}
        wrong = {
            who: answer.status_code
            for who, answer in answers.items()
            if answer.status_code != 404
            and not (refused_as_stranger(answer) and same_answer(answer, stranger))
        }
        if wrong:
            failures.append(f"{route.method} {route.template}: {wrong}")
        checked += 1
    assert not failures, "routes that do not refuse another organisation:\n" + "\n".join(failures)
    assert checked >= 20
    assert secretary.get("/api/orgs/org-a").status_code == 200, "still signed in"


def test_an_object_of_another_organisation_is_not_found_under_ones_own(
    db: Session, make_client: Any
) -> None:
    make_org(db, "org-a")
    make_org(db, "org-b")
    b_staff = make_user(db, "gov@b.example", roles={"org-b": [Role.GOVERNOR]})
    b_assignment = db.exec(select(RoleAssignment).where(RoleAssignment.user_id == b_staff.id)).one()
    db.commit()
    secretary = signed_in_client(
        make_client, make_user(db, "sec@a.example", roles={"org-a": [Role.SECRETARY]}, totp=True)
    )
    assert secretary.api("DELETE", f"/api/orgs/org-a/roles/{b_assignment.id}").status_code == 404
    assert secretary.form(f"/o/org-a/people/{b_assignment.id}/revoke", {}).status_code == 404
    gone = secretary.form(f"/o/org-a/people/{b_assignment.id}/revoke", {"confirm": "yes"})
    assert gone.status_code == 404
    grant = secretary.api(
        "POST", "/api/orgs/org-a/roles", json={"user_id": b_staff.id, "role": "director"}
    )
    assert grant.status_code == 404
    page_grant = secretary.form(
        "/o/org-a/people/grant", {"user_id": str(b_staff.id), "role": "director"}
    )
    assert page_grant.status_code == 404
    remaining = db.exec(select(RoleAssignment).where(RoleAssignment.user_id == b_staff.id)).all()
    db.commit()
    assert [a.role for a in remaining] == ["governor"]


def test_a_slug_that_does_not_exist_looks_like_one_you_cannot_see(
    db: Session, make_client: Any
) -> None:
    make_org(db, "org-a")
    make_org(db, "org-b")
    secretary = signed_in_client(
        make_client, make_user(db, "sec@a.example", roles={"org-a": [Role.SECRETARY]}, totp=True)
    )
    hidden = secretary.get("/api/orgs/org-b")
    missing = secretary.get("/api/orgs/no-such-org")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() | {"instance": ""} == missing.json() | {"instance": ""}
