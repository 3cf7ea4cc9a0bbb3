"""Keep one-use tokens out of the logs.

A sign-in link (``/magic/<token>``) and a staff invitation (``/invitation/<token>``) carry their
token in the path, because they arrive in an email. The page opened by the link only shows a
button that posts the token back, but the request line itself reaches the access log. This
filter rewrites such paths to ``/magic/[token]``: on the server's access and error loggers (their
records do not propagate) and on the root logger's handlers (everything else), before any
handler writes them.
"""

from __future__ import annotations

import logging
import re

TOKEN_PATH = re.compile(r"(/(?:magic|invitation)/)[^/?#\s\"']+")
REPLACEMENT = r"\1[token]"
LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    return TOKEN_PATH.sub(REPLACEMENT, text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


_FILTER = RedactTokens()


def install() -> None:
    """Attach the filter where request lines are written (once each)."""
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in LOGGERS]
    targets += logging.getLogger().handlers
    for target in targets:
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
