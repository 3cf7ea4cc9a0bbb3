"""Site-wide routes: health, readiness, the start page, problem types, accessibility."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.response import Template
from sqlalchemy import text
from sqlmodel import Session, select

from governance.errors import PROBLEMS
from governance.organisations.models import Organisation


@get("/health", include_in_schema=True, tags=["service"], sync_to_thread=False)
def health() -> dict[str, str]:
    """The process is up (no dependencies checked)."""
    return {"status": "ok"}


@get("/ready", tags=["service"], sync_to_thread=True)
def ready(db: Session) -> Response[dict[str, str]]:
    """The service can reach its database and the schema is migrated."""
    try:
        db.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    except Exception:
        return Response(
            {"status": "unavailable", "database": "unreachable or not migrated"}, status_code=503
        )
    return Response({"status": "ready", "database": "ok"})


@get("/", include_in_schema=False, sync_to_thread=True)
def home(db: Session) -> Template:
    organisations = db.exec(select(Organisation).order_by(Organisation.name)).all()
    return Template(
        "home.html", context={"organisations": organisations, "page_title": "Governance"}
    )


@get("/accessibility", include_in_schema=False, sync_to_thread=False)
def accessibility() -> Template:
    return Template("accessibility.html", context={"page_title": "Accessibility statement"})


@get("/problems/{slug:str}", include_in_schema=False, sync_to_thread=False)
def problem_type(request: Request[Any, Any, Any], slug: str) -> Template:
    """Human-readable description of an API problem type."""
    titles = dict(PROBLEMS.values())
    return Template(
        "problem.html",
        context={
            "slug": slug,
            "title": titles.get(slug, slug.replace("-", " ").capitalize()),
            "page_title": "Problem type",
        },
    )


def site_routes() -> list[Any]:
    return [health, ready, home, accessibility, problem_type]
