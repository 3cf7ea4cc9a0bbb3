"""Routes that intentionally answer anyone, used by the route-walking security tests.

Every other route must refuse a caller from another organisation (404) and a half-signed-in
member of staff (401, or a redirect to finish signing in). Add a route here only when serving
it to anyone is the point, and say why.
"""

from __future__ import annotations

# (method, path with parameters as {name}) -> why it serves any organisation.
PUBLIC_ORGANISATION_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/problems/{slug}"): "the slug names a problem type, not an organisation",
    ("GET", "/o/{slug}"): "an organisation's start page: its public information",
    ("GET", "/o/{slug}/member-sign-in"): "members ask for a sign-in link before any session",
    ("POST", "/o/{slug}/member-sign-in"): "the same; it answers alike for members and strangers",
    ("GET", "/o/{slug}/join"): "anyone may apply to join",
    ("POST", "/o/{slug}/join"): "anyone may apply to join",
    ("POST", "/api/orgs/{slug}/join"): "anyone may apply to join",
    ("GET", "/o/{slug}/membership"): "public information about membership",
    ("GET", "/o/{slug}/public-register"): (
        "registers of members are open to inspection (RULES.md 2)"
    ),
    ("GET", "/api/orgs/{slug}/public/register"): "registers of members are open to inspection",
    ("GET", "/api/orgs/{slug}/public/counts"): "published membership figures",
    ("GET", "/o/{slug}/elections"): "elections are announced publicly (notice of election)",
    ("GET", "/o/{slug}/transparency"): "accountability: the index of public lists (no sign-in)",
    ("GET", "/o/{slug}/transparency/{name}"): "accountability: each public list and its feeds",
    ("GET", "/o/{slug}/transparency/health"): "the democratic health report is published",
    ("GET", "/o/{slug}/transparency/health/{year}"): "the democratic health report is published",
    ("GET", "/o/{slug}/transparency/annual-report/{year}"): (
        "the annual-report extract is published"
    ),
    ("GET", "/o/{slug}/consultations/{consultation_id}"): "consultations are published",
    ("GET", "/o/{slug}/meetings"): "meetings are announced publicly (notice of meeting)",
    ("GET", "/o/{slug}/meetings.ics"): (
        "the published meetings as a calendar anyone may subscribe to"
    ),
    ("GET", "/o/{slug}/meetings/{meeting_id}"): (
        "a called meeting's notice, agenda and minutes are published"
    ),
    ("GET", "/o/{slug}/meetings/{meeting_id}/papers/{paper_id}"): (
        "a called meeting's papers are published"
    ),
    ("POST", "/api/orgs/{slug}/elections/{election_id}/ballots"): (
        "voters cast ballots with their voter ID and security code, not an account (RULES.md 4)"
    ),
    ("POST", "/api/orgs/{slug}/elections/{election_id}/receipts/check"): (
        "anyone may check a receipt against the published commitments"
    ),
}

# Pages without an organisation that anyone may open, signed in or not.
PUBLIC_PAGES: set[str] = {
    "/",
    "/health",
    "/ready",
    "/accessibility",
    "/sign-in",
    "/sign-in/code",
    "/account/two-factor/setup",
    "/magic/{token}",
    "/invitation/{token}",
}


def is_public(method: str, path: str) -> bool:
    return (method, path) in PUBLIC_ORGANISATION_ROUTES or (
        method == "GET" and (path in PUBLIC_PAGES or path.startswith(("/schema", "/static")))
    )
