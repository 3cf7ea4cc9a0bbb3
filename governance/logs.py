"""The service's log: one line per event on standard error, at GOVERNANCE_LOG_LEVEL.

Libraries that narrate their routine work at INFO (APScheduler announces every run of every
job; Alembic its migration context) are held at WARNING, so that at INFO the log carries what
an operator acts on: start-up, the scheduler's jobs, requests, warnings and incidents. At DEBUG
they say everything.
"""

from __future__ import annotations

import logging
import sys

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CHATTY = ("apscheduler", "alembic")


def configure(level: str) -> None:
    """Send the log to standard error at ``level`` (one of :data:`LEVELS`).

    Safe to call more than once. When the root logger already has a handler (a test runner's,
    or one the embedding program set up), it is left as it is and only the libraries' levels
    are set.
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
        root.setLevel(level)
    quiet = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for name in CHATTY:
        logging.getLogger(name).setLevel(quiet)
