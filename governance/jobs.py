"""Imports each module that registers scheduled jobs, so the scheduler sees them all."""

from governance import mail_jobs  # noqa: F401
