"""Error responses: RFC 9457 problem+json for the API, a plain page for people.

Every problem has a stable ``type`` (``/problems/<slug>``, documented on that page). A stack trace
never reaches a user; unexpected errors are logged with an id the user can quote.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DataError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "The request could not be understood"),
    401: ("not-signed-in", "You need to sign in"),
    403: ("forbidden", "You are not allowed to do that"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "That method is not allowed here"),
    409: ("conflict", "That conflicts with the current state"),
    413: ("too-large", "The request is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid", "Some of the data is not valid"),
    429: ("rate-limited", "Too many attempts; wait and try again"),
    500: ("server-error", "Something went wrong on our side"),
    503: ("unavailable", "The service is not ready"),
}


class Problem(HTTPException):
    """An error with its own stable problem slug, for domain rules (e.g. "poll-closed")."""

    def __init__(
        self,
        status_code: int,
        slug: str,
        detail: str,
        *,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=detail)
        self.slug = slug
        self.extra = extra or {}


class Conflict(Problem):
    def __init__(self, slug: str, detail: str, **kw: Any) -> None:
        super().__init__(409, slug, detail, **kw)


class Invalid(Problem):
    def __init__(self, slug: str, detail: str, **kw: Any) -> None:
        super().__init__(422, slug, detail, **kw)


def wants_json(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path == "/api":
        return True
    accept = request.headers.get("accept", "")
    return "json" in accept and "html" not in accept


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    default_slug, title = PROBLEMS.get(status, ("error", "Error"))
    slug = slug or default_slug
    if wants_json(request):
        body: dict[str, Any] = {
            "type": f"/problems/{slug}",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request.url.path,
        }
        if errors:
            body["errors"] = errors
        if extra:
            body.update(extra)
        return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
    return Template(
        template_name="error.html",
        context={"status": status, "title": title, "detail": detail, "errors": errors or []},
        status_code=status,
        media_type=MediaType.HTML,
        headers=headers,
    )


def _validation_errors(exc: ValidationException) -> list[dict[str, Any]]:
    extra = exc.extra
    items: list[dict[str, Any]] = []
    if isinstance(extra, list):
        for item in extra[:50]:
            if isinstance(item, dict):
                items.append(
                    {"field": str(item.get("key", "")), "message": str(item.get("message", ""))}
                )
    return items


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    if isinstance(exc, Problem):
        return problem_response(
            request,
            status,
            exc.detail,
            slug=exc.slug,
            extra=exc.extra if isinstance(exc.extra, dict) else None,
            headers=headers,
        )
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        detail = (
            "The request body or parameters are not valid."
            if errors
            else (exc.detail or "Invalid request")
        )
        return problem_response(request, 400, detail, slug="invalid-request", errors=errors)
    if isinstance(exc, NotFoundException):
        return problem_response(request, 404, "There is nothing here, or you cannot see it.")
    if isinstance(exc, NotAuthorizedException):
        return problem_response(request, 401, exc.detail or "Sign in to continue.", headers=headers)
    if isinstance(exc, PermissionDeniedException):
        return problem_response(request, 403, exc.detail or "You are not allowed to do that.")
    detail = exc.detail if status < 500 else "The service could not complete the request."
    return problem_response(request, status, detail, headers=headers)


def handle_out_of_range(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A number too large for the database (e.g. an id of 2**64 in a path) is bad input, not a
    server fault: SQLite raises OverflowError and PostgreSQL a DataError before anything is read
    or written."""
    if isinstance(exc, DataError) and "out of range" not in str(exc.orig).lower():
        return handle_unexpected(request, exc)
    return problem_response(
        request, 400, "A number in the request is out of range.", slug="out-of-range"
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    incident = secrets.token_hex(4)
    log.error(
        "unhandled error %s on %s %s", incident, request.method, request.url.path, exc_info=exc
    )
    return problem_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        f"The service could not complete the request (incident {incident}).",
        extra={"incident": incident},
    )
