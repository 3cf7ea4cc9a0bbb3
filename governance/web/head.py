"""HEAD answered as GET without a body (RFC 9110 section 9.3.2), for every route.

Litestar routes a HEAD request only to handlers declared for HEAD, so without this every page
answered 405. The request is routed as a GET; the response keeps its status and headers
(``Content-Length`` included, as the GET would send it) and loses its body. GET handlers here
change nothing (single-use links are spent by POST), so answering HEAD through them is safe.
"""

from __future__ import annotations

from typing import cast

from litestar.types import ASGIApp, Message, Receive, Scope, Send


def answer_head_as_get(app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI application so that HEAD requests run its GET handlers, body dropped."""

    async def head_as_get(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await app(scope, receive, send)
            return
        as_get: Scope = cast("Scope", {**scope, "method": "GET"})

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the body's parts are dropped; the last one ends the response
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await app(as_get, receive, send_without_body)

    return head_as_get
