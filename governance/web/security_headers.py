"""Security headers on every response: pages, the API, static files, errors.

The pages use no script at all, so the Content-Security-Policy allows none; styles and images
come from this origin only, no page may be framed, and forms post only back to this origin.
``Strict-Transport-Security`` is sent when the service is reached over https (production
always is). A handler that sets one of these headers itself (a download) keeps its own value.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; img-src 'self' data:"
)
HSTS = "max-age=31536000; includeSubDomains"

SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    # Links carry single-use tokens (magic links, voter links): never tell another site the URL.
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def add_security_headers(app: ASGIApp, *, https: bool) -> ASGIApp:
    """Wrap an ASGI application so that every HTTP response carries the security headers."""
    headers = dict(SECURITY_HEADERS)
    if https:
        headers["strict-transport-security"] = HSTS

    async def with_headers(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = MutableScopeHeaders.from_message(message)
                for name, value in headers.items():
                    if name not in present:
                        present.add(name, value)
            await send(message)

        await app(scope, receive, send_with_headers)

    return with_headers
